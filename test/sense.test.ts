/**
 * The engine as a whole, with no runner: real bash sensors in a temporary working directory,
 * real files in a real snapshots directory.
 */

import { createHash } from 'node:crypto'
import {
  access,
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
import { canonical } from './fixtures/oracle.js'
import { settledAlive } from './fixtures/processes.js'
import { killRecorded, writeSensor } from './fixtures/sensors.js'

let dir: string
let snapshots: string
/** Pids of processes a test started through a sensor; SIGKILLed after it, whatever happened. */
let started: number[]

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'looop-sense-'))
  snapshots = path.join(dir, 'snapshots')
  started = []
})
afterEach(async () => {
  await killRecorded(undefined, started)
  await rm(dir, { recursive: true, force: true })
})

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

function sensor(name: string, body: string, mode = 0o755): Promise<string> {
  return writeSensor(path.join(dir, 'sensors', `${name}.sh`), body, { mode, shebang: true })
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

async function index(): Promise<{
  world_hash: string
  sensors: Record<string, unknown>[]
  [key: string]: unknown
}> {
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
    expect(Object.keys(idx).sort()).toEqual(
      [
        'version',
        'world_hash',
        'started_at',
        'finished_at',
        'duration_ms',
        'settings',
        'sensors',
        'previous',
        'history',
      ].sort(),
    )
    expect(idx.version).toBe(1)
    // Without `previous`: no earlier snapshots were used, and the history is this beat alone.
    expect(idx.previous).toBeNull()
    expect(idx.history).toEqual([
      {
        sensed_at: idx.started_at,
        run_id: null,
        world_hash: idx.world_hash,
        statuses: { 'sensor-a': 'failed', 'sensor-b': 'ok' },
      },
    ])
    expect(idx.world_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(idx.world_hash).toBe(result.worldHash)
    expect(idx.settings).toEqual({})
    expect(idx.duration_ms).toBe(result.durationMs)
    for (const time of [idx.started_at, idx.finished_at]) {
      expect(time).toMatch(ISO_TIME)
      expect(new Date(time as string).toISOString()).toBe(time)
    }
    expect(idx.sensors.map((s) => s.name)).toEqual(['sensor-a', 'sensor-b', 'sys-claims'])
    const sensorKeys = [
      'name',
      'kind',
      'script',
      'script_sha256',
      'status',
      'exit_code',
      'duration_ms',
      'bytes',
      'sensed_at',
      'signal_sha256',
      'streak',
      'attempts',
    ]
    const probeKeys = sensorKeys.filter(
      (k) => !['script', 'script_sha256', 'exit_code', 'bytes'].includes(k),
    )
    for (const e of idx.sensors) {
      expect(Object.keys(e).sort()).toEqual(
        (e.kind === 'probe' ? probeKeys : sensorKeys).slice().sort(),
      )
      expect(e.sensed_at).toMatch(ISO_TIME)
      expect(new Date(e.sensed_at as string).toISOString()).toBe(e.sensed_at)
      // The hash of what is on disk, recomputed here from the file, not taken from the engine.
      const onDisk = JSON.parse(await readFile(path.join(snapshots, `${e.name}.json`), 'utf8'))
      expect(e.signal_sha256).toBe(sha256(canonical(onDisk.signal)))
    }
    const [a, b, probe] = idx.sensors as Record<string, unknown>[]
    expect(a).toMatchObject({
      kind: 'sensor',
      script: 'sensors/a.sh',
      status: 'failed',
      exit_code: 3,
      bytes: 0,
      streak: 0,
    })
    expect(a?.script_sha256).toBe(
      createHash('sha256')
        .update(await readFile(path.join(dir, 'sensors/a.sh')))
        .digest('hex'),
    )
    expect(b).toMatchObject({
      kind: 'sensor',
      script: 'sensors/b.sh',
      status: 'ok',
      exit_code: 0,
      bytes: '{"signal":{"up":true},"detail":{"ms":12}}\n'.length,
      streak: 0,
    })
    expect(b?.signal_sha256).toBe(sha256('{"up":true}'))
    expect(probe).toMatchObject({ kind: 'probe', status: 'ok', streak: 0 })
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
    // A barrier instead of a sleep: each sensor marks itself in `running/` and waits until
    // BARRIER sensors are running (or every sensor has started, so no one else can come),
    // then records the count it saw. The first sensor to leave counted before anyone left, so
    // the peak is exactly BARRIER = min(concurrency, 6) unless the engine ran more at once.
    // Each sensor marks `running/` before `started/`, so "all started" implies all marked.
    const running = path.join(dir, 'running')
    const startedDir = path.join(dir, 'started')
    await mkdir(running)
    for (let i = 0; i < 6; i++) {
      await sensor(
        `s${i}`,
        [
          'touch "$RUNNING/$SENSOR_NAME"; touch "$STARTED/$SENSOR_NAME"',
          'for _ in $(seq 400); do',
          '  s=$(ls "$STARTED" | wc -l); n=$(ls "$RUNNING" | wc -l)',
          '  [ "$n" -ge "$BARRIER" ] || [ "$s" -ge 6 ] && break',
          '  sleep 0.05',
          'done',
          'rm "$RUNNING/$SENSOR_NAME"',
          'echo "{\\"signal\\":\\"$SENSOR_NAME\\",\\"detail\\":{\\"seen\\":$n}}"',
        ].join('\n'),
      )
    }
    const peak = async (concurrency: number) => {
      await rm(startedDir, { recursive: true, force: true })
      await mkdir(startedDir)
      const env = {
        PATH: process.env.PATH,
        RUNNING: running,
        STARTED: startedDir,
        BARRIER: String(Math.min(concurrency, 6)),
      }
      const result = await sense(options({ concurrency, env }))
      expect(result.entries.map((e) => e.status)).toEqual(Array(6).fill(Status.Ok))
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
    expect(three.peak).toBe(3)
    expect(all.peak).toBe(6)
    // Signals are identical, so the world hash is too, whatever the concurrency.
    expect(three.result.worldHash).toBe(one.result.worldHash)
    expect(all.result.worldHash).toBe(one.result.worldHash)
    const shape = (r: typeof one.result) => r.entries.map((e) => [e.name, e.status, e.signalSha256])
    expect(shape(three.result)).toEqual(shape(one.result))
  })

  it('hashes a signal nested deeper than the call stack goes, and keeps every other snapshot', async () => {
    // 200,000 levels: JSON.parse takes it, so the snapshot is ok and its hash must not crash.
    await sensor(
      'deep',
      `printf '{"signal":'; printf '[%.0s' $(seq 200000); printf ']%.0s' $(seq 200000); printf '}'`,
    )
    await sensor('plain', `echo '{"signal":1}'`)
    const result = await sense(options({ maxBytes: 1024 * 1024 }))
    expect(result.entries.map((e) => [e.name, e.status])).toEqual([
      ['sensor-deep', Status.Ok],
      ['sensor-plain', Status.Ok],
    ])
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    const framed = (name: string, payload: string) =>
      `@@ ${name} ${Buffer.byteLength(payload) + 1}\n${payload}\n`
    expect(result.worldHash).toBe(
      sha256(framed('sensor-deep.json', deep) + framed('sensor-plain.json', '1')),
    )
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
    const ready = path.join(dir, 'slow-started')
    const pidsFile = path.join(dir, 'slow-pids')
    await sensor('done', `echo '{"signal":1}'`)
    await sensor(
      'slow',
      `echo $$ > "${pidsFile}"; sleep 30 & echo $! >> "${pidsFile}"; touch "${ready}"; wait; echo "{}"`,
    )
    const controller = new AbortController()
    const pending = sense(options({ cancel: controller.signal, concurrency: 2 }))
    // Cancel once `done` has published and `slow` is running, however loaded the machine is.
    const isReady = () =>
      Promise.all([access(ready), access(path.join(snapshots, 'sensor-done.json'))])
    while (
      !(await isReady().then(
        () => true,
        () => false,
      ))
    )
      await sleep(20)
    // bash and its sleep, both recorded before `ready` was touched.
    const group = (await readFile(pidsFile, 'utf8')).split('\n').filter(Boolean).map(Number)
    started.push(...group)
    expect(group).toHaveLength(2)
    controller.abort()
    const result = await pending
    for (const pid of group) expect(await settledAlive(pid)).toBe(false)
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

  it('on Windows runs a .sh without the exec bit under bash, with no exec-bit warning', async () => {
    // Windows has no exec bit: every .sh runs under the bash on PATH, and that is no one's
    // fault. A sensor that exits by itself is never taskkill'ed, so this runs on any host.
    await sensor('plain', `[ -n "$BASH_VERSION" ] && echo '{"signal":"bash"}'`, 0o644)
    const result = await sense(options({ platform: 'win32' }))
    expect(result.entries.map((e) => [e.name, e.status])).toEqual([['sensor-plain', Status.Ok]])
    expect(result.warnings).toEqual([])
    expect(await readFile(path.join(snapshots, 'sensor-plain.json'), 'utf8')).toBe(
      '{"signal":"bash"}\n',
    )
  })
})
