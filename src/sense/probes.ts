/**
 * System probes: in-process observations of the run itself, written as `sys-<name>.json`.
 * Invariants:
 * - A probe never fails and never hangs: `runProbe` turns any internal error into a snapshot.
 * - `signal` holds only what is stable from run to run on the same runner and workflow, so a
 *   probe never wakes the loop by itself; volatile numbers (load, memory, disk) go in `detail`.
 * - An absent environment variable is `null`, never a missing key: the snapshot's shape is fixed.
 * Adding a probe is one row in PROBES plus its function.
 */
import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { compareBytes, messageOf } from '../util.js'
import { parseJson } from './json.js'

export type ProbeName = 'runner' | 'workflow' | 'claims'

export interface ProbeContext {
  /** Absolute: where sensors run; `claims/` and the disk probe are read here. */
  workingDirectory: string
  /** The environment to read (the step's own in production; any object in tests). */
  env: NodeJS.ProcessEnv
}

export interface ProbeSnapshot {
  signal: unknown
  detail?: unknown
}

/** What an internal error leaves in `signal`: the same every time, whatever the message. */
export const PROBE_ERROR_SIGNAL = { error: 'probe-error' } as const

function envOrNull(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name]
  return value === undefined ? null : value
}

/**
 * `runner`: what machine this is. The signal (os, arch, runner environment) changes only when
 * the job moves to another kind of runner; the name and the live numbers are detail.
 */
async function probeRunner(ctx: ProbeContext): Promise<ProbeSnapshot> {
  return {
    signal: {
      os: os.platform(),
      arch: os.arch(),
      environment: envOrNull(ctx.env, 'RUNNER_ENVIRONMENT'),
    },
    detail: {
      name: envOrNull(ctx.env, 'RUNNER_NAME'),
      cpus: os.availableParallelism(),
      memory: { total_bytes: os.totalmem(), free_bytes: os.freemem() },
      load_average: os.loadavg(),
      disk: await diskOf(ctx.workingDirectory),
      node_version: process.version,
    },
  }
}

/** Free and total space of the filesystem holding `dir`; the reason instead when it cannot be read. */
async function diskOf(
  dir: string,
): Promise<{ free_bytes: number; total_bytes: number } | { error: string }> {
  try {
    const s = await fs.statfs(dir)
    return { free_bytes: s.bavail * s.bsize, total_bytes: s.blocks * s.bsize }
  } catch (err) {
    return { error: messageOf(err) }
  }
}

/**
 * `workflow`: which workflow is sensing. The signal names only the repository and the workflow:
 * the trigger and the ref are detail, like everything that changes every run (sha, run id,
 * attempt, actor), so a manual run compared with a scheduled one, or a pull request compared
 * with its base branch's last beat, does not change the world by itself.
 */
async function probeWorkflow(ctx: ProbeContext): Promise<ProbeSnapshot> {
  const env = ctx.env
  const server = env.GITHUB_SERVER_URL
  const repository = env.GITHUB_REPOSITORY
  const runId = env.GITHUB_RUN_ID
  return {
    signal: {
      repository: envOrNull(env, 'GITHUB_REPOSITORY'),
      workflow: envOrNull(env, 'GITHUB_WORKFLOW'),
    },
    detail: {
      event: envOrNull(env, 'GITHUB_EVENT_NAME'),
      ref: envOrNull(env, 'GITHUB_REF'),
      sha: envOrNull(env, 'GITHUB_SHA'),
      run_id: envOrNull(env, 'GITHUB_RUN_ID'),
      run_attempt: envOrNull(env, 'GITHUB_RUN_ATTEMPT'),
      actor: envOrNull(env, 'GITHUB_ACTOR'),
      job: envOrNull(env, 'GITHUB_JOB'),
      run_url:
        server && repository && runId ? `${server}/${repository}/actions/runs/${runId}` : null,
    },
  }
}

/**
 * The most bytes of one claim file that are read. A lease is a small JSON record; a larger
 * file is not read further, so a runaway or hostile file cannot cost memory or time.
 */
export const CLAIM_MAX_BYTES = 64 * 1024

