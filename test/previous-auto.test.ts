/**
 * `previous: auto` against the REST stand-in and Azurite, downloading through the real
 * @actions/artifact client. The module is called in-process, as the bundled action calls it.
 *
 * Every test seeds its own workflow file and artifact name and uses its own token, so the
 * tests run concurrently and each counts only its own REST calls (the stand-in records the
 * token of every call). @actions/github reads GITHUB_API_URL once, at its first import, so it
 * is set in process.env before any test runs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  type AutoRequest,
  type FetchResult,
  fetchPrevious,
  findPreviousArtifact,
  MAX_CALLS,
} from '../src/previous/auto.js'
import { uploadSnapshots } from '../src/upload/artifact.js'
import {
  FIXTURE_REPOSITORY,
  type RestStandIn,
  restTime,
  startUploadHarness,
  type UploadHarness,
} from './fixtures/results-service.js'

let harness: UploadHarness
let rest: RestStandIn
let work: string
const savedEnv: Record<string, string | undefined> = {}
/** Every line written to this process's stdout while the tests ran. */
const stdout: string[] = []
let restoreStdout: () => void

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'previous-auto-'))
  harness = await startUploadHarness()
  rest = harness.service.rest
  const env = {
    GITHUB_API_URL: rest.url,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  }
  for (const key of Object.keys(env)) savedEnv[key] = process.env[key]
  Object.assign(process.env, env)
  // Records what reaches stdout, so a test can prove the library's own warning never does.
  const original = process.stdout.write
  process.stdout.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string') stdout.push(...chunk.split('\n').filter(Boolean))
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof process.stdout.write
  restoreStdout = () => {
    process.stdout.write = original
  }
})

afterAll(async () => {
  restoreStdout?.()
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  await harness?.stop()
  rmSync(work, { recursive: true, force: true })
})

const MINUTE = 60_000
const ago = (minutes: number) => Date.now() - minutes * MINUTE

function parentDir(): string {
  return mkdtempSync(join(work, 'temp-'))
}

function request(env: Record<string, string>, token: string, artifactName: string): AutoRequest {
  return { env: { ...env }, token, artifactName }
}

/** The calls that carried this token, as `METHOD path`. */
function callsOf(token: string) {
  return rest.calls.filter((c) => c.token === token)
}

/** Name → content of every file under dir. */
function filesIn(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = join(entry.parentPath, entry.name)
      files[full.slice(dir.length + 1)] = readFileSync(full, 'utf8')
    }
  }
  return files
}

function libraryWarnings(): string[] {
  return stdout.filter((line) => line.startsWith('::warning::'))
}

function found(result: FetchResult) {
  if (result.kind !== 'found') throw new Error(`expected found, got ${JSON.stringify(result)}`)
  return result
}

const repoPath = `/repos/${FIXTURE_REPOSITORY}/actions`

