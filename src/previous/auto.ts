/**
 * `previous: auto`: finds the previous beat's snapshots artifact through the GitHub REST API and
 * downloads it with @actions/artifact, so a cron workflow needs no cache or download step.
 *
 * Contract (SPEC, "World hash and change detection"): the newest unexpired artifact named
 * `artifact-name` from an earlier attempt of this run, or from an earlier completed run (any
 * conclusion) of the same workflow file on the same branch (the base branch for pull_request
 * and pull_request_target). At most MAX_CALLS REST calls, the download's included, and at most
 * TIMEOUT_MS in all. Nothing here prints or throws: every outcome is data, and a failure is
 * exactly one warning text that names the cause and the fix. The caller prints it.
 *
 * The REST calls, in order (GITHUB_API_URL, `Authorization: Bearer <github-token>`):
 * 1. Only when GITHUB_RUN_ATTEMPT > 1: `GET /repos/{o}/{r}/actions/runs/{run_id}`, whose
 *    `run_started_at` is the start of the current attempt. An artifact of this run created
 *    before it belongs to an earlier attempt; one created since belongs to the current attempt
 *    (another job of it, say) and is not a previous beat.
 * 2. `GET /repos/{o}/{r}/actions/workflows/{file}/runs?branch=…&status=completed&per_page=100`:
 *    the ids of the newest 100 completed runs of this workflow file on the branch, whatever
 *    their conclusion. Runs whose head repository is another one (pull requests from forks,
 *    whose head branch may share the name) are left out.
 * 3. `GET /repos/{o}/{r}/actions/artifacts?name=…&per_page=100&page=k`, k = 1, 2, … while the
 *    call budget lasts (one call stays reserved for the download): the repository's artifacts
 *    of that name, which the API lists newest first, each naming its run. Paging stops at the
 *    first page holding a match (expired or not: older pages hold older artifacts) or at a
 *    short page (the end). One listing of the repository covers far more history than one call
 *    per run would: a run that uploaded nothing (cancelled, skipped) costs nothing.
 * 4. The download: @actions/artifact's `findBy` path calls
 *    `GET /repos/{o}/{r}/actions/artifacts/{id}/zip`, which answers 302 to the blob, then
 *    streams and unzips the blob (no REST call).
 *
 * @actions/artifact pitfalls handled here:
 * - `DefaultArtifactClient` methods print `::warning::` through @actions/core before they
 *   rethrow, which would make two warnings of one failure. In @actions/artifact 6 that happens
 *   only for errors thrown before the method's first await (its GHES check, which reads
 *   process.env): the method returns the download's promise without awaiting it, so later
 *   failures reach us silently. A version that awaits would warn for every failure. The library
 *   exports no warning-free download (`downloadArtifactPublic` is internal, behind the package's
 *   `exports`, and out of ncc's reach by path), so while a download is in flight the one line
 *   it writes (`::warning::Download Artifact failed with error: …`) is dropped on its way to
 *   stdout, whichever version is installed; every other write passes. See `muteLibraryWarning`.
 * - It retries a failed blob download 5 times, 5 s apart, and logs each cause only as
 *   `::debug::`, throwing "failed after 5 retries". That cause ("Not a valid zip file" for a
 *   corrupt artifact) is read off those debug lines so the warning can name it.
 * - @actions/github, which it uses for the REST call, reads GITHUB_API_URL (and the proxy
 *   settings for it) from process.env once, at its first import. So the library is imported
 *   only after checking that process.env agrees with the request, and a later request for
 *   another API URL in the same process is refused rather than sent to the first one.
 * - It cannot be aborted: when TIMEOUT_MS passes first, the lookup gives up and the download
 *   runs out in the background (its folder is removed once it settles).
 *
 * Self-hosted runners behind a proxy: the lookup uses Node's `fetch`, which does not read
 * HTTPS_PROXY; where only a proxy reaches the API, the lookup fails with one network warning.
 */
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { isGhes } from '../upload/artifact.js'
import { messageOf } from '../util.js'

