/**
 * Reading a previous folder (src/sense/previous.ts) on real files: whatever the folder holds,
 * loadPrevious returns, reads a bounded amount, and turns what it cannot use into warnings.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { INDEX_MAX_BYTES, loadPrevious, reusableSnapshot } from '../src/sense/previous.js'
import { WarningCode } from '../src/sense/types.js'
import { canonical } from './fixtures/oracle.js'

const roots: string[] = []
let dir: string

beforeEach(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'looop-previous-'))
  roots.push(root)
  dir = path.join(root, 'prev')
  await mkdir(dir)
})
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true })
})

const SHA = 'ab'.repeat(32)
const T0 = '2026-01-01T00:00:00.000Z'
const load = () => loadPrevious({ dir, source: 'path' })

function index(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    started_at: T0,
    sensors: [
      { name: 'sensor-a', status: 'ok', sensed_at: T0, script_sha256: SHA, streak: 2 },
      { name: 'sys-runner', status: 'ok', sensed_at: T0, streak: 0 },
    ],
    history: [{ sensed_at: T0, run_id: 7, world_hash: 'h', statuses: { 'sensor-a': 'ok' } }],
    ...over,
  })
}

describe('loadPrevious', () => {
  it('reads index rows, history and every snapshot signal (canonical, detail ignored)', async () => {
    await writeFile(path.join(dir, 'index.json'), index())
    await writeFile(path.join(dir, 'sensor-a.json'), '{"detail":9,"signal":{"b":1,"a":[2]}}')
    await writeFile(path.join(dir, 'sys-runner.json'), '[1, 2]')
    await writeFile(path.join(dir, 'sensor-a.err'), 'not a snapshot')
    await writeFile(path.join(dir, 'notes.txt'), 'not ours')
    const prev = await load()
    expect(prev.warnings).toEqual([])
    expect(prev.empty).toBe(false)
    expect(prev.notice).toBeUndefined()
    expect([...prev.snapshots.keys()].sort()).toEqual(['sensor-a', 'sys-runner'])
    expect(prev.snapshots.get('sensor-a')?.text()).toBe(canonical({ a: [2], b: 1 }))
    expect(prev.snapshots.get('sensor-a')?.path).toBe(path.join(dir, 'sensor-a.json'))
    expect(prev.entries.get('sensor-a')).toEqual({
      status: 'ok',
      sensedAt: T0,
      scriptSha256: SHA,
      streak: 2,
    })
    expect(prev.streaks.get('sensor-a')).toBe(2)
    expect(prev.history).toEqual([
      { sensed_at: T0, run_id: 7, world_hash: 'h', statuses: { 'sensor-a': 'ok' } },
    ])
    expect(prev.sensedAt).toBe(T0)
  })

  it('a missing folder is a notice, not a warning; so is a folder with no snapshot', async () => {
    const missing = await loadPrevious({ dir: path.join(dir, 'nope'), source: 'path' })
    expect(missing).toMatchObject({ empty: true, warnings: [] })
    expect(missing.notice).toMatch(/does not exist: there is nothing to compare with/)
    const empty = await load()
    expect(empty).toMatchObject({ empty: true, warnings: [] })
    expect(empty.notice).toMatch(/holds no snapshots/)
    expect(await loadPrevious({ source: 'auto' })).toMatchObject({ empty: true, warnings: [] })
  })

  it('a file instead of a folder is a warning', async () => {
    const file = path.join(dir, 'index.json')
    await writeFile(file, index())
    const prev = await loadPrevious({ dir: file, source: 'path' })
    expect(prev.empty).toBe(true)
    expect(prev.warnings.map((w) => w.title)).toEqual(['previous: not a folder'])
  })

  it.each([
    ['not JSON', '{"version":1,', /is not JSON/],
    ['foreign JSON', '{"hello":"world"}', /not a looop index/],
    ['another version', index({ version: 2 }), /not a looop index/],
    ['nested a million deep', `${'['.repeat(1e6)}${']'.repeat(1e6)}`, /not a looop index/],
  ])('index.json %s: one warning, the snapshots are still compared', async (_, text, why) => {
    await writeFile(path.join(dir, 'index.json'), text)
    await writeFile(path.join(dir, 'sensor-a.json'), '{"signal":1}')
    const prev = await load()
    expect(prev.warnings).toHaveLength(1)
    expect(prev.warnings[0]).toMatchObject({
      code: WarningCode.PreviousProblem,
      title: 'previous: index.json unreadable',
    })
    expect(prev.warnings[0]?.message).toMatch(why)
    expect(prev.entries.size).toBe(0)
    expect(prev.snapshots.has('sensor-a')).toBe(true)
  })

  it('an index.json over its bound is not read (a sparse file: no byte of it is loaded)', async () => {
    const file = path.join(dir, 'index.json')
    await writeFile(file, '')
    await truncate(file, INDEX_MAX_BYTES + 1)
    const prev = await load()
    expect(prev.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining(`larger than ${INDEX_MAX_BYTES} bytes`),
    ])
  })

  it('drops malformed rows and history entries, counted in one warning', async () => {
    await writeFile(
      path.join(dir, 'index.json'),
      index({
        sensors: [
          { name: 'sensor-a', status: 'ok', streak: -1, script_sha256: 'nothex' },
          'junk',
          { status: 'ok' },
        ],
        history: [
          { sensed_at: 'yesterday', run_id: 1, world_hash: 'h', statuses: {} },
          { sensed_at: T0, run_id: '1', world_hash: 'h', statuses: {} },
          { sensed_at: T0, run_id: null, world_hash: 'h', statuses: { a: 1 } },
          { sensed_at: T0, run_id: null, world_hash: 'h', statuses: { 'sensor-a': 'failed' } },
        ],
      }),
    )
    const prev = await load()
    expect(prev.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/2 malformed sensor row\(s\) and 3 malformed history entries ignored/),
    ])
    expect(prev.entries.get('sensor-a')).toEqual({ status: 'ok', streak: 0 })
    expect(prev.history).toHaveLength(1)
  })

  it('never follows a symlink, never blocks on a FIFO; non-JSON snapshots count as absent, deep ones not', async () => {
    const outside = path.join(dir, '..', 'outside.json')
    await writeFile(outside, '{"signal":"secret"}')
    await symlink(outside, path.join(dir, 'sensor-link.json'))
    await symlink('/dev/zero', path.join(dir, 'sensor-zero.json'))
    await symlink(path.join(dir, 'nowhere'), path.join(dir, 'sensor-dangling.json'))
    execFileSync('mkfifo', [path.join(dir, 'sensor-fifo.json')])
    await mkdir(path.join(dir, 'sensor-dir.json'))
    await writeFile(path.join(dir, 'sensor-text.json'), 'plain text')
    await writeFile(path.join(dir, 'sensor-deep.json'), `${'['.repeat(1e6)}${']'.repeat(1e6)}`)
    await writeFile(path.join(dir, 'sensor-good.json'), '{"signal":true}')
    const prev = await load()
    // Nesting deeper than the call stack is still JSON, and its signal is still a signal.
    expect([...prev.snapshots.keys()].sort()).toEqual(['sensor-deep', 'sensor-good'])
    expect(prev.warnings).toHaveLength(1)
    const { title, message } = prev.warnings[0] ?? {}
    expect(title).toBe('previous: 6 snapshots are unreadable')
    expect(message).toContain('sensor-dangling.json (a symlink, which is never followed)')
    expect(message).toContain('sensor-text.json (not JSON)')
    expect(message).toContain('sensor-dir.json (')
    expect(message).toContain('sensor-fifo.json (not a regular file)')
    expect(message).toContain('and 1 more')
    expect(message).not.toContain('secret')
  })
})

describe('reusableSnapshot', () => {
  const now = Date.parse(T0) + 30_000
  async function prepared(row: Record<string, unknown> = {}) {
    await writeFile(
      path.join(dir, 'index.json'),
      index({
        sensors: [
          { name: 'sensor-a', status: 'ok', sensed_at: T0, script_sha256: SHA, streak: 0, ...row },
        ],
      }),
    )
    await writeFile(path.join(dir, 'sensor-a.json'), '{"signal":1}')
    return load()
  }

  it('reuses an ok snapshot younger than the interval, taken by the same script', async () => {
    const prev = await prepared()
    expect(await reusableSnapshot(prev, 'sensor-a', SHA, 60, now)).toEqual({
      bytes: Buffer.from('{"signal":1}'),
      sensedAt: T0,
    })
    expect(
      await reusableSnapshot(await prepared({ status: 'fresh' }), 'sensor-a', SHA, 60, now),
    ).toBeDefined()
  })

  it.each([
    ['the interval has passed', {}, SHA, 30],
    ['another script', {}, 'cd'.repeat(32), 60],
    ['a failed beat', { status: 'failed' }, SHA, 60],
    ['a time in the future', { sensed_at: '2026-01-02T00:00:00.000Z' }, SHA, 60],
    ['no recorded time', { sensed_at: undefined }, SHA, 60],
  ])('runs the sensor again for %s', async (_, row, sha, interval) => {
    const prev = await prepared(row)
    expect(await reusableSnapshot(prev, 'sensor-a', sha, interval, now)).toBeUndefined()
  })

  it('runs it again when the file no longer holds the signal that was loaded', async () => {
    const prev = await prepared()
    await writeFile(path.join(dir, 'sensor-a.json'), '{"signal":2}')
    expect(await reusableSnapshot(prev, 'sensor-a', SHA, 60, now)).toBeUndefined()
  })
})
