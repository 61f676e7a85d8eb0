/**
 * Uploads the snapshots of this run as a workflow artifact.
 *
 * This is the only importer of `@actions/artifact`, and it imports it dynamically: the library
 * is ESM-only and heavy (Azure SDK, Octokit, protobuf), so a run that does not upload never
 * loads it, and ncc puts it in a chunk of its own.
 *
 * The library reads its configuration from `process.env` itself (ACTIONS_RUNTIME_TOKEN,
 * ACTIONS_RESULTS_URL, GITHUB_SERVER_URL, GITHUB_RETENTION_DAYS); `UploadRequest.env` serves
 * only to check the runtime, build the artifact URL and name the job in errors, so it must
 * agree with `process.env` on the runtime variables (checked below).
 */
import { lstat } from 'node:fs/promises'
import { messageOf } from '../util.js'

export interface UploadRequest {
  /** The artifact name (`artifact-name`). */
  name: string
  /** The snapshots directory (absolute); zip entries are named relative to it. */
  rootDirectory: string
  /** Absolute paths; only regular files are uploaded (see `regularFiles`). */
  files: string[]
  /** 1..90 (validated with the inputs); undefined = the repository's setting. */
  retentionDays?: number
  /** zlib level 0..9 (validated with the inputs); 0 stores the entries uncompressed. */
  compressionLevel: number
  /** Delete an artifact of the same name from this run before uploading. */
  overwrite: boolean
  env: NodeJS.ProcessEnv
}

/** An uploaded artifact, as the outputs and the summary show it. */
export interface UploadedArtifact {
  id: string
  url: string
  /**
   * The SHA-256 of the uploaded zip as 64 lowercase hex characters, without a `sha256:`
   * prefix: exactly what the client returns, and what actions/upload-artifact publishes as its
   * `artifact-digest` output, so workflows can compare the two. (The client sends the same hash
   * to the service as `sha256:<hex>`.)
   */
  digest: string
}

export interface UploadResult extends UploadedArtifact {
  /**
   * Absolute paths from `UploadRequest.files` that had vanished by the time of the upload (a
   * sensor may delete another's snapshot through SNAPSHOTS_DIR), in the given order; they are
   * left out of the zip instead of failing it. Empty when every listed file was there.
   */
  skipped: string[]
}

/** Every failure of the upload phase; the message is meant for the user as is. */
export class UploadError extends Error {
  override name = 'UploadError'
}

const RUNTIME_VARS = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const

/** True when the Actions runtime that artifact uploads need is present (as on a runner). */
export function runtimePresent(env: NodeJS.ProcessEnv): boolean {
  return RUNTIME_VARS.every((key) => Boolean(env[key]))
}

/**
 * True on GitHub Enterprise Server, where @actions/artifact (v2 and later) refuses to run: the
 * library's own test, so the two never disagree (and `previous: auto` asks this one too).
 * github.com, GHE.com (`*.ghe.com`) and `*.localhost` are not GHES; an unset
 * GITHUB_SERVER_URL means github.com; one that is not a URL is no github.com either.
 */
export function isGhes(serverUrl: string | undefined): boolean {
  let host: string
  try {
    host = new URL(serverUrl || 'https://github.com').hostname.toLowerCase()
  } catch {
    return true
  }
  return host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')
}

/**
 * Why there is no upload on GHES, and the way out: actions/upload-artifact@v3 is the line that
 * still speaks GHES's artifact service.
 */
export function ghesMessage(env: NodeJS.ProcessEnv, snapshotsDir: string): string {
  return (
    `The snapshots were not uploaded: this runner belongs to GitHub Enterprise Server ` +
    `(GITHUB_SERVER_URL is ${env.GITHUB_SERVER_URL}), where @actions/artifact does not work. ` +
    `Upload them with a step after this one: \`uses: actions/upload-artifact@v3\` with ` +
    `\`path: ${snapshotsDir}\`, and set \`upload: false\` here.`
  )
}

/**
 * Uploads `req.files` as one zip artifact and returns its id, its URL in the run's page and the
 * zip's digest. Throws `UploadError` for every failure; a name already used in this run gets a
 * message with both ways out.
 */
export async function uploadSnapshots(req: UploadRequest): Promise<UploadResult> {
  checkRequest(req)
  const { files, skipped } = await regularFiles(req.files)
  if (files.length === 0) {
    const vanished =
      skipped.length > 0 ? `; these listed files vanished: ${skipped.join(', ')}` : ''
    throw new UploadError(
      `artifact "${req.name}": no regular files to upload under ${req.rootDirectory}${vanished}`,
    )
  }

  let mod: typeof import('@actions/artifact')
  try {
    mod = await import('@actions/artifact')
  } catch (err) {
    throw new UploadError(`could not load @actions/artifact: ${messageOf(err)}`)
  }
  const client = new mod.DefaultArtifactClient()

  if (req.overwrite) {
    try {
      await client.deleteArtifact(req.name)
    } catch (err) {
      // Nothing to replace is the common case of a first run, not a failure.
      if (!(err instanceof mod.ArtifactNotFoundError)) {
        throw new UploadError(
          `overwrite: could not delete the earlier artifact "${req.name}": ${messageOf(err)}`,
        )
      }
    }
  }

  let id: number | undefined
  let digest: string | undefined
  try {
    const res = await client.uploadArtifact(req.name, files, req.rootDirectory, {
      retentionDays: req.retentionDays,
      compressionLevel: req.compressionLevel,
    })
    id = res.id
    digest = res.digest
  } catch (err) {
    throw translate(err, req)
  }
  if (id === undefined || digest === undefined) {
    throw new UploadError(
      `artifact "${req.name}": the upload returned no ${id === undefined ? 'id' : 'digest'}`,
    )
  }
  return { id: String(id), url: artifactUrl(req.env, id), digest, skipped }
}