/** REST calls per lookup, the download's included (SPEC). */
export const MAX_CALLS = 10
/** The whole of `previous: auto`, lookup and download (SPEC). */
export const TIMEOUT_MS = 30_000

const DEFAULT_API_URL = 'https://api.github.com'
const API_VERSION = '2022-11-28'
const USER_AGENT = 'looop-sense (previous: auto)'
const PER_PAGE = 100
/** Sentence that ends every warning: what happens next. */
const GOING_ON = 'This run goes on without previous snapshots: every snapshot counts as changed.'
const PERMISSIONS_FIX =
  'add `permissions: actions: read` to the workflow or the job (with any other permission it ' +
  'needs, e.g. `contents: read`: listing permissions drops the unlisted ones)'

export interface AutoRequest {
  /** The GITHUB_* variables of the run; in the action, `process.env`. */
  env: NodeJS.ProcessEnv
  /** `github-token`. */
  token: string
  /** `artifact-name`. */
  artifactName: string
  /** The overall limit in ms; TIMEOUT_MS unless a test needs a shorter one. */
  timeoutMs?: number
}

/** Where the previous beat was found. */
export interface Found {
  kind: 'found'
  artifactId: number
  runId: number
  /** The artifact's `created_at` (RFC 3339). */
  createdAt: string
  /** `earlier-attempt`: of this very run; `earlier-run`: of the same workflow file and branch. */
  from: 'earlier-attempt' | 'earlier-run'
  /** The branch searched: the run's, or the base branch of a pull request. */
  branch: string
  /** `sha256:<hex>` as the API lists it; the download is checked against it. */
  digest?: string
  /** REST calls made so far. */
  calls: number
}

/** No previous beat: a first run, or only expired artifacts. Not a problem: a notice. */
export interface NotFound {
  kind: 'none'
  notice: string
  calls: number
}

/** The lookup or the download failed: one warning; the run goes on with an empty `previous`. */
export interface Failure {
  kind: 'failed'
  warning: string
  calls: number
}

/**
 * `auto` cannot work here at all (outside a workflow run, or on GitHub Enterprise Server): one
 * warning, no REST call, and the run goes on as if `previous` were unset (SPEC), which differs
 * from a failure, where it goes on as with an empty `previous`.
 */
export interface Unsupported {
  kind: 'unsupported'
  warning: string
  calls: 0
}

export type Lookup = Found | NotFound | Failure | Unsupported

/** The previous beat downloaded into `dir`, a new folder under the given parent. */
export interface Fetched extends Omit<Found, 'kind'> {
  kind: 'found'
  dir: string
}

export type FetchResult = Fetched | NotFound | Failure | Unsupported

/** Everything known about this run that the lookup needs, read from the environment. */
interface Target {
  apiUrl: string
  owner: string
  repo: string
  runId: number
  runAttempt: number
  /** `.github/workflows/x.yml`. */
  workflowPath: string
  branch: string
  event: string
}

/** A failure whose message is the complete warning. */
class LookupError extends Error {}

interface Context {
  target: Target
  req: AutoRequest
  signal: AbortSignal
  deadline: number
  timeoutMs: number
  calls: number
}

/**
 * Finds the previous beat's artifact without downloading it. Never throws, never prints.
 * Leaves one call of the MAX_CALLS budget for the download.
 */
export async function findPreviousArtifact(req: AutoRequest): Promise<Lookup> {
  const started = begin(req)
  if ('kind' in started) return started
  return find(started)
}

/**
 * Finds the previous beat and downloads it into a new folder under `parentDir` (RUNNER_TEMP in
 * the action; created when missing). Never throws, never prints: on `found`, `dir` holds the
 * artifact's files; on any other outcome no folder is left behind (a download that outlives
 * the time limit removes its folder when it ends).
 */