describe.concurrent('previous: auto against the REST stand-in', () => {
  it('downloads the newest unexpired artifact of the same workflow file and branch', async ({
    expect,
  }) => {
    const wf = 'pick.yml'
    const name = 'snap-pick'
    const seed = async (
      opts: Parameters<RestStandIn['addRun']>[0],
      files?: Record<string, string>,
      expired = false,
    ) => {
      const run = rest.addRun(opts)
      const artifact = files
        ? await rest.addArtifact({
            runId: run.id,
            name,
            files,
            createdAt: Date.parse(run.createdAt) + MINUTE,
            expired,
          })
        : undefined
      return { run, artifact }
    }
    await seed(
      { workflow: wf, branch: 'main', createdAt: ago(360) },
      { 'index.json': '{"beat":"oldest"}' },
    )
    // A failed beat is a beat: the newest usable one failed.
    const chosen = await seed(
      { workflow: wf, branch: 'main', createdAt: ago(240), conclusion: 'failure' },
      { 'index.json': '{"beat":"chosen"}', 'sensor-disk.json': '{"signal":{"used":42}}' },
    )
    await seed({ workflow: wf, branch: 'main', createdAt: ago(180), conclusion: 'cancelled' })
    await seed(
      { workflow: wf, branch: 'main', createdAt: ago(120) },
      { 'index.json': '"expired"' },
      true,
    )
    await seed(
      { workflow: wf, branch: 'feature', createdAt: ago(60) },
      { 'index.json': '"feature"' },
    )
    await seed(
      { workflow: 'pick-other.yml', branch: 'main', createdAt: ago(30) },
      { 'index.json': '"other workflow"' },
    )
    await seed(
      {
        workflow: wf,
        branch: 'main',
        createdAt: ago(20),
        event: 'pull_request',
        headRepository: 'someone/sense-fixture',
      },
      { 'index.json': '"fork"' },
    )
    await seed(
      { workflow: wf, branch: 'main', createdAt: ago(10), status: 'in_progress' },
      { 'index.json': '"running"' },
    )
    const current = rest.addRun({
      workflow: wf,
      branch: 'main',
      status: 'in_progress',
      event: 'schedule',
    })
    const token = rest.newToken()
    const parent = parentDir()

    const result = found(await fetchPrevious(request(rest.runEnv(current.id), token, name), parent))

    expect(result).toMatchObject({
      artifactId: chosen.artifact?.id,
      runId: chosen.run.id,
      from: 'earlier-run',
      branch: 'main',
      createdAt: chosen.artifact?.createdAt,
      digest: chosen.artifact?.hash,
    })
    expect(readdirSync(parent)).toEqual([result.dir.slice(parent.length + 1)])
    expect(filesIn(result.dir)).toEqual({
      'index.json': '{"beat":"chosen"}',
      'sensor-disk.json': '{"signal":{"used":42}}',
    })

    const calls = callsOf(token)
    expect(calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `GET ${repoPath}/workflows/pick.yml/runs 200`,
      `GET ${repoPath}/artifacts 200`,
      `GET ${repoPath}/artifacts/${chosen.artifact?.id}/zip 302`,
    ])
    expect(result.calls).toBe(calls.length)
    expect(calls[0]?.query).toMatchObject({ branch: 'main', status: 'completed', per_page: '100' })
    expect(calls[1]?.query).toMatchObject({ name, per_page: '100', page: '1' })
    for (const call of calls.slice(0, 2)) {
      expect(call).toMatchObject({
        scheme: 'Bearer',
        accept: 'application/vnd.github+json',
        apiVersion: '2022-11-28',
      })
      expect(call.userAgent).toContain('looop-sense')
    }
    // The library's own call (Octokit sends `token <t>`), with the same token.
    expect(calls[2]?.scheme).toBe('token')
    // The library did print its progress (so this recorder sees its output), but no warning.
    expect(stdout).toContain('Artifact download completed successfully.')
  })

  it('looks on the base branch for pull_request and pull_request_target events', async ({
    expect,
  }) => {
    const wf = 'pr.yml'
    const name = 'snap-pr'
    const base = rest.addRun({ workflow: wf, branch: 'main', createdAt: ago(120) })
    const baseArtifact = await rest.addArtifact({
      runId: base.id,
      name,
      files: { 'index.json': '"main"' },
      createdAt: ago(119),
    })
    // Newer, on the pull request's head branch: not what a pull request compares with.
    const head = rest.addRun({ workflow: wf, branch: 'feature', createdAt: ago(30) })
    await rest.addArtifact({
      runId: head.id,
      name,
      files: { 'index.json': '"feature"' },
      createdAt: ago(29),
    })
    const pr = rest.addRun({
      workflow: wf,
      branch: 'feature',
      event: 'pull_request',
      status: 'in_progress',
    })
    const prTarget = rest.addRun({
      workflow: wf,
      branch: 'feature',
      event: 'pull_request_target',
      status: 'in_progress',
    })
    const token = rest.newToken()

    const viaPr = found(
      await fetchPrevious(
        request(rest.runEnv(pr.id, { baseRef: 'main' }), token, name),
        parentDir(),
      ),
    )
    expect(viaPr).toMatchObject({ artifactId: baseArtifact.id, runId: base.id, branch: 'main' })
    expect(filesIn(viaPr.dir)).toEqual({ 'index.json': '"main"' })

    const viaTarget = await findPreviousArtifact(
      request(rest.runEnv(prTarget.id, { baseRef: 'main' }), token, name),
    )
    expect(viaTarget).toMatchObject({ kind: 'found', artifactId: baseArtifact.id, branch: 'main' })

    const runLists = callsOf(token).filter((c) => c.path.endsWith('/runs'))
    expect(runLists.map((c) => c.query.branch)).toEqual(['main', 'main'])
  })

  it('takes an earlier attempt of this run, never an artifact of the current attempt', async ({
    expect,
  }) => {
    const wf = 'retry.yml'
    const name = 'snap-retry'
    const older = rest.addRun({ workflow: wf, branch: 'main', createdAt: ago(300) })
    await rest.addArtifact({
      runId: older.id,
      name,
      files: { 'index.json': '"older run"' },
      createdAt: ago(299),
    })
    const run = rest.addRun({
      workflow: wf,
      branch: 'main',
      createdAt: ago(10),
      status: 'in_progress',
    })
    const first = await rest.addArtifact({
      runId: run.id,
      attempt: 1,
      name,
      files: { 'index.json': '"attempt 1"' },
      createdAt: ago(9),
    })
    rest.complete(run.id, 'failure')
    rest.rerun(run.id, ago(2))
    const env = rest.runEnv(run.id)
    expect(env.GITHUB_RUN_ATTEMPT).toBe('2')

    // Another job of the current attempt uploads under the same name, through the real
    // client and the Twirp API: it lands in this run's attempt 2 and must not be taken.
    const dir = mkdtempSync(join(work, 'upload-'))
    writeFileSync(join(dir, 'index.json'), '"attempt 2"')
    const runtime = {
      ACTIONS_RUNTIME_TOKEN: process.env.ACTIONS_RUNTIME_TOKEN,
      ACTIONS_RESULTS_URL: process.env.ACTIONS_RESULTS_URL,
    }
    Object.assign(process.env, {
      ACTIONS_RUNTIME_TOKEN: env.ACTIONS_RUNTIME_TOKEN,
      ACTIONS_RESULTS_URL: env.ACTIONS_RESULTS_URL,
    })
    try {
      await uploadSnapshots({
        name,
        rootDirectory: dir,
        files: [join(dir, 'index.json')],
        compressionLevel: 6,
        overwrite: false,
        env,
      })
    } finally {
      for (const [key, value] of Object.entries(runtime)) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
    }
    const token = rest.newToken()
    const listed = (await (
      await fetch(`${rest.url}${repoPath}/runs/${run.id}/artifacts?name=${name}`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json()) as { artifacts: Array<{ id: number }> }
    expect(listed.artifacts).toHaveLength(2)

    const result = found(await fetchPrevious(request(env, token, name), parentDir()))
    expect(result).toMatchObject({ artifactId: first.id, runId: run.id, from: 'earlier-attempt' })
    expect(filesIn(result.dir)).toEqual({ 'index.json': '"attempt 1"' })
    expect(callsOf(token).map((c) => c.path)).toEqual([
      `${repoPath}/runs/${run.id}/artifacts`,
      `${repoPath}/runs/${run.id}`,
      `${repoPath}/workflows/retry.yml/runs`,
      `${repoPath}/artifacts`,
      `${repoPath}/artifacts/${first.id}/zip`,
    ])
    expect(result.calls).toBe(4)
  })

  it('gives a notice and downloads nothing on a first run', async ({ expect }) => {
    const current = rest.addRun({ workflow: 'first.yml', branch: 'main', status: 'in_progress' })
    const token = rest.newToken()
    const parent = parentDir()
    const result = await fetchPrevious(
      request(rest.runEnv(current.id), token, 'snap-first'),
      parent,
    )
    expect(result).toEqual({
      kind: 'none',
      notice:
        'previous: auto found no earlier completed run of workflow .github/workflows/first.yml ' +
        'on branch main. This looks like a first run: every snapshot counts as changed.',
      calls: 1,
    })
    expect(callsOf(token)).toHaveLength(1)
    expect(readdirSync(parent)).toEqual([])
  })

  it('skips expired artifacts, and says so when only expired ones are left', async ({ expect }) => {
    const wf = 'expired.yml'
    const name = 'snap-expired'
    for (const minutes of [3000, 1500]) {
      const run = rest.addRun({ workflow: wf, branch: 'main', createdAt: ago(minutes) })
      await rest.addArtifact({
        runId: run.id,
        name,
        files: { 'index.json': '{}' },
        createdAt: ago(minutes - 1),
        expired: true,
      })
    }
    const current = rest.addRun({ workflow: wf, branch: 'main', status: 'in_progress' })
    const token = rest.newToken()
    const result = await fetchPrevious(request(rest.runEnv(current.id), token, name), parentDir())
    expect(result.kind).toBe('none')
    const notice = (result as { notice: string }).notice
    expect(notice).toContain('only expired artifacts named "snap-expired"')
    expect(notice).toContain('(2; the newest, of run')
    expect(notice).toContain('`retention-days`')
    expect(callsOf(token).some((c) => c.path.endsWith('/zip'))).toBe(false)
  })

  it('answers a 403 with one warning that says to add `actions: read`', async ({ expect }) => {
    const run = rest.addRun({ workflow: 'forbidden.yml', branch: 'main', createdAt: ago(60) })
    await rest.addArtifact({ runId: run.id, name: 'snap-403', files: { 'index.json': '{}' } })
    const current = rest.addRun({
      workflow: 'forbidden.yml',
      branch: 'main',
      status: 'in_progress',
    })
    const token = rest.newToken()
    rest.failNext({ token, status: 403, times: Number.POSITIVE_INFINITY })
    const parent = parentDir()

    const result = await fetchPrevious(request(rest.runEnv(current.id), token, 'snap-403'), parent)

    expect(result.kind).toBe('failed')
    const warning = (result as { warning: string }).warning
    expect(warning).toContain('answered 403 (Resource not accessible by integration)')
    expect(warning).toContain('add `permissions: actions: read`')
    expect(warning).toContain('goes on without previous snapshots')
    expect(callsOf(token).map((c) => c.status)).toEqual([403])
    expect(result.calls).toBe(1)
    expect(readdirSync(parent)).toEqual([])
  })

  it('makes a failed download one warning: the library never prints its own', async ({
    expect,
  }) => {
    const run = rest.addRun({ workflow: 'zip-403.yml', branch: 'main', createdAt: ago(60) })
    const artifact = await rest.addArtifact({
      runId: run.id,
      name: 'snap-zip-403',
      files: { 'index.json': '{}' },
    })
    const current = rest.addRun({ workflow: 'zip-403.yml', branch: 'main', status: 'in_progress' })
    const token = rest.newToken()
    rest.failNext({ token, path: /\/zip$/, status: 403, times: Number.POSITIVE_INFINITY })
    const parent = parentDir()

    const result = await fetchPrevious(
      request(rest.runEnv(current.id), token, 'snap-zip-403'),
      parent,
    )

    expect(result.kind).toBe('failed')
    const warning = (result as { warning: string }).warning
    expect(warning).toContain(`artifact "snap-zip-403" (id ${artifact.id}) of run ${run.id}`)
    expect(warning).toContain('the zip endpoint answered 403')
    expect(warning).toContain('`permissions: actions: read`')
    expect(callsOf(token).at(-1)).toMatchObject({
      path: `${repoPath}/artifacts/${artifact.id}/zip`,
      status: 403,
    })
    expect(libraryWarnings()).toEqual([])
    expect(readdirSync(parent)).toEqual([])
  })

  it('names a corrupt artifact (not a zip) in its one warning', async ({ expect }) => {
    const run = rest.addRun({ workflow: 'corrupt.yml', branch: 'main', createdAt: ago(60) })
    await rest.addArtifact({
      runId: run.id,
      name: 'snap-corrupt',
      blob: Buffer.from('this is no zip\n'.repeat(20)),
      digest: null,
    })
    const current = rest.addRun({ workflow: 'corrupt.yml', branch: 'main', status: 'in_progress' })
    const token = rest.newToken()
    const parent = parentDir()

    // The library retries the blob 5 times, 5 s apart, before it gives up.
    const result = await fetchPrevious(
      request(rest.runEnv(current.id), token, 'snap-corrupt'),
      parent,
    )

    expect(result.kind).toBe('failed')
    const warning = (result as { warning: string }).warning
    expect(warning).toContain('Not a valid zip file')
    expect(warning).toMatch(/corrupt|damaged/)
    expect(libraryWarnings()).toEqual([])
  }, 60_000)

  it('refuses a download whose content does not match the listed digest', async ({ expect }) => {
    const run = rest.addRun({ workflow: 'digest.yml', branch: 'main', createdAt: ago(60) })
    await rest.addArtifact({
      runId: run.id,
      name: 'snap-digest',
      files: { 'index.json': '{}' },
      digest: `sha256:${'0'.repeat(64)}`,
    })
    const current = rest.addRun({ workflow: 'digest.yml', branch: 'main', status: 'in_progress' })
    const parent = parentDir()
    const result = await fetchPrevious(
      request(rest.runEnv(current.id), rest.newToken(), 'snap-digest'),
      parent,
    )
    expect(result.kind).toBe('failed')
    expect((result as { warning: string }).warning).toContain('does not match the digest')
    expect(readdirSync(parent)).toEqual([])
  })

  it('warns without any REST call on GitHub Enterprise Server and outside a runner', async ({
    expect,
  }) => {
    const current = rest.addRun({ workflow: 'ghes.yml', branch: 'main', status: 'in_progress' })
    const token = rest.newToken()
    const env = rest.runEnv(current.id)

    const ghes = await fetchPrevious(
      request({ ...env, GITHUB_SERVER_URL: 'https://ghe.example.com' }, token, 'snap-ghes'),
      parentDir(),
    )
    expect(ghes).toMatchObject({ kind: 'unsupported', calls: 0 })
    expect((ghes as { warning: string }).warning).toContain(
      'does not work on GitHub Enterprise Server (GITHUB_SERVER_URL=https://ghe.example.com)',
    )
    expect((ghes as { warning: string }).warning).toContain('actions/cache')

    const { GITHUB_ACTIONS: _, ...outside } = env
    const local = await fetchPrevious(request(outside, token, 'snap-ghes'), parentDir())
    expect(local).toMatchObject({ kind: 'unsupported', calls: 0 })
    expect((local as { warning: string }).warning).toContain('needs a GitHub Actions workflow run')
    expect(callsOf(token)).toEqual([])

    // GHE.com (data residency) is not GHES: the lookup runs there.
    const gheCom = await fetchPrevious(
      request({ ...env, GITHUB_SERVER_URL: 'https://acme.ghe.com' }, token, 'snap-ghes'),
      parentDir(),
    )
    expect(gheCom.kind).toBe('none')
    expect(callsOf(token)).toHaveLength(1)
  })

  it('fails with one warning and no call for an empty token or a bad environment', async ({
    expect,
  }) => {
    const current = rest.addRun({ workflow: 'env.yml', branch: 'main', status: 'in_progress' })
    const env = rest.runEnv(current.id)
    const before = rest.calls.length
    const cases: Array<[AutoRequest, string]> = [
      [request(env, '', 'snap-env'), '`github-token` is empty'],
      [
        request({ ...env, GITHUB_WORKFLOW_REF: 'nonsense' }, 'x', 'snap-env'),
        'GITHUB_WORKFLOW_REF=nonsense does not name a workflow file',
      ],
      [
        request({ ...env, GITHUB_RUN_ID: 'abc' }, 'x', 'snap-env'),
        'GITHUB_RUN_ID=abc is not a run id',
      ],
      [
        request({ ...env, GITHUB_REPOSITORY: 'flat' }, 'x', 'snap-env'),
        'GITHUB_REPOSITORY=flat is not `owner/name`',
      ],
      [
        request(
          { ...env, GITHUB_EVENT_NAME: 'pull_request', GITHUB_BASE_REF: '' },
          'x',
          'snap-env',
        ),
        'GITHUB_BASE_REF is empty for a `pull_request` event',
      ],
    ]
    for (const [req, text] of cases) {
      const result = await fetchPrevious(req, parentDir())
      expect(result).toMatchObject({ kind: 'failed', calls: 0 })
      expect((result as { warning: string }).warning).toContain(text)
    }
    // Concurrent tests call too, but none without a token.
    expect(
      rest.calls.slice(before).filter((c) => c.token === undefined || c.token === 'x'),
    ).toEqual([])
  })

  it('reports a rejected token (401) and a rate limit as such', async ({ expect }) => {
    const current = rest.addRun({ workflow: 'auth.yml', branch: 'main', status: 'in_progress' })
    const env = rest.runEnv(current.id)
    const bogus = await fetchPrevious(
      request(env, 'ghs_not_issued_by_the_stand_in', 'snap-auth'),
      parentDir(),
    )
    expect((bogus as { warning: string }).warning).toContain(
      'answered 401 (Bad credentials): github-token was rejected',
    )

    const token = rest.newToken()
    rest.failNext({
      token,
      status: 403,
      message: 'API rate limit exceeded',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2000000000' },
    })
    const limited = await fetchPrevious(request(env, token, 'snap-auth'), parentDir())
    const warning = (limited as { warning: string }).warning
    expect(warning).toContain(
      'rate limit of github-token is used up until 2033-05-18T03:33:20.000Z',
    )
    expect(warning).not.toContain('actions: read')
  })

  it('reports a 404 for a workflow the token cannot see', async ({ expect }) => {
    const current = rest.addRun({ workflow: 'seen.yml', branch: 'main', status: 'in_progress' })
    const env = {
      ...rest.runEnv(current.id),
      GITHUB_WORKFLOW_REF: `${FIXTURE_REPOSITORY}/.github/workflows/unseen.yml@refs/heads/main`,
    }
    const result = await fetchPrevious(request(env, rest.newToken(), 'snap-404'), parentDir())
    expect(result.kind).toBe('failed')
    expect((result as { warning: string }).warning).toContain(
      'workflows/unseen.yml/runs answered 404 (Not Found)',
    )
  })

  it('gives up at its time limit with one warning', async ({ expect }) => {
    const current = rest.addRun({ workflow: 'slow.yml', branch: 'main', status: 'in_progress' })
    const token = rest.newToken()
    rest.failNext({ token, hang: true, status: 0 })
    const result = await fetchPrevious(
      { ...request(rest.runEnv(current.id), token, 'snap-slow'), timeoutMs: 500 },
      parentDir(),
    )
    expect(result.kind).toBe('failed')
    expect((result as { warning: string }).warning).toContain(
      'gave up after 0.5 s, its time limit, during GET',
    )
  })

  it(`never makes more than ${MAX_CALLS} REST calls, the download included`, async ({ expect }) => {
    // 800 newer artifacts of the same name from other branches bury the one to find.
    const seedFlood = async (wf: string, name: string, count: number) => {
      const target = rest.addRun({ workflow: wf, branch: 'main', createdAt: ago(2000) })
      const artifact = await rest.addArtifact({
        runId: target.id,
        name,
        files: { 'index.json': '"deep"' },
        createdAt: ago(1999),
      })
      for (let i = 0; i < count; i += 100) {
        const other = rest.addRun({
          workflow: 'flood-prs.yml',
          branch: `pr-${i}`,
          createdAt: ago(1000 - i),
        })
        for (let j = 0; j < 100 && i + j < count; j++) {
          await rest.addArtifact({
            runId: other.id,
            name,
            withoutBlob: true,
            createdAt: ago(999 - i - j / 200),
          })
        }
      }
      const current = rest.addRun({ workflow: wf, branch: 'main', status: 'in_progress' })
      return { artifact, env: rest.runEnv(current.id) }
    }

    // 1 run list + 8 pages (the 8th holds the target) + the download = exactly the limit.
    const reachable = await seedFlood('flood-a.yml', 'snap-flood-a', 750)
    const token = rest.newToken()
    const got = found(
      await fetchPrevious(request(reachable.env, token, 'snap-flood-a'), parentDir()),
    )
    expect(got.artifactId).toBe(reachable.artifact.id)
    expect(filesIn(got.dir)).toEqual({ 'index.json': '"deep"' })
    expect(callsOf(token)).toHaveLength(MAX_CALLS)
    expect(
      callsOf(token)
        .filter((c) => c.path.endsWith('/artifacts'))
        .map((c) => c.query.page),
    ).toEqual(['1', '2', '3', '4', '5', '6', '7', '8'])

    // One page deeper is out of reach: a notice that says why, and one call stays unused.
    const buried = await seedFlood('flood-b.yml', 'snap-flood-b', 800)
    const other = rest.newToken()
    const none = await fetchPrevious(request(buried.env, other, 'snap-flood-b'), parentDir())
    expect(none.kind).toBe('none')
    expect((none as { notice: string }).notice).toContain('among the newest 800 of that name')
    expect((none as { notice: string }).notice).toContain('give this one its own `artifact-name`')
    expect(callsOf(other)).toHaveLength(MAX_CALLS - 1)
  })
})

// Not concurrent: it changes process.env.GITHUB_SERVER_URL, which the library reads per call.
describe('the library failing before its first await', () => {
  it('still makes one warning: the warning the library prints itself never reaches stdout', async ({
    expect,
  }) => {
    const run = rest.addRun({ workflow: 'sync.yml', branch: 'main', createdAt: ago(60) })
    await rest.addArtifact({ runId: run.id, name: 'snap-sync', files: { 'index.json': '{}' } })
    const current = rest.addRun({ workflow: 'sync.yml', branch: 'main', status: 'in_progress' })
    const token = rest.newToken()
    // The request says github.com, but process.env, which the library reads, says GHES: the
    // library refuses before its first await, the one path where it prints its own
    // `::warning::` (this test fails when the filter in auto.ts does not drop it).
    const saved = process.env.GITHUB_SERVER_URL
    process.env.GITHUB_SERVER_URL = 'https://ghe.example.com'
    const seen = stdout.length
    let result: FetchResult
    try {
      result = await fetchPrevious(
        request(rest.runEnv(current.id), token, 'snap-sync'),
        parentDir(),
      )
    } finally {
      if (saved === undefined) delete process.env.GITHUB_SERVER_URL
      else process.env.GITHUB_SERVER_URL = saved
    }
    expect(result.kind).toBe('failed')
    expect((result as { warning: string }).warning).toContain('not currently supported on GHES')
    expect(stdout.slice(seen).filter((l) => l.startsWith('::warning::'))).toEqual([])
    // The library stopped before its REST call.
    expect(callsOf(token).some((c) => c.path.endsWith('/zip'))).toBe(false)
  })
})

describe('the REST stand-in', () => {
  it('lists in whole seconds, answers 410 for an expired zip and 401 for unknown tokens', async ({
    expect,
  }) => {
    const run = rest.addRun({ workflow: 'stand-in.yml', branch: 'main', createdAt: ago(5) })
    const gone = await rest.addArtifact({
      runId: run.id,
      name: 'stand-in',
      files: { a: 'a' },
      expired: true,
    })
    expect(gone.createdAt).toBe(restTime(gone.createdAt as string))
    expect(gone.createdAt).toMatch(/:\d\dZ$/)
    const token = rest.newToken()
    const get = (path: string, auth = `Bearer ${token}`) =>
      fetch(`${rest.url}${path}`, { headers: { Authorization: auth }, redirect: 'manual' })
    expect((await get(`${repoPath}/artifacts/${gone.id}/zip`)).status).toBe(410)
    expect((await get(`${repoPath}/artifacts`, 'Bearer nope')).status).toBe(401)
    expect((await get(`/repos/other/repo/actions/artifacts`)).status).toBe(404)
  })
})
