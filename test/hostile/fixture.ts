/**
 * What every hostile-sensor test checks after a run of the bundle: the witnesses (two
 * well-behaved sensors named to sort first and last) kept their snapshots byte for byte,
 * index.json is valid and lists every sensor with the status expected of it, the action ended
 * as a process should (exit 0 or 1, its verdict printed, no stack trace), and no process a
 * sensor recorded is still alive.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, expect } from 'vitest'
import { type ActionRun, type Workspace, workspace } from '../fixtures/action.js'
import { settledAlive } from '../fixtures/processes.js'
import { killRecorded } from '../fixtures/sensors.js'

export const WITNESSES = ['aaa-witness', 'zzz-witness'] as const

/** The bytes each witness prints: its snapshot must be exactly these. */
export function witnessBytes(name: string): string {
  return `{"signal":{"witness":"${name}"},"detail":{"pid":0}}\n`
}

/**
 * Registers, for every test of the calling file, a fresh workspace holding the two witnesses,
 * cleaned up (its running action and sensors ended) after the test. Read `.ws` inside a test.
 */
export function hostileWorkspace(): { readonly ws: Workspace } {
  let current: Workspace | undefined
  beforeEach(async () => {
    current = await workspace()
    await writeWitnesses(current)
  })
  afterEach(async () => {
    await current?.cleanup()
  })
  return {
    get ws(): Workspace {
      if (current === undefined) throw new Error('hostileWorkspace: read .ws inside a test')
      return current
    },
  }
}

/** Writes the two witnesses into `sensors/` (or `folder`). */
export async function writeWitnesses(ws: Workspace, folder = 'sensors'): Promise<void> {
  for (const name of WITNESSES) {
    await ws.write(
      `${folder}/${name}.sh`,
      `#!/usr/bin/env bash\nprintf '%s\\n' '${witnessBytes(name).trim()}'\n`,
    )
  }
}

export interface IndexEntry {
  name: string
  status: string
  exit_code?: number
}
export interface Index {
  world_hash: string
  sensors: IndexEntry[]
}

/**
 * The checks every hostile test shares. `statuses` names the expected status of every sensor
 * (witnesses included automatically); `snapshotsDir` is relative to the workspace.
 */
export async function expectBeatIntact(
  ws: Workspace,
  run: ActionRun,
  statuses: Record<string, string>,
  { snapshotsDir = 'snapshots' }: { snapshotsDir?: string } = {},
): Promise<Index> {
  // Nothing crashed: a normal exit, the verdict printed, no stack trace.
  expect([0, 1], run.stderr).toContain(run.code)
  expect(run.stdout).toMatch(/sensors? (ok|failed)/)
  expect(run.stderr).not.toMatch(/^\s+at /m)
  const dir = path.join(ws.dir, snapshotsDir)
  const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as Index
  const expected: Record<string, string> = { ...statuses }
  for (const w of WITNESSES) expected[`sensor-${w}`] = 'ok'
  const got = Object.fromEntries(
    index.sensors.filter((e) => e.name.startsWith('sensor-')).map((e) => [e.name, e.status]),
  )
  expect(got).toEqual(expected)
  for (const w of WITNESSES) {
    expect(await readFile(path.join(dir, `sensor-${w}.json`), 'utf8')).toBe(witnessBytes(w))
  }
  expect(run.outputs['world-hash'] ?? index.world_hash).toBe(index.world_hash)
  return index
}

/** Every pid recorded in `pidsFile` is dead (zombies count as dead); kills them otherwise. */
export async function expectNoStray(pidsFile: string): Promise<number[]> {
  const text = await readFile(pidsFile, 'utf8').catch(() => '')
  const pids = text.split(/\s+/).filter(Boolean).map(Number)
  const alive: number[] = []
  for (const pid of pids) if (await settledAlive(pid)) alive.push(pid)
  await killRecorded(pidsFile)
  expect(alive, `still running: ${alive.join(' ')}`).toEqual([])
  return pids
}