export async function fetchPrevious(req: AutoRequest, parentDir: string): Promise<FetchResult> {
  const started = begin(req)
  if ('kind' in started) return started
  const found = await find(started)
  if (found.kind !== 'found') return found
  const ctx = started

  let dir: string
  try {
    await mkdir(parentDir, { recursive: true })
    dir = await mkdtemp(join(parentDir, 'looop-previous-'))
  } catch (err) {
    return {
      kind: 'failed',
      warning:
        `previous: auto found artifact ${found.artifactId} of run ${found.runId} but cannot ` +
        `create a folder for it under ${parentDir}: ${messageOf(err)}. Check that RUNNER_TEMP ` +
        `is a writable folder. ${GOING_ON}`,
      calls: ctx.calls,
    }
  }
  try {
    await download(ctx, found, dir)
  } catch (err) {
    return {
      kind: 'failed',
      warning: err instanceof LookupError ? err.message : unexpected(err),
      calls: ctx.calls,
    }
  }
  const { kind: _, ...rest } = found
  return { kind: 'found', ...rest, calls: ctx.calls, dir }
}

function begin(req: AutoRequest): Context | Failure | Unsupported {
  const target = targetOf(req)
  if ('kind' in target) return target
  const timeoutMs = req.timeoutMs ?? TIMEOUT_MS
  return {
    target,
    req,
    timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
    deadline: Date.now() + timeoutMs,
    calls: 0,
  }
}

async function find(ctx: Context): Promise<Found | NotFound | Failure> {
  try {
    return await lookup(ctx)
  } catch (err) {
    return {
      kind: 'failed',
      warning: err instanceof LookupError ? err.message : unexpected(err),
      calls: ctx.calls,
    }
  }
}

/** Reads and checks the run's environment; every problem names the variable and its value. */
function targetOf(req: AutoRequest): Target | Failure | Unsupported {
  const env = req.env
  if (env.GITHUB_ACTIONS !== 'true') {
    return {
      kind: 'unsupported',
      warning:
        'previous: auto needs a GitHub Actions workflow run (GITHUB_ACTIONS is not `true`), so it ' +
        'is ignored here and no REST call is made. To compare with earlier snapshots outside a ' +
        'runner, pass their folder as `previous`.',
      calls: 0,
    }
  }
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  if (isGhes(server)) {
    return {
      kind: 'unsupported',
      warning:
        `previous: auto does not work on GitHub Enterprise Server (GITHUB_SERVER_URL=${server}): ` +
        '@actions/artifact supports only github.com and GHE.com, so it is ignored and no REST ' +
        'call is made. Restore the previous snapshots with actions/cache instead and pass that ' +
        'folder as `previous`.',
      calls: 0,
    }
  }
  const failed = (cause: string): Failure => ({
    kind: 'failed',
    warning: `previous: auto cannot look for the previous snapshots: ${cause} ${GOING_ON}`,
    calls: 0,
  })
  if (!req.token) {
    return failed(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow expression, literally
      '`github-token` is empty. Leave it unset (its default is `${{ github.token }}`) or pass a ' +
        'token with `actions: read`.',
    )
  }
  if (!req.artifactName) {
    return failed('`artifact-name` is empty; set it to the name the snapshots are uploaded under.')
  }
  const runner = 'The runner sets it for every job; do not override it in `env:`.'
  const apiUrl = (env.GITHUB_API_URL || DEFAULT_API_URL).replace(/\/+$/, '')
  if (!URL.canParse(apiUrl) || !/^https?:$/.test(new URL(apiUrl).protocol)) {
    return failed(`GITHUB_API_URL=${env.GITHUB_API_URL} is not an http(s) URL. ${runner}`)
  }
  const repository = env.GITHUB_REPOSITORY ?? ''
  const [owner, repo, extra] = repository.split('/')
  if (!owner || !repo || extra !== undefined) {
    return failed(`GITHUB_REPOSITORY=${repository} is not \`owner/name\`. ${runner}`)
  }
  const runId = Number(env.GITHUB_RUN_ID)
  if (!env.GITHUB_RUN_ID || !Number.isSafeInteger(runId) || runId <= 0) {
    return failed(`GITHUB_RUN_ID=${env.GITHUB_RUN_ID ?? ''} is not a run id. ${runner}`)
  }
  const runAttempt = env.GITHUB_RUN_ATTEMPT ? Number(env.GITHUB_RUN_ATTEMPT) : 1
  if (!Number.isSafeInteger(runAttempt) || runAttempt < 1) {
    return failed(
      `GITHUB_RUN_ATTEMPT=${env.GITHUB_RUN_ATTEMPT} is not an attempt number. ${runner}`,
    )
  }
  const workflowPath = workflowPathOf(env.GITHUB_WORKFLOW_REF ?? '', repository)
  if (!workflowPath) {
    return failed(
      `GITHUB_WORKFLOW_REF=${env.GITHUB_WORKFLOW_REF ?? ''} does not name a workflow file ` +
        `(expected \`${repository}/.github/workflows/<file>@<ref>\`). ${runner}`,
    )
  }
  const event = env.GITHUB_EVENT_NAME ?? ''
  // A pull request compares with its base branch's last state (SPEC). GITHUB_BASE_REF is set
  // for exactly these two events; GITHUB_REF_NAME of a pull_request is `<n>/merge`.
  const pullRequest = event === 'pull_request' || event === 'pull_request_target'
  const branch = pullRequest ? env.GITHUB_BASE_REF : env.GITHUB_REF_NAME
  if (!branch) {
    const name = pullRequest ? 'GITHUB_BASE_REF' : 'GITHUB_REF_NAME'
    return failed(`${name} is empty for a \`${event}\` event, so the branch is unknown. ${runner}`)
  }
  return { apiUrl, owner, repo, runId, runAttempt, workflowPath, branch, event }
}

