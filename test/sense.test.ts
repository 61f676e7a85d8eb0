/**
 * The engine as a whole, with no runner: real bash sensors in a temporary working directory,
 * real files in a real snapshots directory.
 */
import {
  access,
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type SenseOptions, sense } from '../src/sense/sense.js'
import { Kind, Status, WarningCode } from '../src/sense/types.js'

let dir: string
let snapshots: string

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'looop-sense-'))
  snapshots = path.join(dir, 'snapshots')
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function sensor(name: string, body: string, mode = 0o755): Promise<string> {
  const file = path.join(dir, 'sensors', `${name}.sh`)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `#!/usr/bin/env bash\n${body}\n`)
  await chmod(file, mode)
  return file
}

function options(over: Partial<SenseOptions> = {}): SenseOptions {
  return {
    patterns: ['sensors/*.sh'],
    workingDirectory: dir,
    snapshotsDir: snapshots,
    timeoutMs: 10_000,
    maxBytes: 8192,
    concurrency: 8,
    probes: [],
    env: { PATH: process.env.PATH },
    ...over,
  }
}

async function index(): Promise<{ world_hash: string; sensors: Record<string, unknown>[] }> {
  return JSON.parse(await readFile(path.join(snapshots, 'index.json'), 'utf8'))
}

describe('sense', () => {
  it('writes one snapshot per sensor and probe, index.json sorted by name, and the hash', async () => {
    await sensor('b', `echo '{"signal":{"up":true},"detail":{"ms":12}}'`)
    await sensor('a', 'echo "boom" >&2; exit 3')
    const result = await sense(options({ probes: ['claims'] }))

    expect(result.entries.map((e) => [e.name, e.kind, e.status])).toEqual([
      ['sensor-a', Kind.Sensor, Status.Failed],
      ['sensor-b', Kind.Sensor, Status.Ok],
      ['sys-claims', Kind.Probe, Status.Ok],
    ])
    expect(await readFile(path.join(snapshots, 'sensor-b.json'), 'utf8')).toBe(
      '{"signal":{"up":true},"detail":{"ms":12}}\n',
    )
    const failed = JSON.parse(await readFile(path.join(snapshots, 'sensor-a.json'), 'utf8'))
    expect(failed.signal).toEqual({ error: 'failed', exit_code: 3 })
    expect(await readFile(path.join(snapshots, 'sensor-a.err'), 'utf8')).toBe('boom\n')
    expect(JSON.parse(await readFile(path.join(snapshots, 'sys-claims.json'), 'utf8'))).toEqual({
      signal: [],
      detail: expect.anything(),
    })

    const idx = await index()
    expect(idx.world_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(idx.world_hash).toBe(result.worldHash)
    expect(idx.sensors.map((s) => s.name)).toEqual(['sensor-a', 'sensor-b', 'sys-claims'])
    const a = idx.sensors[0] as Record<string, unknown>
    expect(a).toMatchObject({
      kind: 'sensor',
      script: 'sensors/a.sh',
      status: 'failed',
      exit_code: 3,
      streak: 0,
    })
    expect(a.script_sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(idx.sensors[2]).not.toHaveProperty('script')
    expect(result.writtenFiles.map((f) => path.basename(f))).toEqual([
      'index.json',
      'sensor-a.err',
      'sensor-a.json',
      'sensor-b.json',
      'sys-claims.json',
    ])
  })

  it('removes stale owned files, keeps foreign ones, and drops a .err when stderr is now empty', async () => {
    await sensor('live', `echo '{"signal":1}'`)
    await mkdir(snapshots, { recursive: true })
    const planted = {
      'sensor-gone.json': '{}',
      'sensor-gone.err': 'x',
      'sys-old.json': '{}',
      'sensor-live.err': 'old stderr',
      'notes.txt': 'mine',
      'sensor-live.json.bak': 'mine too',
    }
    for (const [name, content] of Object.entries(planted))
      await writeFile(path.join(snapshots, name), content)
    await mkdir(path.join(snapshots, 'sensor-dir.json'))

    await sense(options())
    expect((await readdir(snapshots)).sort()).toEqual([
      'index.json',
      'notes.txt',
      'sensor-dir.json',
      'sensor-live.json',
      'sensor-live.json.bak',
    ])
    expect(await readFile(path.join(snapshots, 'notes.txt'), 'utf8')).toBe('mine')
  })

  it('replaces a symlink planted at a snapshot path instead of writing through it', async () => {
    await sensor('x', `echo '{"signal":"new"}'`)
    await mkdir(snapshots, { recursive: true })
    const victim = path.join(dir, 'victim.txt')
    await writeFile(victim, 'precious')
    await symlink(victim, path.join(snapshots, 'sensor-x.json'))
    await symlink(victim, path.join(snapshots, 'index.json'))

    await sense(options())
    expect(await readFile(victim, 'utf8')).toBe('precious')
    expect((await lstat(path.join(snapshots, 'sensor-x.json'))).isSymbolicLink()).toBe(false)
    expect(await readFile(path.join(snapshots, 'sensor-x.json'), 'utf8')).toBe('{"signal":"new"}\n')
    expect((await lstat(path.join(snapshots, 'index.json'))).isFile()).toBe(true)
  })

  it('gives sensors a sanitized environment plus SENSOR_NAME and SNAPSHOTS_DIR', async () => {
    await sensor(
      'env',
      `node -e 'process.stdout.write(JSON.stringify({signal: Object.keys(process.env).sort(), detail: {name: process.env.SENSOR_NAME, dir: process.env.SNAPSHOTS_DIR, token: process.env.GITHUB_TOKEN}}))'`,
    )
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GITHUB_TOKEN: 'keep-me',
      GH_TOKEN: 'me-too',
      MY_VAR: 'x',
    }
    for (const name of [
      'INPUT_TIMEOUT',
      'INPUT_SENSORS',
      'ACTIONS_RUNTIME_TOKEN',
      'ACTIONS_RUNTIME_URL',
      'ACTIONS_RESULTS_URL',
      'ACTIONS_CACHE_URL',
      'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      'ACTIONS_ID_TOKEN_REQUEST_URL',
      'GITHUB_ENV',
      'GITHUB_OUTPUT',
      'GITHUB_PATH',
      'GITHUB_STATE',
      'GITHUB_STEP_SUMMARY',
    ])
      env[name] = 'secret'
    await sense(options({ env }))
    const snap = JSON.parse(await readFile(path.join(snapshots, 'sensor-env.json'), 'utf8'))
    const keys: string[] = snap.signal
    expect(keys).toEqual(
      expect.arrayContaining([
        'GITHUB_TOKEN',
        'GH_TOKEN',
        'MY_VAR',
        'SENSOR_NAME',
        'SNAPSHOTS_DIR',
      ]),
    )
    expect(
      keys.filter(
        (k) =>
          k.startsWith('INPUT_') ||
          k.startsWith('ACTIONS_') ||
          /^GITHUB_(ENV|OUTPUT|PATH|STATE|STEP_SUMMARY)$/.test(k),
      ),
    ).toEqual([])
    expect(snap.detail).toEqual({ name: 'env', dir: snapshots, token: 'keep-me' })
  })

  it('warns about a sensor without the exec bit and still runs it under bash', async () => {
    await sensor('plain', `echo '{"signal":"ran"}'`, 0o644)
    const result = await sense(options())
    expect(result.entries[0]?.status).toBe(Status.Ok)
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: WarningCode.NoExecBit,
        message: expect.stringContaining('git update-index --chmod=+x sensors/plain.sh'),
      }),
    ])
  })

  it('names the exec-bit fix relative to the workspace, where git runs', async () => {
    const sub = path.join(dir, 'sub')
    await mkdir(path.join(sub, 'sensors'), { recursive: true })
    await writeFile(path.join(sub, 'sensors/p.sh'), `echo '{"signal":1}'\n`, { mode: 0o644 })
    const result = await sense(
      options({ workingDirectory: sub, workspace: dir, snapshotsDir: path.join(sub, 'snapshots') }),
    )
    expect(result.warnings[0]?.message).toContain('git update-index --chmod=+x sub/sensors/p.sh')
  })

  it('loses only the snapshot a sensor sabotaged, with a warning, never the beat', async () => {
    // `a` runs first (concurrency 1) and plants a directory where `z` will publish.
    await sensor('a', `mkdir "$SNAPSHOTS_DIR/sensor-z.json"; echo '{"signal":"a"}'`)
    await sensor('z', `echo '{"signal":"z"}'`)
    const result = await sense(options({ concurrency: 1 }))
    expect(result.entries.map((e) => [e.name, e.status])).toEqual([
      ['sensor-a', Status.Ok],
      ['sensor-z', Status.Ok],
    ])
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: WarningCode.PublishFailed,
        title: 'sensor-z: snapshot not written',
      }),
    ])
    expect(await readFile(path.join(snapshots, 'sensor-a.json'), 'utf8')).toBe('{"signal":"a"}\n')
    expect((await index()).world_hash).toBe(result.worldHash)
    // The hash covers what is on disk: `a` alone.
    const alone = await sense(options({ patterns: ['sensors/a.sh'] }))
    expect(result.worldHash).toBe(alone.worldHash)
  })

  it('still writes index.json when a sensor deletes the whole snapshots folder', async () => {
    await sensor('a', `echo '{"signal":"a"}'`)
    await sensor('b', `rm -rf "$SNAPSHOTS_DIR"; echo '{"signal":"b"}'`)
    const result = await sense(options({ concurrency: 1 }))
    expect(result.entries.map((e) => e.status)).toEqual([Status.Ok, Status.Ok])
    expect((await index()).sensors.map((e) => e.name)).toEqual(['sensor-a', 'sensor-b'])
    expect(result.writtenFiles.map((f) => path.basename(f))).toContain('index.json')
  })

  it('never takes the files of a snapshots folder inside the sensors folder for sensors', async () => {
    await sensor('a', `echo '{"signal":"a"}'`)
    const inside = options({
      patterns: ['sensors/**'],
      snapshotsDir: path.join(dir, 'sensors/out'),
    })
    await sense(inside)
    const second = await sense(inside)
    expect(second.entries.map((e) => [e.name, e.status])).toEqual([['sensor-a', Status.Ok]])
  })

  it('never runs more than `concurrency` sensors at once, and the result does not depend on it', async () => {
    // Each sensor records how many sensors were running when it started; the files are the
    // evidence of overlap, so nothing here depends on timing thresholds.
    const running = path.join(dir, 'running')
    await mkdir(running)
    for (let i = 0; i < 6; i++) {
      await sensor(
        `s${i}`,
        `touch "${running}/$SENSOR_NAME"; n=$(ls "${running}" | wc -l); sleep 0.4; rm "${running}/$SENSOR_NAME"; echo "{\\"signal\\":\\"$SENSOR_NAME\\",\\"detail\\":{\\"seen\\":$n}}"`,
      )
    }
    const peak = async (concurrency: number) => {
      const result = await sense(options({ concurrency }))
      const seen = await Promise.all(
        result.entries.map(
          async (e) =>
            JSON.parse(await readFile(path.join(snapshots, `${e.name}.json`), 'utf8')).detail
              .seen as number,
        ),
      )
      return { result, peak: Math.max(...seen) }
    }
    const one = await peak(1)
    const three = await peak(3)
    const all = await peak(Number.POSITIVE_INFINITY)
    expect(one.peak).toBe(1)
    expect(three.peak).toBeLessThanOrEqual(3)
    expect(three.peak).toBeGreaterThan(1)
    expect(all.peak).toBeGreaterThan(3)
    // Signals are identical, so the world hash is too, whatever the concurrency.
    expect(three.result.worldHash).toBe(one.result.worldHash)
    expect(all.result.worldHash).toBe(one.result.worldHash)
    const shape = (r: typeof one.result) => r.entries.map((e) => [e.name, e.status, e.signalSha256])
    expect(shape(three.result)).toEqual(shape(one.result))
  })

  it('keeps the world hash under detail changes and key reordering, and moves it on a signal change', async () => {
    await sensor('w', `echo '{"signal":{"a":1,"b":[1,2]},"detail":{"t":1}}'`)
    const h1 = (await sense(options())).worldHash
    await sensor('w', `echo '{"detail":{"t":2,"more":true},"signal":{"b":[1,2],"a":1.0}}'`)
    const h2 = (await sense(options())).worldHash
    await sensor('w', `echo '{"signal":{"a":2,"b":[1,2]},"detail":{"t":1}}'`)
    const h3 = (await sense(options())).worldHash
    expect(h2).toBe(h1)
    expect(h3).not.toBe(h1)
  })

  it('marks every sensor cancelled and writes the index when the run is aborted', async () => {
    const started = path.join(dir, 'slow-started')
    await sensor('done', `echo '{"signal":1}'`)
    await sensor('slow', `touch "${started}"; sleep 30; echo "{}"`)
    const controller = new AbortController()
    const pending = sense(options({ signal: controller.signal, concurrency: 2 }))
    // Cancel once `done` has published and `slow` is running, however loaded the machine is.
    const ready = () =>
      Promise.all([access(started), access(path.join(snapshots, 'sensor-done.json'))])
    while (
      !(await ready().then(
        () => true,
        () => false,
      ))
    )
      await sleep(20)
    controller.abort()
    const result = await pending
    expect(result.cancelled).toBe(true)
    expect(result.entries.map((e) => [e.name, e.status])).toEqual([
      ['sensor-done', Status.Ok],
      ['sensor-slow', Status.Cancelled],
    ])
    const files = await readdir(snapshots)
    expect(files).toContain('sensor-done.json')
    expect(files).not.toContain('sensor-slow.json')
    expect((await index()).sensors.find((s) => s.name === 'sensor-slow')?.status).toBe('cancelled')
  })
})
