/**
 * The environment a sensor sees: the step's own, minus what would let it change the job or
 * impersonate the runner. A sensor observes; it never changes the job.
 */
import { RUN_MARKER } from './sweep.js'

/** Runner credentials that `run:` steps never see either. */
const RUNNER_CREDENTIALS = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
]

/** File-command paths: writing to them would set outputs, env or PATH for the whole job. */
const FILE_COMMANDS = [
  'GITHUB_ENV',
  'GITHUB_OUTPUT',
  'GITHUB_PATH',
  'GITHUB_STATE',
  'GITHUB_STEP_SUMMARY',
]

const REMOVED = new Set([...RUNNER_CREDENTIALS, ...FILE_COMMANDS])

export interface SensorEnvContext {
  /** Bare sensor name. */
  name: string
  /** Absolute snapshots directory. */
  snapshotsDir: string
  /** Absolute path of this sensor's previous snapshot, when the previous run has one. */
  previousSnapshot?: string
  /** This beat's token (sweep.ts), by which escaped processes are found and killed. */
  runToken?: string
}

/** Variables the workflow set on purpose (GITHUB_TOKEN, GH_TOKEN, …) stay. */
export function sensorEnv(base: NodeJS.ProcessEnv, ctx: SensorEnvContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(base)) {
    // Upper-cased: Windows environment names are case-insensitive.
    const upper = key.toUpperCase()
    if (value === undefined || upper.startsWith('INPUT_') || REMOVED.has(upper)) continue
    env[key] = value
  }
  env.SENSOR_NAME = ctx.name
  env.SNAPSHOTS_DIR = ctx.snapshotsDir
  if (ctx.previousSnapshot) env.PREVIOUS_SNAPSHOT = ctx.previousSnapshot
  if (ctx.runToken) env[RUN_MARKER] = ctx.runToken
  return env
}