/** `owner/repo/.github/workflows/x.yml@refs/heads/main` → `.github/workflows/x.yml`. */
function workflowPathOf(ref: string, repository: string): string | undefined {
  const at = ref.lastIndexOf('@')
  const path = at < 0 ? ref : ref.slice(0, at)
  const prefix = `${repository}/`
  const rel = path.startsWith(prefix)
    ? path.slice(prefix.length)
    : path.split('/').slice(2).join('/')
  return /^\.github\/workflows\/[^/]+$/.test(rel) ? rel : undefined
}

interface ApiRun {
  id: number
  status?: string
  head_branch?: string | null
  repository?: { id?: number }
  head_repository?: { id?: number } | null
}

interface ApiArtifact {
  id: number
  name: string
  expired?: boolean
  created_at?: string | null
  expires_at?: string | null
  digest?: string | null
  workflow_run?: { id?: number } | null
}

async function lookup(ctx: Context): Promise<Found | NotFound> {
  const { owner, repo, runId, runAttempt, workflowPath, branch } = ctx.target
  const base = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/actions`
  const name = ctx.req.artifactName

  let attemptStart: number | undefined
  if (runAttempt > 1) {
    const run = await get<{ run_started_at?: string }>(ctx, `${base}/runs/${runId}`)
    attemptStart = Date.parse(run.run_started_at ?? '')
    if (Number.isNaN(attemptStart)) {
      throw new LookupError(
        `previous: auto got no \`run_started_at\` for run ${runId} from ${ctx.target.apiUrl}, so ` +
          `it cannot tell earlier attempts from this one. Check GITHUB_API_URL. ${GOING_ON}`,
      )
    }
  }

  const file = workflowPath.split('/').at(-1) as string
  const listed = await get<{ workflow_runs?: ApiRun[] }>(
    ctx,
    `${base}/workflows/${encodeURIComponent(file)}/runs`,
    { branch, status: 'completed', exclude_pull_requests: 'true', per_page: String(PER_PAGE) },
  )
  const earlierRuns = new Set(
    (listed.workflow_runs ?? [])
      .filter(
        (r) =>
          r.id !== runId &&
          r.status === 'completed' &&
          r.head_branch === branch &&
          // A fork's pull request may come from a branch of the same name.
          (r.head_repository?.id === undefined || r.head_repository.id === r.repository?.id),
      )
      .map((r) => r.id),
  )

  const where =
    `workflow ${workflowPath} on branch ${branch}` +
    (attemptStart === undefined ? '' : `, nor from an earlier attempt of run ${runId}`)
  if (earlierRuns.size === 0 && attemptStart === undefined) {
    return none(ctx, `no earlier completed run of ${where}`)
  }

  let best: { artifact: ApiArtifact; from: Found['from']; created: number } | undefined
  let newestExpired: ApiArtifact | undefined
  let expiredCount = 0
  let scanned = 0
  let complete = false
  for (let page = 1; ctx.calls < MAX_CALLS - 1; page++) {
    const list = await get<{ artifacts?: ApiArtifact[] }>(ctx, `${base}/artifacts`, {
      name,
      per_page: String(PER_PAGE),
      page: String(page),
    })
    const artifacts = list.artifacts ?? []
    scanned += artifacts.length
    let matched = false
    for (const artifact of artifacts) {
      const created = Date.parse(artifact.created_at ?? '')
      const run = artifact.workflow_run?.id
      if (artifact.name !== name || run === undefined || Number.isNaN(created)) continue
      let from: Found['from'] | undefined
      if (earlierRuns.has(run)) from = 'earlier-run'
      // Strictly before: the API's times are whole seconds, and an artifact of the current
      // attempt may share the second the attempt started in.
      else if (run === runId && attemptStart !== undefined && created < attemptStart) {
        from = 'earlier-attempt'
      }
      if (!from) continue
      matched = true
      if (isExpired(artifact)) {
        expiredCount++
        if (!newestExpired || created > Date.parse(newestExpired.created_at ?? '')) {
          newestExpired = artifact
        }
        continue
      }
      if (!best || created > best.created) best = { artifact, from, created }
    }
    if (artifacts.length < PER_PAGE) complete = true
    if (matched || complete) break
  }

  if (best) {
    const { artifact, from } = best
    return {
      kind: 'found',
      artifactId: artifact.id,
      runId: artifact.workflow_run?.id as number,
      createdAt: artifact.created_at as string,
      from,
      branch,
      ...(artifact.digest ? { digest: artifact.digest } : {}),
      calls: ctx.calls,
    }
  }
  if (newestExpired) {
    return none(
      ctx,
      `only expired artifacts named "${name}" from ${where} (${expiredCount}; the newest, of run ` +
        `${newestExpired.workflow_run?.id}, expired at ${newestExpired.expires_at}). Set ` +
        '`retention-days` longer than the time between two runs to keep the previous one',
    )
  }
  if (!complete) {
    return none(
      ctx,
      `no artifact named "${name}" from ${where} among the newest ${scanned} of that name ` +
        `(the lookup stops after ${MAX_CALLS} REST calls); other workflows or branches upload ` +
        'under the same name: give this one its own `artifact-name`',
    )
  }
  const prHint =
    ctx.target.event === 'pull_request' || ctx.target.event === 'pull_request_target'
      ? `; a pull request compares with the base branch, so the workflow must also run on ${branch} (on push or on a schedule)`
      : ''
  return none(ctx, `no artifact named "${name}" from ${where}${prHint}`)
}