function checkRequest(req: UploadRequest): void {
  if (!runtimePresent(req.env)) {
    throw new UploadError(
      'upload needs the GitHub Actions runtime, but ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL ' +
        'is unset: run this step on a GitHub runner, or set `upload: false`',
    )
  }
  for (const key of RUNTIME_VARS) {
    if (req.env[key] !== process.env[key]) {
      // The library reads process.env; a differing req.env would upload somewhere else than
      // the URL we report points to.
      throw new UploadError(`${key} in the upload request differs from process.env`)
    }
  }
  for (const key of ['GITHUB_REPOSITORY', 'GITHUB_RUN_ID'] as const) {
    if (!req.env[key]) {
      throw new UploadError(`upload needs ${key} to build the artifact URL, but it is unset`)
    }
  }
}

/**
 * Keeps regular files only, in the given order. The library turns a directory into a zero-byte
 * entry and follows a symlink to wherever it points; neither belongs in a snapshots artifact,
 * and both are dropped silently. A path that no longer exists (ENOENT, or ENOTDIR when a folder
 * on the way was replaced) is dropped too but reported in `skipped`: the snapshots of the
 * others are still worth uploading. Any other error (say EACCES) fails the upload.
 */
async function regularFiles(paths: string[]): Promise<{ files: string[]; skipped: string[] }> {
  const files: string[] = []
  const skipped: string[] = []
  for (const path of paths) {
    let isFile: boolean
    try {
      isFile = (await lstat(path)).isFile()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        skipped.push(path)
        continue
      }
      throw new UploadError(`file to upload cannot be read: ${path} (${messageOf(err)})`)
    }
    if (isFile) files.push(path)
  }
  return { files, skipped }
}

/**
 * The service reports a name clash only through the HTTP status in the client's error text:
 * "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: …".
 */
function translate(err: unknown, req: UploadRequest): UploadError {
  const message = messageOf(err)
  if (/\(409\)/.test(message)) {
    const job = req.env.GITHUB_JOB ? `job "${req.env.GITHUB_JOB}"` : 'this job'
    return new UploadError(
      `artifact-name "${req.name}" is already used by an artifact of this run, so ${job} ` +
        'cannot upload it. Either give each job its own name, e.g. ' +
        `\`artifact-name: ${req.name}-\${{ github.job }}\`, or set \`overwrite: true\` to ` +
        `replace the earlier artifact. (${message})`,
    )
  }
  return new UploadError(`artifact "${req.name}" upload failed: ${message}`)
}

function artifactUrl(env: NodeJS.ProcessEnv, id: number): string {
  const server = env.GITHUB_SERVER_URL || 'https://github.com'
  return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}/artifacts/${id}`
}

/** An artifact of this workflow run, as the merge step lists it. */
export interface RunArtifact {
  id: number
  name: string
  /** `sha256:<hex>` of the zip, when the service knows it. */
  digest?: string
}

/**
 * Every finalized artifact of this workflow run (the newest of each name), through the results
 * service: no token needed, the runtime's is enough. Throws UploadError with the service's
 * message.
 */
export async function listRunArtifacts(env: NodeJS.ProcessEnv): Promise<RunArtifact[]> {
  const { client } = await artifactClient(env, 'list the artifacts of this run')
  try {
    const { artifacts } = await client.listArtifacts({ latest: true })
    return artifacts.map((a) => ({ id: a.id, name: a.name, digest: a.digest }))
  } catch (err) {
    throw new UploadError(`could not list the artifacts of this run: ${messageOf(err)}`)
  }
}

/**
 * Downloads and unzips one artifact of this run into `directory` (created when missing). A
 * zip whose sha256 differs from the listed digest is an error: a shard must arrive whole.
 */
export async function downloadRunArtifact(
  artifact: RunArtifact,
  directory: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { client } = await artifactClient(env, `download the artifact "${artifact.name}"`)
  let mismatch = false
  try {
    const res = await client.downloadArtifact(artifact.id, {
      path: directory,
      expectedHash: artifact.digest,
    })
    mismatch = res.digestMismatch === true
  } catch (err) {
    throw new UploadError(`could not download the artifact "${artifact.name}": ${messageOf(err)}`)
  }
  if (mismatch) {
    throw new UploadError(
      `the artifact "${artifact.name}" arrived with a sha256 other than its digest ${artifact.digest}: download it again (re-run the job)`,
    )
  }
}

async function artifactClient(
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<{ client: import('@actions/artifact').ArtifactClient }> {
  if (!runtimePresent(env)) {
    throw new UploadError(
      `cannot ${what}: the GitHub Actions runtime is not available (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset). Run this step in a job of the same workflow run as the shards.`,
    )
  }
  try {
    const mod = await import('@actions/artifact')
    return { client: new mod.DefaultArtifactClient() }
  } catch (err) {
    throw new UploadError(`could not load @actions/artifact: ${messageOf(err)}`)
  }
}
