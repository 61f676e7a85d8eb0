/**
 * The partition behind `shard: k/n`, as pure functions and through the engine: every sensor in
 * exactly one shard, a new sensor moves no other, probes in shard 1 only, other shards' files
 * pruned, and index.json recording the shard.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sense } from '../src/sense/sense.js'
import {
  inShard,
  parseShardArtifactName,
  runsProbes,
  shardArtifactName,
  shardOf,
} from '../src/sense/shard.js'
import { writeSensor } from './fixtures/sensors.js'

const names = (count: number, prefix = 'sensor-s') =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`)

describe('shardOf', () => {
  it('puts every name in exactly one shard of 1..n', () => {
    for (const n of [1, 2, 3, 7, 16]) {
      for (const name of names(300)) {
        const k = shardOf(name, n)
        expect(Number.isInteger(k) && k >= 1 && k <= n, `${name} in ${k} of ${n}`).toBe(true)
        const owners = Array.from({ length: n }, (_, i) => i + 1).filter((index) =>
          inShard(name, { index, count: n }),
        )
        expect(owners).toEqual([k])
      }
    }
  })

  it('moves no sensor when another is added or removed', () => {
    const before = names(200)
    const after = [...before.slice(1), 'sensor-new', 'sensor-another']
    for (const n of [2, 3, 5]) {
      const assign = (list: string[]) => new Map(list.map((name) => [name, shardOf(name, n)]))
      const a = assign(before)
      const b = assign(after)
      for (const name of before.slice(1)) expect(b.get(name), name).toBe(a.get(name))
    }
  })

  it('follows the documented rule: the first 48 bits of sha256(name), mod n, plus 1', () => {
    // The rule written out independently (hex digits, not Buffer reads), and a few values pinned:
    // every job of a matrix, on any OS and version, must compute the same partition.
    const oracle = (name: string, n: number) =>
      (Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 12), 16) % n) + 1
    for (const name of names(100)) {
      for (const n of [2, 3, 10]) expect(shardOf(name, n)).toBe(oracle(name, n))
    }
    expect(['sensor-disk', 'sensor-net.ping', 'sensor-s0'].map((x) => shardOf(x, 3))).toEqual([
      2, 1, 3,
    ])
  })

  it('spreads names over all shards', () => {
    const counts = new Map<number, number>()
    for (const name of names(1000)) {
      const k = shardOf(name, 4)
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4])
    // 1000 names over 4 shards: binomial, sd ≈ 14; 150 is more than 7 sd from 250.
    for (const count of counts.values()) expect(count).toBeGreaterThan(150)
  })

  it('rejects a shard count below 1', () => {
    expect(() => shardOf('sensor-a', 0)).toThrow(/shard count must be ≥ 1, got 0/)
  })

  it('runs probes in shard 1 only, and everywhere without a shard', () => {
    expect(runsProbes(undefined)).toBe(true)
    expect(runsProbes({ index: 1, count: 3 })).toBe(true)
    expect(runsProbes({ index: 2, count: 3 })).toBe(false)
    expect(runsProbes({ index: 3, count: 3 })).toBe(false)
  })
})

describe('shard artifact names', () => {
  it('round-trips <base>-<k>-of-<n>', () => {
    const name = shardArtifactName('snapshots-ubuntu-latest', { index: 2, count: 12 })
    expect(name).toBe('snapshots-ubuntu-latest-2-of-12')
    expect(parseShardArtifactName(name)).toEqual({ base: 'snapshots-ubuntu-latest', k: 2, n: 12 })
  })

  it('parses only the exact suffix', () => {
    for (const bad of [
      'snapshots',
      'snapshots-1-of-',
      'snapshots-x-of-3',
      'snapshots-0-of-3',
      's-1-of-03',
      's-1-0f-3',
    ]) {
      expect(parseShardArtifactName(bad), bad).toBeUndefined()
    }
  })
})

describe('sense() with a shard', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'looop-shard-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function sensors(list: string[]): Promise<void> {
    for (const name of list) {
      await writeSensor(path.join(dir, 'sensors', `${name}.sh`), `echo '{"signal":"${name}"}'\n`, {
        shebang: true,
      })
    }
  }

  const run = (snapshotsDir: string, index: number, count: number) =>
    sense({
      patterns: ['sensors/*.sh'],
      workingDirectory: dir,
      snapshotsDir,
      timeoutMs: 10_000,
      maxBytes: 8192,
      concurrency: 8,
      probes: ['runner', 'claims'],
      env: { PATH: process.env.PATH },
      shard: { index, count },
    })

  it('runs each sensor in one shard, probes in shard 1, and records the shard', async () => {
    const bare = names(9, 'c')
    await sensors(bare)
    const seen: string[] = []
    for (const k of [1, 2, 3]) {
      const out = path.join(dir, `out-${k}`)
      const result = await run(out, k, 3)
      const sensorNames = result.entries.filter((e) => e.kind === 'sensor').map((e) => e.name)
      for (const name of sensorNames) expect(shardOf(name, 3)).toBe(k)
      seen.push(...sensorNames)
      expect(result.entries.filter((e) => e.kind === 'probe').map((e) => e.name)).toEqual(
        k === 1 ? ['sys-claims', 'sys-runner'] : [],
      )
      expect(result.shard).toEqual({ index: k, count: 3, discovered: 9 })
      const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8'))
      expect(index.shard).toEqual({ k, n: 3 })
      expect(index.sensors.map((e: { name: string }) => e.name)).toEqual(
        result.entries.map((e) => e.name),
      )
      const files = (await readdir(out)).filter((f) => f !== 'index.json').sort()
      expect(files).toEqual(result.entries.map((e) => `${e.name}.json`).sort())
    }
    expect(seen.sort()).toEqual(bare.map((b) => `sensor-${b}`).sort())
  })

  it("prunes other shards' snapshots and probes from the folder, never a foreign file", async () => {
    await sensors(names(6, 'p'))
    const out = path.join(dir, 'out')
    await run(out, 1, 1)
    await writeFile(path.join(out, 'notes.txt'), 'mine\n')
    const all = (await readdir(out)).sort()
    expect(all).toContain('sys-runner.json')

    const result = await run(out, 2, 2)
    const expected = result.entries.map((e) => `${e.name}.json`)
    expect((await readdir(out)).sort()).toEqual(['index.json', 'notes.txt', ...expected].sort())
    expect(expected.length).toBeLessThan(6)
  })

  it('has no shard in index.json without one', async () => {
    await sensors(['only'])
    const out = path.join(dir, 'out')
    const result = await sense({
      patterns: ['sensors/*.sh'],
      workingDirectory: dir,
      snapshotsDir: out,
      timeoutMs: 10_000,
      maxBytes: 8192,
      concurrency: 8,
      probes: [],
      env: { PATH: process.env.PATH },
    })
    expect(result.shard).toBeUndefined()
    const index = JSON.parse(await readFile(path.join(out, 'index.json'), 'utf8'))
    expect('shard' in index).toBe(false)
  })
})