function none(ctx: Context, what: string): NotFound {
  return {
    kind: 'none',
    notice:
      `previous: auto found ${what}. This looks like a first run: every snapshot counts as ` +
      'changed.',
    calls: ctx.calls,
  }
}

function isExpired(artifact: ApiArtifact): boolean {
  if (artifact.expired) return true
  const expires = Date.parse(artifact.expires_at ?? '')
  return !Number.isNaN(expires) && expires <= Date.now()
}

/** One REST call, counted against MAX_CALLS, bounded by the overall deadline. */
async function get<T>(ctx: Context, path: string, query: Record<string, string> = {}): Promise<T> {
  if (ctx.calls >= MAX_CALLS) {
    // Unreachable by construction (the lookup plans its calls); kept as the hard bound.
    throw new LookupError(
      `previous: auto stopped at its limit of ${MAX_CALLS} REST calls. ${GOING_ON}`,
    )
  }
  ctx.calls++
  const url = new URL(ctx.target.apiUrl + path)
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value)
  const what = `GET ${url.pathname}`
  let res: Response
  let text: string
  try {
    res = await fetch(url, {
      headers: {
        Authorization: `Bearer ${ctx.req.token}`,
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': API_VERSION,
        'User-Agent': USER_AGENT,
      },
      signal: ctx.signal,
    })
    text = await res.text()
  } catch (err) {
    if (ctx.signal.aborted) throw timedOut(ctx, what)
    throw new LookupError(
      `previous: auto could not reach the GitHub API at ${ctx.target.apiUrl} (${what}): ` +
        `${causeOf(err)}. Check GITHUB_API_URL and the runner's network; the next run tries ` +
        `again. ${GOING_ON}`,
    )
  }
  if (!res.ok) throw httpError(ctx, what, res.status, res.headers, apiMessage(text))
  try {
    return JSON.parse(text) as T
  } catch {
    throw new LookupError(
      `previous: auto got an answer that is not JSON from ${what} at ${ctx.target.apiUrl} ` +
        `(${text.slice(0, 80)}). Check GITHUB_API_URL. ${GOING_ON}`,
    )
  }
}

function apiMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message
    if (typeof message === 'string' && message) return message
  } catch {
    // Not JSON: the status alone tells the story.
  }
  return text.trim().slice(0, 120)
}

/** A REST error status turned into the one warning, with the fix that status calls for. */
function httpError(
  ctx: Context,
  what: string,
  status: number,
  headers: Headers,
  message: string,
): LookupError {
  const said = `${what} answered ${status}${message ? ` (${message})` : ''}`
  const lead = 'previous: auto could not look for the previous snapshots:'
  if ((status === 403 || status === 429) && headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'))
    const at =
      Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : ''
    return new LookupError(
      `${lead} ${said}: the API rate limit of github-token is used up${at}. The next run tries ` +
        `again; pass a token with its own limit in \`github-token\` if this recurs. ${GOING_ON}`,
    )
  }
  if (status === 401) {
    return new LookupError(
      `${lead} ${said}: github-token was rejected. Leave \`github-token\` unset to use the ` +
        `job's token, or pass a valid one. ${GOING_ON}`,
    )
  }
  if (status === 403) {
    return new LookupError(
      `${lead} ${said}: github-token may not read this repository's Actions data. To fix it, ` +
        `${PERMISSIONS_FIX}. ${GOING_ON}`,
    )
  }
  if (status === 404) {
    return new LookupError(
      `${lead} ${said}: github-token cannot see ${ctx.target.owner}/${ctx.target.repo} or its ` +
        `workflow ${ctx.target.workflowPath}. A token for another repository, or one without ` +
        `Actions access, gets 404 here: leave \`github-token\` unset or ${PERMISSIONS_FIX}. ` +
        GOING_ON,
    )
  }
  return new LookupError(
    `${lead} ${said}. This is usually temporary on GitHub's side; the next run tries again. ` +
      GOING_ON,
  )
}

