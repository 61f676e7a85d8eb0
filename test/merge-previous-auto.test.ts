/**
 * The merge sub-action with `previous: auto`, end to end: in each workflow run of the REST
 * stand-in, two shard runs of `node dist/index.js` upload through the results service into
 * Azurite, then `node merge/dist/index.js` merges them and finds the previous beat through the
 * REST API. The previous beat is the earlier run's MERGED artifact (`artifact-name`), never one
 * of its shard artifacts, which the same run uploaded under other names.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { shardOf } from '../src/sense/shard.js'
import { type ActionRun, commands, jsonSensor, ROOT, workspace } from './fixtures/action.js'
import {
  type RestStandIn,
  startUploadHarness,
  type UploadHarness,
} from './fixtures/results-service.js'

const MERGE_BUNDLE = path.join(ROOT, 'merge/dist/index.js')
const WORKFLOW = 'sharded.yml'

let harness: UploadHarness
let rest: RestStandIn

beforeAll(async () => {
  harness = await startUploadHarness()
  rest = harness.service.rest
}, 120_000)
afterAll(async () => {
  await harness?.stop()
})

/**
 * stderr of a run, less Node's DEP0005 notice: @actions/artifact's unzip dependency calls
 * `Buffer()` while a download runs, and Node says so once per process.
 */
const stderrOf = (run: ActionRun) =>
  run.stderr
    .split('\n')
    .filter((l) => l !== '' && !/DEP0005|--trace-deprecation/.test(l))
    .join('\n')

/** One name per wanted shard (of `n`), so that every shard has a sensor to upload. */
function namesInShards(wanted: number[], n: number, prefix: string): string[] {
  return wanted.map((k) => {
    for (let i = 0; ; i++) {
      const name = `${prefix}${k}x${i}`
      if (shardOf(`sensor-${name}`, n) === k) return name
    }
  })
}

describe('the merge sub-action with previous: auto', () => {
  it("compares the merged world with the earlier run's merged artifact, not a shard's", async () => {
    const ws = await workspace()
    try {
      const token = rest.newToken()
      const [steady, moving] = namesInShards([1, 2], 2, 'a') as [string, string]
      await ws.write(`sensors/${steady}.sh`, jsonSensor({ signal: 'still' }))

      /** One beat: a new run on main, shards 1/2 and 2/2 uploaded, then the merge. */
      const beat = async (signal: string) => {
        await ws.write(`sensors/${moving}.sh`, jsonSensor({ signal }))
        const record = rest.addRun({ workflow: WORKFLOW, branch: 'main', status: 'in_progress' })
        const shards = await Promise.all(
          [1, 2].map((k) =>
            ws.run(
              { shard: `${k}/2`, 'snapshots-dir': `shard-${k}`, upload: 'true', probes: 'none' },
              rest.runEnv(record.id),
            ),
          ),
        )
        const callsFrom = rest.calls.length
        const merge = await ws.run(
          { 'snapshots-dir': 'merged', previous: 'auto', 'github-token': token },
          rest.runEnv(record.id),
          { bundle: MERGE_BUNDLE },
        )
        rest.complete(record.id)
        const index = JSON.parse(await readFile(path.join(ws.dir, 'merged/index.json'), 'utf8'))
        return { runId: record.id, shards, merge, index, calls: rest.calls.slice(callsFrom) }
      }

      // Beat 1, run A: nothing earlier, so a notice and every snapshot changed.
      const a = await beat('one')
      expect(a.shards.map((r) => r.code)).toEqual([0, 0])
      expect(stderrOf(a.merge)).toBe('')
      expect(a.merge.code, a.merge.stdout).toBe(0)
      expect(commands(a.merge.stdout, 'warning')).toEqual([])
      expect(commands(a.merge.stdout, 'notice')).toEqual([
        expect.stringMatching(/^::notice::previous: auto found no .*This looks like a first run/),
      ])
      expect(a.merge.outputs).toMatchObject({ total: '2', changed: 'true' })
      expect(JSON.parse(a.merge.outputs['changed-sensors'] ?? '')).toEqual(
        [`sensor-${moving}`, `sensor-${steady}`].sort(),
      )
      expect(a.index.previous).toBeNull()
      const mergedA = harness.service.artifacts.find(
        (x) => x.name === 'snapshots' && String(x.id) === a.merge.outputs['artifact-id'],
      )
      expect(mergedA?.finalized).toBe(true)
      // Run A holds the shard artifacts too: the decoys beat 2 must pass over.
      const backendOfA = rest.runs.find((r) => r.id === a.runId)?.attempts[0]?.backendId
      expect(
        harness.service.artifacts
          .filter((x) => x.runBackendId === backendOfA)
          .map((x) => x.name)
          .sort(),
      ).toEqual(['snapshots', 'snapshots-1-of-2', 'snapshots-2-of-2'])
      expect(a.calls.length).toBeGreaterThan(0)
      expect(a.calls.every((c) => c.token === token)).toBe(true)

      // Beat 2, run B of the same workflow and branch: one signal changed.
      const b = await beat('two')
      expect(b.shards.map((r) => r.code)).toEqual([0, 0])
      expect(stderrOf(b.merge)).toBe('')
      expect(b.merge.code, b.merge.stdout).toBe(0)
      expect(commands(b.merge.stdout, 'warning')).toEqual([])
      expect(commands(b.merge.stdout, 'notice')).toEqual([])
      expect(b.merge.outputs).toMatchObject({
        changed: 'true',
        'changed-sensors': JSON.stringify([`sensor-${moving}`]),
      })
      expect(JSON.parse(b.merge.outputs.changes ?? '')).toEqual([
        { name: `sensor-${moving}`, before: '"one"', after: '"two"' },
      ])
      expect(b.index.previous).toEqual({
        source: 'auto',
        run_id: a.runId,
        artifact_id: Number(a.merge.outputs['artifact-id']),
        sensed_at: expect.any(String),
      })
      expect(b.index.history.map((h: { run_id: number }) => h.run_id)).toEqual([a.runId, b.runId])
      expect(b.calls.every((c) => c.token === token)).toBe(true)
      // The download was run A's merged artifact, by id.
      const zips = b.calls.filter((c) => c.path.endsWith('/zip')).map((c) => c.path)
      expect(zips).toEqual([
        expect.stringMatching(`/actions/artifacts/${a.merge.outputs['artifact-id']}/zip$`),
      ])

      // Beat 3, run C: nothing changed since run B's merged artifact.
      const c = await beat('two')
      expect(c.merge.code, c.merge.stdout).toBe(0)
      expect(c.merge.outputs).toMatchObject({ changed: 'false', 'changed-sensors': '[]' })
      expect(c.index.previous).toMatchObject({ source: 'auto', run_id: b.runId })
      expect(c.index.history.map((h: { run_id: number }) => h.run_id)).toEqual([
        a.runId,
        b.runId,
        c.runId,
      ])
    } finally {
      await ws.cleanup()
    }
  }, 180_000)
})
