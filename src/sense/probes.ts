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
import { parseJson } from './world-hash.js'

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
 * `workflow`: which workflow is sensing. The signal names the workflow, its trigger and ref;
 * anything that changes every run (sha, run id, attempt, actor) is detail.
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
      event: envOrNull(env, 'GITHUB_EVENT_NAME'),
      ref: envOrNull(env, 'GITHUB_REF'),
    },
    detail: {
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
 * `claims`: looop's lease files, `claims/*.json` under the working directory, sorted by file
 * name in byte order. The lease set is the signal: a worker taking or releasing a task is a
 * real change. A lease that cannot be read or is not JSON is listed with `claim: null`, so its
 * presence still counts; directories and dot-files are not leases.
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
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const leases: { name: string; claim: unknown }[] = []
  for (const fileName of candidates) {
    const file = path.join(dir, fileName)
    const stat = await fs.stat(file).catch(() => undefined)
    if (stat?.isDirectory()) continue
    const bytes = await fs.readFile(file).catch(() => undefined)
    const parsed = bytes === undefined ? undefined : parseJson(bytes)
    leases.push({ name: fileName.slice(0, -'.json'.length), claim: parsed ? parsed.value : null })
  }
  return { signal: leases, detail: { count: leases.length } }
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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