function timedOut(ctx: Context, what: string): LookupError {
  return new LookupError(
    `previous: auto gave up after ${ctx.timeoutMs / 1000} s, its time limit, during ${what}. ` +
      `The GitHub API or the artifact storage is slow; the next run tries again. ${GOING_ON}`,
  )
}

/** The API URL the artifact library was first loaded with (see the header). */
let libraryApiUrl: string | undefined

async function download(ctx: Context, found: Found, dir: string): Promise<void> {
  const { owner, repo, apiUrl } = ctx.target
  const subject = `artifact "${ctx.req.artifactName}" (id ${found.artifactId}) of run ${found.runId}`
  const envUrl = (process.env.GITHUB_API_URL || DEFAULT_API_URL).replace(/\/+$/, '')
  const boundTo = libraryApiUrl ?? envUrl
  if (boundTo !== apiUrl) {
    await rm(dir, { recursive: true, force: true })
    throw new LookupError(
      `previous: auto found ${subject} but cannot download it: the request's GITHUB_API_URL ` +
        `(${apiUrl}) differs from ${boundTo}, which @actions/artifact uses (it reads ` +
        `process.env once). Pass process.env as the request's env. ${GOING_ON}`,
    )
  }

  let mod: typeof import('@actions/artifact')
  try {
    mod = await import('@actions/artifact')
    libraryApiUrl ??= apiUrl
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw new LookupError(
      `previous: auto found ${subject} but could not load @actions/artifact to download it: ` +
        `${messageOf(err)}. ${GOING_ON}`,
    )
  }

  if (ctx.calls >= MAX_CALLS)
    throw new LookupError(`previous: auto has no REST call left. ${GOING_ON}`)
  ctx.calls++
  const retryCauses: string[] = []
  const release = muteLibraryWarning((cause) => retryCauses.push(cause))
  const job = new mod.DefaultArtifactClient().downloadArtifact(found.artifactId, {
    path: dir,
    ...(found.digest ? { expectedHash: found.digest } : {}),
    findBy: {
      token: ctx.req.token,
      workflowRunId: found.runId,
      repositoryOwner: owner,
      repositoryName: repo,
    },
  })
  // The library cannot be aborted: whatever wins the race below, the mute stays until the
  // download settles (else its late warning would print), and a download that outlived the
  // time limit removes its folder when it ends.
  let timedOutFirst = false
  const settled = job.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  void settled.then(async () => {
    release()
    if (timedOutFirst) await rm(dir, { recursive: true, force: true }).catch(() => {})
  })
  const outcome = await Promise.race([settled, abortOf(ctx.signal)])
  if (outcome === 'aborted') {
    timedOutFirst = true
    const last = retryCauses.at(-1)
    throw new LookupError(
      `previous: auto gave up after ${ctx.timeoutMs / 1000} s, its time limit, while ` +
        `downloading ${subject}${last ? ` (last attempt: ${last})` : ''}. The artifact storage ` +
        `is slow or the artifact is damaged; the next run tries again. ${GOING_ON}`,
    )
  }
  if (!outcome.ok) {
    await rm(dir, { recursive: true, force: true })
    throw downloadError(subject, found.runId, outcome.error, retryCauses)
  }

  if (outcome.value.digestMismatch) {
    await rm(dir, { recursive: true, force: true })
    throw new LookupError(
      `previous: auto downloaded ${subject}, but its content does not match the digest ` +
        `${found.digest} the API lists: the artifact is corrupt. Delete it from run ` +
        `${found.runId} (the next run then uses an older one or starts afresh). ${GOING_ON}`,
    )
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  if (!entries.some((e) => e.isFile())) {
    await rm(dir, { recursive: true, force: true })
    throw new LookupError(
      `previous: auto downloaded ${subject}, but it holds no files: the artifact is empty or ` +
        `corrupt. Delete it from run ${found.runId}; the next upload replaces it. ${GOING_ON}`,
    )
  }
}

function downloadError(
  subject: string,
  runId: number,
  error: unknown,
  retryCauses: string[],
): LookupError {
  const status = (error as { status?: unknown }).status
  const lead = `previous: auto found ${subject} but could not download it:`
  if (status === 401 || status === 403) {
    return new LookupError(
      `${lead} the zip endpoint answered ${status} (${messageOf(error)}). To fix it, ` +
        `${PERMISSIONS_FIX}. ${GOING_ON}`,
    )
  }
  if (status === 404 || status === 410) {
    return new LookupError(
      `${lead} the zip endpoint answered ${status}: it expired or was deleted after the lookup ` +
        `listed it. The next run looks again. ${GOING_ON}`,
    )
  }
  const cause = retryCauses.at(-1)
  const corrupt = cause !== undefined && /zip/i.test(cause)
  return new LookupError(
    `${lead} ${messageOf(error)}${cause ? ` (cause: ${cause})` : ''}. ` +
      (corrupt
        ? `The artifact is corrupt: delete it from run ${runId}; the next ` +
          'run then uses an older one or starts afresh. '
        : 'The artifact storage may be unreachable from this runner; the next run tries again. ') +
      GOING_ON,
  )
}

function abortOf(signal: AbortSignal): Promise<'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted')
  return new Promise((done) =>
    signal.addEventListener('abort', () => done('aborted'), { once: true }),
  )
}

