/**
 * combineShards on shard folders written by hand: what a hostile or broken artifact can and
 * cannot make the merge do. Real files in temporary folders; the end-to-end merge is
 * merge.test.ts.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { combineShards, type DownloadedShard } from '../src/merge/combine.js'
import { WarningCode } from '../src/sense/types.js'
import { recomputeWorldHash } from './fixtures/oracle.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'looop-combine-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const row = (name: string, status = 'ok') => ({
  name,
  kind: name.startsWith('sys-') ? 'probe' : 'sensor',
  status,
  duration_ms: 5,
  sensed_at: '2026-01-01T00:00:00.000Z',
  signal_sha256: '',
  streak: 0,
  attempts: 1,
})

/** A shard folder: index.json with `rows` and `shard`, and the given files. */
async function shard(
  name: string,
  k: number,
  n: number,
  rows: object[],
  files: Record<string, string>,
  shardField: object | null = { k, n },
): Promise<DownloadedShard> {
  const folder = path.join(dir, name)
  await mkdir(folder, { recursive: true })
  const index = {
    version: 1,
    started_at: '2026-01-01T00:00:00.000Z',
    shard: shardField ?? undefined,
    sensors: rows,
  }
  await writeFile(path.join(folder, 'index.json'), JSON.stringify(index))
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(folder, file), text)
  return { artifact: { id: k, name, k, n }, dir: folder }
}

const out = () => path.join(dir, 'merged')

describe('combineShards', () => {
  it('never lets an index row name a path outside the merged folder', async () => {
    const a = await shard(
      's-1-of-1',
      1,
      1,
      [row('sensor-ok'), row('../../evil'), row('sensor-x/../../y'), row('sensor-odd', 'weird')],
      {
        'sensor-ok.json': '{"signal":1}\n',
        'sensor-odd.json': '{"signal":2}\n',
      },
    )
    const { result, problems } = await combineShards([a], {
      snapshotsDir: out(),
      workspace: dir,
      env: {},
    })
    expect(result.entries.map((e) => e.name)).toEqual(['sensor-ok'])
    expect(problems).toHaveLength(3)
    for (const p of problems) expect(p).toContain('is not a snapshot of this version')
    expect((await readdir(out())).sort()).toEqual(['index.json', 'sensor-ok.json'])
    expect(existsSync(path.join(dir, 'evil.json'))).toBe(false)
  })

  it('reports an artifact whose index is not of the shard its name says', async () => {
    const a = await shard(
      's-1-of-2',
      1,
      2,
      [row('sensor-a')],
      { 'sensor-a.json': '{"signal":"a"}' },
      { k: 2, n: 2 },
    )
    const b = await shard(
      's-2-of-2',
      2,
      2,
      [row('sensor-b')],
      { 'sensor-b.json': '{"signal":"b"}' },
      null,
    )
    const { problems, result } = await combineShards([a, b], {
      snapshotsDir: out(),
      workspace: dir,
      env: {},
    })
    expect(problems).toEqual([
      'The artifact "s-1-of-2" holds the index of shard 2 of 2, not of shard 1 of 2: was it uploaded under another job\'s name?',
      'The artifact "s-2-of-2" holds the index of an unsharded run, not of shard 2 of 2: was it uploaded under another job\'s name?',
    ])
    // Merged all the same: the evidence is kept.
    expect(result.entries.map((e) => e.name)).toEqual(['sensor-a', 'sensor-b'])
  })

  it('reports an artifact without a usable index, and merges the others', async () => {
    const a = await shard('s-1-of-2', 1, 2, [row('sensor-a')], {
      'sensor-a.json': '{"signal":"a"}',
    })
    const broken = path.join(dir, 'broken')
    await mkdir(broken)
    await writeFile(path.join(broken, 'index.json'), '{"sensors": 3}')
    const b: DownloadedShard = { artifact: { id: 2, name: 's-2-of-2', k: 2, n: 2 }, dir: broken }
    const { problems, result } = await combineShards([a, b], {
      snapshotsDir: out(),
      workspace: dir,
      env: {},
    })
    expect(problems).toEqual([
      'The artifact "s-2-of-2" has no usable index.json (not an index.json of looop sense: no `sensors` list): its sensors are not in the merge.',
    ])
    expect(result.worldHash).toBe(await recomputeWorldHash(out()))
  })

  it('warns of a listed snapshot missing from its artifact, and hashes what is there', async () => {
    const a = await shard('s-1-of-1', 1, 1, [row('sensor-a'), row('sensor-gone')], {
      'sensor-a.json': '{"signal":"a"}',
    })
    const { result, problems } = await combineShards([a], {
      snapshotsDir: out(),
      workspace: dir,
      env: {},
    })
    expect(problems).toEqual([])
    expect(result.warnings.map((w) => [w.code, w.title])).toEqual([
      [WarningCode.PublishFailed, 'sensor-gone: snapshot missing from its shard'],
    ])
    expect(result.worldHash).toBe(await recomputeWorldHash(out()))
  })

  it("prunes the owned files of an earlier merge, keeps foreign files, and keeps each shard's rows as written", async () => {
    await mkdir(out(), { recursive: true })
    await writeFile(path.join(out(), 'sensor-old.json'), '{"signal":"old"}')
    await writeFile(path.join(out(), 'sensor-old.err'), 'old stderr')
    await writeFile(path.join(out(), 'README.txt'), 'mine')
    const failing = { ...row('sensor-bad', 'failed'), exit_code: 3, future_field: [1, 2] }
    const a = await shard('s-1-of-1', 1, 1, [failing], {
      'sensor-bad.json':
        '{"signal":{"error":"failed","exit_code":3},"detail":{"message":"exited with code 3"}}',
      'sensor-bad.err': 'disk unreadable\n',
    })
    const { result } = await combineShards([a], { snapshotsDir: out(), workspace: dir, env: {} })
    expect((await readdir(out())).sort()).toEqual([
      'README.txt',
      'index.json',
      'sensor-bad.err',
      'sensor-bad.json',
    ])
    const index = JSON.parse(await readFile(path.join(out(), 'index.json'), 'utf8'))
    expect(index.sensors).toEqual([failing])
    expect(index.merged_from).toEqual([
      { artifact: 's-1-of-1', artifact_id: 1, shard: { k: 1, n: 1 } },
    ])
    const [entry] = result.entries
    expect(entry).toMatchObject({
      status: 'failed',
      exitCode: 3,
      message: 'exited with code 3',
      stderrTail: 'disk unreadable\n',
    })
  })
})
