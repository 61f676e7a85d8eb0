/**
 * The merge sub-action as shipped: shard runs of `node dist/index.js` upload through the real
 * @actions/artifact client to the results-service stand-in and Azurite, then
 * `node merge/dist/index.js` lists, downloads and merges them. Each test is its own workflow
 * run (its own runtime token, so its own artifacts), so the tests run concurrently.
 */
import { randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { shardOf } from '../src/sense/shard.js'
import {
  type ActionRun,
  commands,
  jsonSensor,
  ROOT,
  type Workspace,
  workspace,
} from './fixtures/action.js'
import { recomputeWorldHash } from './fixtures/oracle.js'
import {
  readZip,
  runtimeToken,
  startUploadHarness,
  type UploadHarness,
} from './fixtures/results-service.js'

const MERGE_BUNDLE = path.join(ROOT, 'merge/dist/index.js')

let harness: UploadHarness
const workspaces: Workspace[] = []

beforeAll(async () => {
  harness = await startUploadHarness()
})

afterAll(async () => {
  await Promise.all(workspaces.map((w) => w.cleanup()))
  await harness?.stop()
})

async function freshWorkspace(): Promise<Workspace> {
  const ws = await workspace()
  workspaces.push(ws)
  return ws
}

/** The environment of one workflow run: its own backend ids, so its own set of artifacts. */
function workflowRun(): Record<string, string> {
  return { ...harness.env, ACTIONS_RUNTIME_TOKEN: runtimeToken(randomUUID(), randomUUID()) }
}

/** The last `::error::` message, decoded from the workflow-command escaping. */
function lastError(run: ActionRun): string {
  const line = commands(run.stdout, 'error').at(-1) ?? ''
  return line
    .replace(/^::error[^:]*::/, '')
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%25/g, '%')
}

/** Sensor names whose shards (of `n`) are exactly `wanted`, in order: a deterministic spread. */
function namesInShards(wanted: number[], n: number, prefix: string): string[] {
  const names: string[] = []
  for (const k of wanted) {
    for (let i = 0; ; i++) {
      const name = `${prefix}${k}x${i}`
      if (shardOf(`sensor-${name}`, n) === k && !names.includes(name)) {
        names.push(name)
        break
      }
    }
  }
  return names
}

async function writeSensors(ws: Workspace, names: string[]): Promise<void> {
  for (const name of names) {
    await ws.write(`sensors/${name}.sh`, jsonSensor({ signal: { name }, detail: { at: name } }))
  }
}

/** Name → bytes of every regular file in a folder. */
async function filesIn(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  for (const name of (await readdir(dir)).sort())
    files.set(name, await readFile(path.join(dir, name)))
  return files
}

const readIndex = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'))

/** Runs shard k/n of the workspace's sensors, uploading `<base>-<k>-of-<n>`. */
function runShard(
  ws: Workspace,
  env: Record<string, string>,
  k: number,
  n: number,
  inputs: Record<string, string> = {},
) {
  return ws.run(
    { shard: `${k}/${n}`, 'snapshots-dir': `shard-${k}`, upload: 'true', ...inputs },
    env,
  )
}

function runMerge(ws: Workspace, env: Record<string, string>, inputs: Record<string, string> = {}) {
  return ws.run({ 'snapshots-dir': 'merged', ...inputs }, env, { bundle: MERGE_BUNDLE })
}