/**
 * The exact start of the line @actions/artifact's `downloadArtifact` prints through
 * `core.warning` before it rethrows (lib/internal/client.js). @actions/core writes a workflow
 * command as one `process.stdout.write` of one line (newlines escaped as %0A).
 */
const LIBRARY_WARNING = '::warning::Download Artifact failed with error:'
/** Its `core.debug` line for each failed blob attempt (lib/internal/download/download-artifact.js). */
const LIBRARY_RETRY =
  /^::debug::Failed to download artifact after \d+ retries due to (.*?)\. Retrying in/

let mutes = 0
const retryListeners = new Set<(cause: string) => void>()
let wrapper: typeof process.stdout.write | undefined
let unwrapped: typeof process.stdout.write | undefined

/**
 * While at least one download is in flight, drops the library's warning line from stdout and
 * reports the causes of its retries; every other write passes through untouched. The wrapper
 * is removed when the last download settles, unless someone wrapped stdout after it, in which
 * case it stays as a pass-through (removing it would remove their wrapper too).
 */
function muteLibraryWarning(onRetryCause: (cause: string) => void): () => void {
  if (mutes++ === 0) {
    if (!wrapper || process.stdout.write !== wrapper) {
      const original = process.stdout.write
      unwrapped = original
      wrapper = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
        if (mutes > 0 && typeof chunk === 'string') {
          if (chunk.startsWith(LIBRARY_WARNING)) {
            const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined
            if (callback) process.nextTick(callback)
            return true
          }
          const retry = LIBRARY_RETRY.exec(chunk)
          if (retry) {
            const cause = unescapeCommand(retry[1] as string)
            for (const listener of retryListeners) listener(cause)
          }
        }
        return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
      } as typeof process.stdout.write
      process.stdout.write = wrapper
    }
  }
  retryListeners.add(onRetryCause)
  let released = false
  return () => {
    if (released) return
    released = true
    retryListeners.delete(onRetryCause)
    if (--mutes === 0 && process.stdout.write === wrapper && unwrapped) {
      process.stdout.write = unwrapped
      wrapper = undefined
      unwrapped = undefined
    }
  }
}

function unescapeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

/** fetch rejects with "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is its cause. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause
  if (cause === undefined) return messageOf(err)
  const code = (cause as { code?: unknown }).code
  const text = messageOf(cause)
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text
}

function unexpected(err: unknown): string {
  return `previous: auto failed unexpectedly: ${messageOf(err)}. Please report this. ${GOING_ON}`
}
