/**
 * `previous: auto` end to end: the bundle (`node dist/index.js`) in a sequence of workflow runs
 * of the REST stand-in, uploading each beat through the results service into Azurite and
 * finding the previous one through the REST API, as a cron workflow with no cache step does.
 *
 * The stand-in holds decoys that must never be chosen: a newer artifact of the same name from
 * another workflow file, one from another branch, and a newer expired one. The tests run in
 * order: each beat's artifact is the next beat's previous.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ActionRun, commands, type Workspace, workspace } from './fixtures/action.js'
import {
  type RestStandIn,
  startUploadHarness,
  type UploadHarness,
} from './fixtures/results-service.js'

let harness: UploadHarness
let rest: RestStandIn
let ws: Workspace

beforeAll(async () => {
  harness = await startUploadHarness()
  rest = harness.service.rest
  ws = await workspace()
}, 120_000)
afterAll(async () => {
  await ws?.cleanup()
  await harness?.stop()
})

const WORKFLOW = 'cron.yml'
const NAME = 'beat'
const MINUTE = 60_000
const token = () => TOKEN
let TOKEN = ''

const json = (s: string | undefined) => JSON.parse(s ?? 'null') as unknown

/**
 * stderr of a run, less Node's DEP0005 notice: @actions/artifact's unzip dependency calls
 * `Buffer()` while a download runs, and Node says so once per process.
 */
const stderrOf = (run: ActionRun) =>
  run.stderr
    .split('\n')
    .filter((l) => l !== '' && !/DEP0005|--trace-deprecation/.test(l))
    .join('\n')

async function readIndex(): Promise<{
  previous: Record<string, unknown> | null
  history: { run_id: number | null }[]
}> {
  return JSON.parse(await readFile(path.join(ws.dir, 'snapshots/index.json'), 'utf8'))
}

/** One beat of the cron workflow in a new run of the stand-in; the run completes after it. */
async function beat(
  opts: { branch?: string; event?: string; baseRef?: string; token?: string } = {},
): Promise<{ run: ActionRun; runId: number; callsFrom: number }> {
  const record = rest.addRun({
    workflow: WORKFLOW,
    branch: opts.branch ?? 'main',
    event: opts.event,
    status: 'in_progress',
  })
  const callsFrom = rest.calls.length
  const run = await ws.run(
    {
      previous: 'auto',
      'github-token': opts.token ?? token(),
      'artifact-name': NAME,
      probes: 'none',
    },
    rest.runEnv(record.id, opts.baseRef ? { baseRef: opts.baseRef } : undefined),
  )
  rest.complete(record.id)
  return { run, runId: record.id, callsFrom }
}

async function setSignal(value: string): Promise<void> {
  await ws.write(
    'state/a.json',
    JSON.stringify({ signal: value, detail: { at: Date.now() } }),
    0o644,
  )
}

