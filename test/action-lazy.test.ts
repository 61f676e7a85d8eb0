/**
 * The artifact client is loaded only when an upload happens. ncc puts @actions/artifact in a
 * chunk of its own; these tests run a copy of dist/ without that chunk, the way the runner runs
 * the action, so any run that touched the client would fail to load it. Runs that do not
 * upload must succeed; a run that uploads must fail naming the missing module.
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type ActionRun,
  commands,
  jsonSensor,
  ROOT,
  type Workspace,
  workspace,
} from './fixtures/action.js'

const DIST = path.join(ROOT, 'dist')

let copy: string
let bundle: string
let chunk: string
const workspaces: Workspace[] = []

beforeAll(async () => {
  // The chunk is found by what it defines, not by ncc's numeric id, which changes with the build.
  const chunks: string[] = []
  for (const name of await readdir(DIST)) {
    if (!/^\d+\.index\.js$/.test(name)) continue
    if ((await readFile(path.join(DIST, name), 'utf8')).includes('class DefaultArtifactClient')) {
      chunks.push(name)
    }
  }
  expect(chunks).toHaveLength(1)
  chunk = chunks[0] as string
  // Removing the chunk proves something only if the entry point does not hold the client too.
  expect(await readFile(path.join(DIST, 'index.js'), 'utf8')).not.toContain(
    'class DefaultArtifactClient',
  )

  copy = await mkdtemp(path.join(tmpdir(), 'looop-lazy-'))
  await cp(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'))
  await cp(DIST, path.join(copy, 'dist'), {
    recursive: true,
    filter: (src) => !path.basename(src).startsWith(chunk),
  })
  bundle = path.join(copy, 'dist', 'index.js')
  const copied = await readdir(path.join(copy, 'dist'))
  expect(copied).toContain('index.js')
  expect(copied.filter((f) => f.startsWith(chunk))).toEqual([])
})

afterAll(async () => {
  await Promise.all(workspaces.map((w) => w.cleanup()))
  if (copy) await rm(copy, { recursive: true, force: true })
})

/** A workspace with one sensor that succeeds. */
async function oneSensor(): Promise<Workspace> {
  const ws = await workspace()
  workspaces.push(ws)
  await ws.write('sensors/good.sh', jsonSensor({ signal: { up: true } }))
  return ws
}

/** Runs the copy without the chunk, exactly as the fixture runs dist/index.js. */
function runBundle(
  ws: Workspace,
  inputs: Record<string, string>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<ActionRun> {
  return ws.run(inputs, extraEnv, { bundle })
}

/** What a run without the chunk must still have written. */
async function expectSnapshots(run: ActionRun): Promise<void> {
  const snapshots = path.join(run.workspace, 'snapshots')
  expect((await readdir(snapshots)).sort()).toEqual(['index.json', 'sensor-good.json'])
  expect(JSON.parse(await readFile(path.join(snapshots, 'sensor-good.json'), 'utf8'))).toEqual({
    signal: { up: true },
  })
  expect(run.outputs).toMatchObject({ total: '1', ok: '1', 'snapshots-dir': snapshots })
  expect(run.outputs['world-hash']).toMatch(/^[0-9a-f]{64}$/)
}

const FAKE_RUNTIME = {
  ACTIONS_RUNTIME_TOKEN: 'x',
  // Port 9 (discard): nothing listens there; the run must fail before any request anyway.
  ACTIONS_RESULTS_URL: 'http://127.0.0.1:9',
}

describe('the bundle without the @actions/artifact chunk', () => {
  it('succeeds with upload: false, even with a runtime present', async () => {
    const ws = await oneSensor()
    const run = await runBundle(ws, { upload: 'false', probes: 'none' }, FAKE_RUNTIME)

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    expect(commands(run.stdout, 'error')).toEqual([])
    expect(run.stdout).not.toContain('@actions/artifact')
    await expectSnapshots(run)
    expect(run.outputs['artifact-id']).toBe('')
  })

  it('succeeds with upload: auto and no runtime, skipping the upload with a notice', async () => {
    const ws = await oneSensor()
    const run = await runBundle(ws, { upload: 'auto', probes: 'none' })

    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' })
    expect(commands(run.stdout, 'error')).toEqual([])
    expect(commands(run.stdout, 'notice')).toContainEqual(
      expect.stringContaining('Artifact upload skipped: the Actions runtime is not available'),
    )
    await expectSnapshots(run)
    expect(run.summary).toContain('not uploaded: no Actions runtime')
  })

  it('fails with upload: true and a runtime, saying the artifact module could not be loaded', async () => {
    const ws = await oneSensor()
    const run = await runBundle(ws, { upload: 'true', probes: 'none' }, FAKE_RUNTIME)

    expect(run.code).toBe(1)
    const errors = commands(run.stdout, 'error')
    expect(errors).toHaveLength(1)
    const error = errors[0] as string
    expect(error).toContain('Artifact upload failed: could not load @actions/artifact:')
    // The missing file is the reason, not the fake runtime.
    expect(error).toContain(chunk)
    expect(error).toContain(`The snapshots are still in ${path.join(ws.dir, 'snapshots')}`)
    await expectSnapshots(run)
    expect(run.outputs['artifact-id']).toBe('')
    expect(run.summary).toContain('upload failed: could not load @actions/artifact')
  })
})