/**
 * `claims`: looop's lease files, `claims/*.json` under the working directory, sorted by file
 * name in byte order. The lease set is the signal: a worker taking or releasing a task is a
 * real change. Rules, each keeping the probe from hanging or flapping:
 * - Only regular files (after following links) are leases. A directory, a FIFO, a socket or a
 *   device (say a link to /dev/zero) is left out: opening a FIFO blocks until a writer comes,
 *   and a device can stream forever. Dot-files are not leases either.
 * - A lease whose link is dangling, that cannot be read, is not JSON, or is larger than
 *   CLAIM_MAX_BYTES is listed with `claim: null`, so its presence still counts. `null` rather
 *   than an error object: the signal stays the same while the file stays oversized, whatever
 *   its exact size, and cannot be mistaken for a lease whose JSON happens to look like one.
 */
async function probeClaims(ctx: ProbeContext): Promise<ProbeSnapshot> {
  const dir = path.join(ctx.workingDirectory, 'claims')
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return { signal: [], detail: { count: 0 } }
    throw err
  }
  const candidates = names
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort(compareBytes)
  const leases: { name: string; claim: unknown }[] = []
  for (const fileName of candidates) {
    const file = path.join(dir, fileName)
    const stat = await fs.stat(file).catch(() => undefined)
    // A failed stat (dangling link, no permission) leaves an unreadable lease: listed, null.
    if (stat !== undefined && !stat.isFile()) continue
    const bytes = stat === undefined ? 'unreadable' : await readClaim(file)
    if (bytes === 'not-a-file') continue
    const parsed = typeof bytes === 'string' ? undefined : parseJson(bytes)
    leases.push({ name: fileName.slice(0, -'.json'.length), claim: parsed ? parsed.value : null })
  }
  return { signal: leases, detail: { count: leases.length } }
}

/**
 * Reads at most CLAIM_MAX_BYTES + 1 bytes of a claim file. The open is non-blocking and the
 * opened handle is checked again, so a file swapped for a FIFO or a device after the `stat`
 * still cannot block or stream: it is `not-a-file`.
 */
async function readClaim(
  file: string,
): Promise<Buffer | 'unreadable' | 'too-large' | 'not-a-file'> {
  // O_NONBLOCK does not exist on Windows, where FIFOs are not files in a folder anyway.
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0)
  let handle: fs.FileHandle
  try {
    handle = await fs.open(file, flags)
  } catch {
    return 'unreadable'
  }
  try {
    if (!(await handle.stat()).isFile()) return 'not-a-file'
    const buffer = Buffer.alloc(CLAIM_MAX_BYTES + 1)
    let filled = 0
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return filled > CLAIM_MAX_BYTES ? 'too-large' : buffer.subarray(0, filled)
  } catch {
    return 'unreadable'
  } finally {
    await handle.close().catch(() => {})
  }
}

/** The probe table, in the order of the `probes` input's documentation. */
export const PROBES: ReadonlyArray<{
  name: ProbeName
  probe: (ctx: ProbeContext) => Promise<ProbeSnapshot>
}> = [
  { name: 'runner', probe: probeRunner },
  { name: 'workflow', probe: probeWorkflow },
  { name: 'claims', probe: probeClaims },
]

export const PROBE_NAMES: readonly ProbeName[] = PROBES.map((p) => p.name)

/**
 * Runs one probe. Never throws: an internal error becomes
 * `{signal: {"error":"probe-error"}, detail: {error: <message>}}`, whose signal does not depend
 * on the message, so a flaky error cannot flap the world hash by its wording.
 */
export async function runProbe(name: ProbeName, ctx: ProbeContext): Promise<ProbeSnapshot> {
  try {
    const row = PROBES.find((p) => p.name === name)
    if (row === undefined) {
      throw new Error(`unknown probe ${JSON.stringify(name)}; known: ${PROBE_NAMES.join(', ')}`)
    }
    return await row.probe(ctx)
  } catch (err) {
    return { signal: { ...PROBE_ERROR_SIGNAL }, detail: { error: messageOf(err) } }
  }
}