describe('previous: auto, a cron workflow with no cache step', () => {
  let first: Awaited<ReturnType<typeof beat>>
  let second: Awaited<ReturnType<typeof beat>>

  it('first run: a notice, changed=true, and the beat is uploaded', async () => {
    TOKEN = rest.newToken()
    // Decoys, newer than any beat below would be without them: never chosen.
    const otherWorkflow = rest.addRun({
      workflow: 'other.yml',
      branch: 'main',
      createdAt: Date.now() - MINUTE,
    })
    await rest.addArtifact({
      runId: otherWorkflow.id,
      name: NAME,
      files: { 'sensor-a.json': '{"signal":"decoy"}' },
    })
    const otherBranch = rest.addRun({
      workflow: WORKFLOW,
      branch: 'dev',
      createdAt: Date.now() - MINUTE,
    })
    await rest.addArtifact({
      runId: otherBranch.id,
      name: NAME,
      files: { 'sensor-a.json': '{"signal":"decoy"}' },
    })

    await ws.write('sensors/a.sh', '#!/usr/bin/env bash\ncat state/a.json\n')
    await setSignal('one')
    first = await beat()
    const { run } = first
    expect(stderrOf(run)).toBe('')
    expect(run.code).toBe(0)
    expect(commands(run.stdout, 'warning')).toEqual([])
    expect(commands(run.stdout, 'notice')).toEqual([
      expect.stringMatching(/^::notice::previous: auto found no .*This looks like a first run/),
    ])
    expect(run.outputs).toMatchObject({ changed: 'true', 'changed-sensors': '["sensor-a"]' })
    expect(run.outputs['artifact-id']).toMatch(/^\d+$/)
    expect((await readIndex()).previous).toBeNull()
    // Every REST call carried the token given as `github-token`.
    const calls = rest.calls.slice(first.callsFrom)
    expect(calls.length).toBeGreaterThan(0)
    expect(calls.every((c) => c.token === TOKEN)).toBe(true)
  })

  it('next run: the previous beat of the same workflow and branch, its history carried over', async () => {
    // A newer artifact of that name on main, but expired: skipped.
    const expired = rest.addRun({ workflow: WORKFLOW, branch: 'main' })
    await rest.addArtifact({
      runId: expired.id,
      name: NAME,
      files: { 'sensor-a.json': '{"signal":"expired"}' },
      expired: true,
    })
    await setSignal('two')
    second = await beat()
    const { run } = second
    expect(stderrOf(run)).toBe('')
    expect(run.code).toBe(0)
    expect(commands(run.stdout, 'warning')).toEqual([])
    expect(commands(run.stdout, 'notice')).toEqual([])
    expect(run.outputs.changed).toBe('true')
    expect(json(run.outputs.changes)).toEqual([
      { name: 'sensor-a', before: '"one"', after: '"two"' },
    ])
    const index = await readIndex()
    expect(index.previous).toEqual({
      source: 'auto',
      run_id: first.runId,
      artifact_id: Number(first.run.outputs['artifact-id']),
      sensed_at: expect.any(String),
    })
    expect(index.history.map((h) => h.run_id)).toEqual([first.runId, second.runId])
    const calls = rest.calls.slice(second.callsFrom)
    expect(calls.every((c) => c.token === TOKEN)).toBe(true)
    expect(calls.map((c) => c.path)).toContainEqual(
      expect.stringMatching(`/actions/artifacts/${first.run.outputs['artifact-id']}/zip$`),
    )
  })

  it('an unchanged world against the downloaded beat: changed=false, history grows', async () => {
    const third = await beat()
    expect(third.run.code).toBe(0)
    expect(third.run.outputs.changed).toBe('false')
    expect((await readIndex()).history.map((h) => h.run_id)).toEqual([
      first.runId,
      second.runId,
      third.runId,
    ])
    second = third
  })

  it('a pull request compares with the base branch’s last beat', async () => {
    await setSignal('pr-change')
    const pr = await beat({ branch: 'feature', event: 'pull_request', baseRef: 'main' })
    expect(stderrOf(pr.run)).toBe('')
    expect(pr.run.code).toBe(0)
    const index = await readIndex()
    expect(index.previous).toMatchObject({ source: 'auto', run_id: second.runId })
    expect(json(pr.run.outputs.changes)).toEqual([
      { name: 'sensor-a', before: '"two"', after: '"pr-change"' },
    ])
  })

  it('403 (no actions: read): one warning with the fix, the step succeeds, all counts as changed', async () => {
    const denied = rest.newToken()
    rest.failNext({ token: denied, status: 403, times: Number.POSITIVE_INFINITY })
    const { run, callsFrom } = await beat({ token: denied })
    expect(stderrOf(run)).toBe('')
    expect(run.code).toBe(0)
    const warnings = commands(run.stdout, 'warning')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/title=previous%3A auto::.*403.*`permissions: actions: read`/)
    expect(run.outputs.changed).toBe('true')
    expect((await readIndex()).previous).toBeNull()
    expect(rest.calls.slice(callsFrom).map((c) => c.status)).toEqual([403])
  })

  it('outside a runner: one warning, no REST call, as if previous were unset', async () => {
    const callsFrom = rest.calls.length
    const run = await ws.run(
      { previous: 'auto', probes: 'none', upload: 'false' },
      {
        GITHUB_ACTIONS: undefined,
        GITHUB_OUTPUT: undefined,
        GITHUB_STEP_SUMMARY: undefined,
        GITHUB_API_URL: rest.url,
      },
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /^warning: previous: auto: previous: auto needs a GitHub Actions workflow run/m,
    )
    expect(run.stdout).toMatch(/^changed=$/m)
    expect(rest.calls.length).toBe(callsFrom)
  })

  it('on GitHub Enterprise Server: one warning, no REST call, as if previous were unset', async () => {
    const record = rest.addRun({ workflow: WORKFLOW, branch: 'main', status: 'in_progress' })
    const callsFrom = rest.calls.length
    const run = await ws.run(
      { previous: 'auto', 'github-token': token(), probes: 'none', upload: 'false' },
      { ...rest.runEnv(record.id), GITHUB_SERVER_URL: 'https://ghe.example.com' },
    )
    expect(run.code).toBe(0)
    const warnings = commands(run.stdout, 'warning')
    expect(warnings).toEqual([expect.stringMatching(/does not work on GitHub Enterprise Server/)])
    expect(run.outputs.changed).toBe('')
    expect(rest.calls.length).toBe(callsFrom)
  })
})