describe.concurrent('the merge sub-action', () => {
  it('merges three shards into the folder, index and world hash of an unsharded run', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    const env = workflowRun()
    // Two sensors in each of the 3 shards, so that every shard has work to upload.
    const names = namesInShards([1, 1, 2, 2, 3, 3], 3, 'm')
    await writeSensors(ws, names)

    const shards = await Promise.all([1, 2, 3].map((k) => runShard(ws, env, k, 3)))
    for (const [i, run] of shards.entries()) {
      expect(run.code, run.stdout + run.stderr).toBe(0)
      const k = i + 1
      // Each shard's artifact carries its k and n, its index records them, and its folder
      // holds its own sensors only, probes in shard 1 alone.
      const zip = readZip(await harness.downloadZip(`snapshots-${k}-of-3`))
      const entryNames = zip.map((e) => e.name).sort()
      const expectedSensors = names
        .filter((name) => shardOf(`sensor-${name}`, 3) === k)
        .map((name) => `sensor-${name}.json`)
      const probes = k === 1 ? ['sys-claims.json', 'sys-runner.json', 'sys-workflow.json'] : []
      expect(entryNames).toEqual(['index.json', ...expectedSensors, ...probes].sort())
      const index = JSON.parse(zip.find((e) => e.name === 'index.json')?.data.toString() ?? '')
      expect(index.shard).toEqual({ k, n: 3 })
      expect(run.outputs.total).toBe('2')
    }

    const whole = await ws.run({ 'snapshots-dir': 'whole', upload: 'false' }, env)
    expect(whole.code).toBe(0)

    const merged = await runMerge(ws, env)
    expect(merged.code, merged.stdout + merged.stderr).toBe(0)
    const mergedDir = path.join(ws.dir, 'merged')
    const wholeDir = path.join(ws.dir, 'whole')

    // The same files, byte for byte, and so the same world hash, by the action and by the oracle.
    const mergedFiles = await filesIn(mergedDir)
    const wholeFiles = await filesIn(wholeDir)
    expect([...mergedFiles.keys()]).toEqual([...wholeFiles.keys()])
    for (const [name, bytes] of mergedFiles) {
      if (name === 'index.json' || name === 'sys-runner.json') continue
      expect(bytes.equals(wholeFiles.get(name) as Buffer), name).toBe(true)
    }
    expect(merged.outputs['world-hash']).toBe(whole.outputs['world-hash'])
    expect(merged.outputs['world-hash']).toBe(await recomputeWorldHash(mergedDir))

    const index = await readIndex(mergedDir)
    const wholeIndex = await readIndex(wholeDir)
    expect(index.world_hash).toBe(merged.outputs['world-hash'])
    expect(index.sensors.map((e: { name: string }) => e.name)).toEqual(
      wholeIndex.sensors.map((e: { name: string }) => e.name),
    )
    expect('shard' in index).toBe(false)
    expect(
      index.merged_from.map((m: { artifact: string; shard: unknown }) => [m.artifact, m.shard]),
    ).toEqual([
      ['snapshots-1-of-3', { k: 1, n: 3 }],
      ['snapshots-2-of-3', { k: 2, n: 3 }],
      ['snapshots-3-of-3', { k: 3, n: 3 }],
    ])

    // The main action's outputs and summary, and one merged artifact named `snapshots`.
    expect(merged.outputs).toMatchObject({
      total: '6',
      ok: '6',
      failed: '0',
      'failed-sensors': '[]',
      'snapshots-dir': mergedDir,
      index: path.join(mergedDir, 'index.json'),
    })
    expect(merged.summary).toContain('6 of 6 sensors ok')
    const artifact = harness.service.artifacts.find(
      (a) => a.name === 'snapshots' && String(a.id) === merged.outputs['artifact-id'],
    )
    expect(artifact?.finalized).toBe(true)
    const zip = readZip(await harness.service.readBlob(artifact?.blobName ?? ''))
    expect(zip.map((e) => e.name).sort()).toEqual([...mergedFiles.keys()])
  })

  it('fails when a sensor of a shard failed, after merging, summarising and uploading', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    const env = workflowRun()
    const [good, bad] = namesInShards([1, 2], 2, 'f') as [string, string]
    await writeSensors(ws, [good])
    await ws.write(`sensors/${bad}.sh`, '#!/usr/bin/env bash\necho "disk unreadable" >&2\nexit 3\n')
    const inputs = { 'artifact-name': 'failing', probes: 'none' }
    const shards = await Promise.all([1, 2].map((k) => runShard(ws, env, k, 2, inputs)))
    expect(shards.map((r) => r.code)).toEqual([0, 1])

    const merged = await runMerge(ws, env, {
      pattern: 'failing-*-of-*',
      'artifact-name': 'failing-merged',
    })
    expect(merged.code).toBe(1)
    expect(lastError(merged)).toBe(`1 of 2 sensors failed: sensor-${bad} (failed)`)
    const mergedDir = path.join(ws.dir, 'merged')
    expect([...(await filesIn(mergedDir)).keys()]).toEqual(
      ['index.json', `sensor-${bad}.err`, `sensor-${bad}.json`, `sensor-${good}.json`].sort(),
    )
    expect(merged.outputs).toMatchObject({
      total: '2',
      failed: '1',
      'failed-sensors': JSON.stringify([`sensor-${bad}`]),
    })
    expect(merged.outputs['artifact-id']).not.toBe('')
    expect(merged.summary).toContain('1 of 2 sensors failed')
    expect(merged.summary).toContain('disk unreadable')
    // The error annotation points at the script, as the shard's own did.
    expect(commands(merged.stdout, 'error')).toContainEqual(
      `::error title=sensor-${bad}%3A failed,file=sensors/${bad}.sh::disk unreadable`,
    )

    const lenient = await runMerge(ws, env, {
      pattern: 'failing-*-of-*',
      'artifact-name': 'failing-merged-2',
      'snapshots-dir': 'merged-2',
      'fail-on-error': 'false',
    })
    expect(lenient.code).toBe(0)
  })

  it("reports a shard's warning as a warning, and fails on it only with fail-on-warning", async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    const env = workflowRun()
    const [good, plugin] = namesInShards([1, 2], 2, 'w') as [string, string]
    await writeSensors(ws, [good])
    await ws.write(
      `sensors/${plugin}.sh`,
      '#!/usr/bin/env bash\n# looop:format=nagios\necho "DISK WARNING - 85% used|used=85%;80;90"\nexit 1\n',
    )
    const inputs = { 'artifact-name': 'warned', probes: 'none' }
    const shards = await Promise.all([1, 2].map((k) => runShard(ws, env, k, 2, inputs)))
    expect(shards.map((r) => r.code)).toEqual([0, 0])

    const pattern = 'warned-*-of-*'
    const merged = await runMerge(ws, env, { pattern, 'artifact-name': 'warned-all' })
    expect(merged.code, merged.stdout).toBe(0)
    expect(merged.outputs).toMatchObject({
      total: '2',
      ok: '1',
      failed: '0',
      warning: '1',
      'warning-sensors': JSON.stringify([`sensor-${plugin}`]),
    })
    // The annotation the shard's own run gave: the plugin's output, at the script.
    expect(commands(merged.stdout, 'warning')).toEqual([
      `::warning title=sensor-${plugin}%3A warning,file=sensors/${plugin}.sh::DISK WARNING - 85%25 used`,
    ])

    const strict = await runMerge(ws, env, {
      pattern,
      'artifact-name': 'warned-all-strict',
      'snapshots-dir': 'merged-strict',
      'fail-on-warning': 'true',
    })
    expect(strict.code).toBe(1)
    expect(lastError(strict)).toBe(
      `1 of 2 sensors ended warning, and \`fail-on-warning\` is true: sensor-${plugin} (warning)`,
    )
  })

  it('detects changes, streaks and history on the merged world, beat after beat', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    const [steady, moving] = namesInShards([1, 2], 2, 'p') as [string, string]
    await writeSensors(ws, [steady])
    /** One beat: a new workflow run, two shards, then the merge into `memory`, its own previous. */
    const beat = async (signal: string) => {
      await ws.write(`sensors/${moving}.sh`, jsonSensor({ signal }))
      const env = workflowRun()
      const inputs = { 'artifact-name': 'beat', probes: 'none' }
      await Promise.all([1, 2].map((k) => runShard(ws, env, k, 2, inputs)))
      return runMerge(ws, env, {
        pattern: 'beat-*-of-*',
        'artifact-name': 'beat-merged',
        'snapshots-dir': 'memory',
        previous: 'memory',
      })
    }
    const readMemory = () => readIndex(path.join(ws.dir, 'memory'))

    const first = await beat('one')
    expect(first.code, first.stdout).toBe(0)
    // Nothing before: every snapshot appeared.
    expect(first.outputs).toMatchObject({ changed: 'true' })
    expect(JSON.parse(first.outputs['changed-sensors'] ?? '')).toEqual(
      [`sensor-${moving}`, `sensor-${steady}`].sort(),
    )

    const second = await beat('two')
    expect(second.code).toBe(0)
    expect(second.outputs).toMatchObject({
      changed: 'true',
      'changed-sensors': JSON.stringify([`sensor-${moving}`]),
    })
    expect(JSON.parse(second.outputs.changes ?? '')).toEqual([
      { name: `sensor-${moving}`, before: '"one"', after: '"two"' },
    ])
    const index = await readMemory()
    expect(index.previous).toMatchObject({ source: 'path' })
    expect(index.history).toHaveLength(2)
    expect(index.history.at(-1).world_hash).toBe(second.outputs['world-hash'])
    const streaks = Object.fromEntries(
      index.sensors.map((e: { name: string; streak: number }) => [e.name, e.streak]),
    )
    expect(streaks).toEqual({ [`sensor-${moving}`]: 2, [`sensor-${steady}`]: 0 })
    expect(second.summary).toContain('Changed since `previous`')

    const third = await beat('two')
    expect(third.outputs).toMatchObject({ changed: 'false', 'changed-sensors': '[]' })
    expect((await readMemory()).history).toHaveLength(3)
  })

  it('fails naming a missing shard, and still merges and reports the others', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    const env = workflowRun()
    const names = namesInShards([1, 2, 3], 3, 'g')
    await writeSensors(ws, names)
    const inputs = { 'artifact-name': 'gappy', probes: 'none' }
    // Shard 2 never uploads: its job failed or was skipped.
    const shards = await Promise.all([1, 3].map((k) => runShard(ws, env, k, 3, inputs)))
    expect(shards.map((r) => r.code)).toEqual([0, 0])

    const merged = await runMerge(ws, env, { pattern: 'gappy-*', 'artifact-name': 'gappy-all' })
    expect(merged.code).toBe(1)
    expect(lastError(merged)).toContain(
      'Shard 2 of 3 is missing: no artifact "gappy-2-of-3" in this run.',
    )
    const mergedDir = path.join(ws.dir, 'merged')
    expect([...(await filesIn(mergedDir)).keys()]).toEqual(
      ['index.json', `sensor-${names[0]}.json`, `sensor-${names[2]}.json`].sort(),
    )
    expect(merged.outputs).toMatchObject({ total: '2', ok: '2' })
    expect(merged.outputs['world-hash']).toBe(await recomputeWorldHash(mergedDir))
    // The summary does not pass for complete: the missing shard heads it.
    expect(merged.summary).toContain('### ❌ looop sense: 2 of 2 sensors ok')
    expect(merged.summary).toContain('> ❌ Shard 2 of 3 is missing: no artifact "gappy-2-of-3"')
  })

  it('fails when the shards disagree on n', async ({ expect }) => {
    const ws = await freshWorkspace()
    const env = workflowRun()
    await writeSensors(ws, ['a', 'b', 'c'])
    const inputs = { 'artifact-name': 'mixed', probes: 'none' }
    await runShard(ws, env, 1, 2, inputs)
    await runShard(ws, env, 2, 3, inputs)
    const merged = await runMerge(ws, env, { pattern: 'mixed-*', 'artifact-name': 'mixed-all' })
    expect(merged.code).toBe(1)
    const error = lastError(merged)
    expect(error).toContain(
      'The shards of "mixed" disagree on n: mixed-1-of-2 says 2; mixed-2-of-3 says 3.',
    )
    expect(error).toContain('Shard 3 of 3 is missing: no artifact "mixed-3-of-3"')
  })

  it('fails naming a snapshot name two shards produced', async ({ expect }) => {
    // Two matrices in one pattern (say one per OS) whose checkouts both hold sensors/disk.sh.
    const env = workflowRun()
    const linux = await freshWorkspace()
    const macos = await freshWorkspace()
    await writeSensors(linux, ['disk', 'lin'])
    await writeSensors(macos, ['disk', 'mac'])
    const inputs = { probes: 'none', 'snapshots-dir': 'out' }
    expect(
      (
        await linux.run(
          { ...inputs, shard: '1/1', 'artifact-name': 'clash-linux', upload: 'true' },
          env,
        )
      ).code,
    ).toBe(0)
    expect(
      (
        await macos.run(
          { ...inputs, shard: '1/1', 'artifact-name': 'clash-macos', upload: 'true' },
          env,
        )
      ).code,
    ).toBe(0)

    const merged = await runMerge(linux, env, { pattern: 'clash-*', 'artifact-name': 'clash-all' })
    expect(merged.code).toBe(1)
    expect(lastError(merged)).toContain(
      'sensor-disk was produced by two shards, "clash-linux-1-of-1" and "clash-macos-1-of-1": only the first was merged.',
    )
    expect(merged.outputs).toMatchObject({ total: '3', ok: '3' })
    const disk = await readFile(path.join(linux.dir, 'merged/sensor-disk.json'), 'utf8')
    expect(JSON.parse(disk)).toEqual({ signal: { name: 'disk' }, detail: { at: 'disk' } })
  })

  it('fails, saying why, outside a workflow run (no Actions runtime to list artifacts with)', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    const merged = await runMerge(ws, {})
    expect(merged.code).toBe(1)
    expect(lastError(merged)).toBe(
      'cannot list the artifacts of this run: the GitHub Actions runtime is not available (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset). Run this step in a job of the same workflow run as the shards.',
    )
  })

  it('fails, naming the pattern, when no artifact of the run matches it', async ({ expect }) => {
    const ws = await freshWorkspace()
    const merged = await runMerge(ws, workflowRun(), { pattern: 'nothing-*-of-*' })
    expect(merged.code).toBe(1)
    expect(lastError(merged)).toContain(
      'No artifact of this run matches `pattern` "nothing-*-of-*" (this run has no artifact).',
    )
  })
})
