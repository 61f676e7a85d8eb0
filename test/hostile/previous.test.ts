/**
 * A `previous` folder built to hurt: symlinks pointing outside it (to a file, to /dev/zero), a
 * FIFO where a snapshot should be, a 20 MiB index.json, and an index.json and a snapshot nested
 * a million levels deep. Nothing is followed or read past its bound, nothing hangs or crashes,
 * and the beat is the one an empty `previous` gives.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commands, type Workspace, workspace } from '../fixtures/action.js'
import { expectBeatIntact, writeWitnesses } from './fixture.js'

let ws: Workspace
let prev: string
beforeEach(async () => {
  ws = await workspace()
  await writeWitnesses(ws)
  prev = path.join(ws.dir, 'prev')
  await mkdir(prev)
})
afterEach(async () => {
  await ws.cleanup()
})

/** The witnesses' changes: both must have appeared, with nothing read as their `before`. */
function expectAppeared(changes: string | undefined): void {
  const list = JSON.parse(changes ?? '[]') as { name: string; before: unknown }[]
  const witnesses = list.filter((c) => c.name.includes('witness'))
  expect(witnesses.map((c) => c.name).sort()).toEqual(['sensor-aaa-witness', 'sensor-zzz-witness'])
  for (const c of witnesses) expect(c.before).toBeNull()
}

async function index(): Promise<{ history: unknown[]; previous: unknown }> {
  return JSON.parse(await readFile(path.join(ws.dir, 'snapshots/index.json'), 'utf8'))
}

describe('hostile: a previous folder', () => {
  it('with symlinks pointing outside and a FIFO: none is followed or opened', async () => {
    const outside = path.join(ws.base, 'outside')
    await mkdir(outside)
    await writeFile(path.join(outside, 'fake.json'), '{"signal":{"witness":"FROM-OUTSIDE"}}\n')
    await writeFile(
      path.join(outside, 'index.json'),
      JSON.stringify({
        version: 1,
        world_hash: 'f'.repeat(64),
        sensors: [],
        history: [
          {
            sensed_at: '2020-01-01T00:00:00.000Z',
            run_id: 1,
            world_hash: 'f'.repeat(64),
            statuses: {},
          },
        ],
      }),
    )
    await symlink(path.join(outside, 'fake.json'), path.join(prev, 'sensor-aaa-witness.json'))
    await symlink('/dev/zero', path.join(prev, 'sensor-zzz-witness.json'))
    await symlink(path.join(outside, 'index.json'), path.join(prev, 'index.json'))
    expect(spawnSync('mkfifo', [path.join(prev, 'sensor-fifo.json')]).status).toBe(0)

    const run = await ws.run({ previous: 'prev', probes: 'none' })
    await expectBeatIntact(ws, run, {})
    expect(run.code).toBe(0)
    expect(run.outputs.changed).toBe('true')
    expectAppeared(run.outputs.changes)
    expect(run.stdout).not.toContain('FROM-OUTSIDE')
    expect((await index()).history).toHaveLength(1)
    expect(commands(run.stdout, 'warning').length).toBeGreaterThan(0)
  })

  it('with a 20 MiB index.json: not read past its bound, one warning, an empty previous', async () => {
    await writeFile(
      path.join(prev, 'index.json'),
      `{"version":1,"sensors":[],"pad":"${'x'.repeat(20 * 1024 * 1024)}"}`,
    )
    const run = await ws.run({ previous: 'prev', probes: 'none' })
    await expectBeatIntact(ws, run, {})
    expect(run.code).toBe(0)
    expect(run.outputs.changed).toBe('true')
    expectAppeared(run.outputs.changes)
    const warnings = commands(run.stdout, 'warning')
    expect(warnings.filter((w) => w.includes('index.json'))).toHaveLength(1)
  })

  it('with an index.json and a snapshot nested a million levels deep: no crash', async () => {
    const deep = (inner: string) => `${'['.repeat(1_000_000)}${inner}${']'.repeat(1_000_000)}`
    await writeFile(path.join(prev, 'index.json'), `{"version":1,"sensors":${deep('')}}`)
    await writeFile(path.join(prev, 'sensor-aaa-witness.json'), deep('"deep"'))
    const run = await ws.run({ previous: 'prev', probes: 'none' })
    await expectBeatIntact(ws, run, {})
    expect(run.code).toBe(0)
    expect(run.outputs.changed).toBe('true')
    const changes = JSON.parse(run.outputs.changes ?? '[]') as { name: string; before: unknown }[]
    // The deep snapshot is read (it is JSON), so the witness changed from it; the other appeared.
    expect(changes.map((c) => c.name).sort()).toEqual(['sensor-aaa-witness', 'sensor-zzz-witness'])
    expect(changes.find((c) => c.name === 'sensor-zzz-witness')?.before).toBeNull()
  })
})
