/**
 * `shard: k/n` through the bundle, as a matrix job runs it: every sensor in exactly one shard,
 * a new sensor moves no other, probes in shard 1 only, index.json recording the shard, and a
 * shard that drew no sensor is not a setup without sensors.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { commands, jsonSensor, type Workspace, workspace } from './fixtures/action.js'

let ws: Workspace
beforeAll(async () => {
  ws = await workspace()
})
afterAll(async () => {
  await ws?.cleanup()
})

/** Each shard's snapshot files, by k. */
async function runShards(n: number, tag: string): Promise<Map<number, string[]>> {
  const runs = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      ws.run({ shard: `${i + 1}/${n}`, 'snapshots-dir': `${tag}-${i + 1}`, upload: 'false' }),
    ),
  )
  const files = new Map<number, string[]>()
  for (const [i, run] of runs.entries()) {
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(commands(run.stdout, 'warning')).toEqual([])
    const dir = path.join(ws.dir, `${tag}-${i + 1}`)
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'))
    expect(index.shard).toEqual({ k: i + 1, n })
    files.set(i + 1, (await readdir(dir)).filter((f) => f !== 'index.json').sort())
  }
  return files
}

describe('shard: k/n, through the bundle', () => {
  it('puts each sensor in one shard, probes in shard 1, and a new sensor moves no other', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `s${i}`)
    for (const name of names) await ws.write(`sensors/${name}.sh`, jsonSensor({ signal: name }))

    const before = await runShards(3, 'before')
    const sensorsOf = (files: string[]) => files.filter((f) => f.startsWith('sensor-'))
    const all = [...before.values()].flatMap(sensorsOf).sort()
    expect(all).toEqual(names.map((n) => `sensor-${n}.json`).sort())
    expect(before.get(1)?.filter((f) => f.startsWith('sys-'))).toEqual([
      'sys-claims.json',
      'sys-runner.json',
      'sys-workflow.json',
    ])
    for (const k of [2, 3]) expect(before.get(k)?.some((f) => f.startsWith('sys-'))).toBe(false)

    await ws.write('sensors/newcomer.sh', jsonSensor({ signal: 'new' }))
    const after = await runShards(3, 'after')
    for (const k of [1, 2, 3]) {
      const added = sensorsOf(after.get(k) ?? []).filter(
        (f) => !sensorsOf(before.get(k) ?? []).includes(f),
      )
      // The shard either gained the newcomer or nothing; it lost nothing.
      expect(added.filter((f) => f !== 'sensor-newcomer.json')).toEqual([])
      expect(sensorsOf(after.get(k) ?? [])).toEqual(
        expect.arrayContaining(sensorsOf(before.get(k) ?? [])),
      )
    }
    expect([...after.values()].flat().filter((f) => f === 'sensor-newcomer.json')).toHaveLength(1)
  })

  it('a shard with none of the sensors says nothing of missing sensors and still writes its index', async () => {
    const lone = await workspace()
    try {
      await lone.write('sensors/only.sh', jsonSensor({ signal: 1 }))
      const runs = await Promise.all(
        [1, 2, 3, 4, 5].map((k) =>
          lone.run({ shard: `${k}/5`, 'snapshots-dir': `out-${k}`, probes: 'none' }),
        ),
      )
      const totals = runs.map((r) => r.outputs.total)
      expect(totals.filter((t) => t === '1')).toHaveLength(1)
      expect(totals.filter((t) => t === '0')).toHaveLength(4)
      for (const run of runs) {
        expect(run.code).toBe(0)
        expect(commands(run.stdout, 'warning')).toEqual([])
      }
      const empty = runs.findIndex((r) => r.outputs.total === '0') + 1
      expect(await readdir(path.join(lone.dir, `out-${empty}`))).toEqual(['index.json'])
    } finally {
      await lone.cleanup()
    }
  })

  it("prunes another shard's files from a reused folder, and keeps a foreign file", async () => {
    const dir = path.join(ws.dir, 'reused')
    await ws.write('reused/notes.txt', 'mine\n', 0o644)
    expect((await ws.run({ 'snapshots-dir': 'reused', upload: 'false' })).code).toBe(0)
    const whole = await readdir(dir)
    const run = await ws.run({ shard: '2/3', 'snapshots-dir': 'reused', upload: 'false' })
    expect(run.code).toBe(0)
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'))
    const expected = index.sensors.map((e: { name: string }) => `${e.name}.json`)
    expect((await readdir(dir)).sort()).toEqual(['index.json', 'notes.txt', ...expected].sort())
    expect(whole.length).toBeGreaterThan(expected.length + 2)
  })
})
