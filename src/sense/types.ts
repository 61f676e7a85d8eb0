/**
 * The vocabulary of the sense engine. Nothing here (nor anywhere under src/sense/) imports
 * @actions/core: the engine runs, and is tested, with no runner at all.
 */
import type { Comparison, HistoryEntry } from './changes.js'

/** How one sensor's beat ended. Values are SPEC's status names, written to index.json. */
export enum Status {
  /** Exit 0, stdout within the cap and valid JSON: the snapshot is stdout, byte for byte. */
  Ok = 'ok',
  /** Reused from `previous` under a declared `# looop:interval`; the sensor did not run. */
  Fresh = 'fresh',
  /** A Nagios-format sensor exited 1: not a failure, reported apart (`fail-on-warning`). */
  Warning = 'warning',
  /** Non-zero exit. */
  Failed = 'failed',
  /** The deadline passed; the group got TERM, then KILL. Exit code 124, as coreutils' timeout. */
  Timeout = 'timeout',
  /** Died by a signal the action did not send. */
  Killed = 'killed',
  /** Exit 0 but stdout over `max-bytes`: replaced by a small error object. */
  TooLarge = 'too-large',
  /** Exit 0 but stdout is not JSON (empty, NUL bytes or invalid UTF-8 included). */
  InvalidJson = 'invalid-json',
  /** Could not be started at all. */
  SpawnError = 'spawn-error',
  /** Still running when the run was cancelled: listed in index.json, no snapshot. */
  Cancelled = 'cancelled',
}

/** Every status but these three is a failure. */
export function isFailure(status: Status): boolean {
  return status !== Status.Ok && status !== Status.Fresh && status !== Status.Warning
}

/**
 * The user/system split, and the only place it lives: a `Sensor` is a user script, run as a
 * process under guardrails, that may fail; a `Probe` is in-process, never fails, never hangs.
 * Downstream (hash, index, reports) both are rows of one list.
 */
export enum Kind {
  Sensor = 'sensor',
  Probe = 'probe',
}

/** The sensors among the entries (probes never fail and are not what a verdict counts). */
export function sensorsOf<E extends { kind: Kind }>(entries: readonly E[]): E[] {
  return entries.filter((e) => e.kind === Kind.Sensor)
}

/** The probes among the entries. */
export function probesOf<E extends { kind: Kind }>(entries: readonly E[]): E[] {
  return entries.filter((e) => e.kind === Kind.Probe)
}

/** Exit code reported for a timeout, as coreutils' `timeout` does. */
export const TIMEOUT_EXIT_CODE = 124
/** The ceiling `max-bytes: 0` stands for: JSON.parse cannot take much over 512 MB of text. */
export const MAX_BYTES_CEILING = 64 * 1024 * 1024
/** stderr is kept to its last this-many bytes (the `.err` file). */
export const STDERR_KEEP_BYTES = 64 * 1024
/** `detail.stderr` in an error snapshot, and the text reports show, is the last this-many bytes. */
export const STDERR_TAIL_BYTES = 1024

/** A sensor script found by discovery. */
export interface SensorScript {
  /** Bare name, e.g. `net.ping`: the only place it appears is the `SENSOR_NAME` variable. */
  name: string
  /** `sensor-<name>`: what index.json, outputs, reports and messages use. */
  snapshotName: string
  /** Absolute path of the script. */
  path: string
  /** The exec bit is set: run directly (its shebang decides). Otherwise it runs under bash. */
  executable: boolean
}

/** What one process run of a sensor produced (see run-sensor.ts). */
export interface SensorOutcome {
  /** Never `fresh` (not run) and `cancelled` only when the abort signal fired. */
  status: Status
  /** The process exit code; 124 for a timeout; absent when killed by a signal or not started. */
  exitCode?: number
  /** The POSIX signal (`SIGSEGV`) that ended the process, when the action did not send it. */
  killedBy?: string
  /** The first `maxBytes + 1` bytes of stdout at most. */
  stdout: Buffer
  /** Every byte the sensor wrote to stdout, kept or not. */
  stdoutBytes: number
  /** The last STDERR_KEEP_BYTES bytes of stderr. */
  stderr: Buffer
  /** Every byte written to stderr, kept or not. */
  stderrBytes: number
  /** When the process was started. */
  startedAt: Date
  durationMs: number
  /** One line a person understands: `exited with code 3`, `timed out after 5 s`, … */
  message: string
}

/** One row of index.json, plus what the reports need (the fields after `streak`). */
export interface Entry {
  /** Snapshot name: `sensor-<name>` or `sys-<probe>`. */
  name: string
  kind: Kind
  /** Script path relative to the working directory (sensors only). */
  script?: string
  /** sha256 hex of the script's content (sensors only). */
  scriptSha256?: string
  status: Status
  exitCode?: number
  durationMs: number
  /** Bytes the sensor printed on stdout (sensors only). */
  bytes?: number
  /** ISO time the snapshot was really taken. */
  sensedAt: string
  /** sha256 hex of the snapshot's canonical wake signal (empty for `cancelled`). */
  signalSha256: string
  /** How many consecutive runs this snapshot's signal has changed (0 without `previous`). */
  streak: number
  /** Process runs made for this beat: 1 without retries; the last one decided the entry. */
  attempts: number

  /** Absolute script path (sensors only): reports make it relative to the workspace. */
  scriptPath?: string
  /** One-line explanation for a failure, empty when ok. */
  message: string
  /** Last STDERR_TAIL_BYTES of stderr as text (lossy UTF-8); empty when there was none. */
  stderrTail: string
  /** A probe's wake signal, for the reports to show (probes only: small and always JSON). */
  probeSignal?: unknown
}

/** Why a warning was raised; reports group and cap warnings by this. */
export enum WarningCode {
  NoExecBit = 'no-exec-bit',
  NoSensors = 'no-sensors',
  NotYetSupported = 'not-yet-supported',
  /** A snapshot could not be written (something else changed the snapshots directory). */
  PublishFailed = 'publish-failed',
  /** Written snapshots that vanished before the upload (a sensor deleted them). */
  UploadSkipped = 'upload-skipped',
  /** The job summary could not be written. */
  SummaryNotWritten = 'summary-not-written',
  /** A `# looop:` directive line that was not applied (unknown key, bad value, …). */
  Directive = 'directive',
  /** A sensor ended `warning` (a Nagios plugin's exit 1). */
  SensorWarning = 'sensor-warning',
  /** `previous` could not be read in part or in whole (it is treated as empty there). */
  PreviousProblem = 'previous-problem',
  /** A snapshot whose signal changed FLAPPING_STREAK runs in a row. */
  Flapping = 'flapping',
  /** The merge step met an artifact that matched its pattern but is not a shard's. */
  NotAShard = 'not-a-shard',
}

/** A warning the engine hands to the reports instead of printing it itself. */
export interface SenseWarning {
  code: WarningCode
  title: string
  message: string
  /** Absolute path of the file it concerns, if any. */
  file?: string
  /** 1-based line in `file` it concerns, if any. */
  line?: number
}

/**
 * Everything one sense run produced, sorted and complete. Read-only for everyone after the
 * engine: what later phases add (their warnings, the artifact) they return, and main.ts gathers.
 */
export interface SenseResult {
  /** Sensors and probes, sorted by snapshot name. */
  readonly entries: readonly Entry[]
  readonly worldHash: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  /** Absolute. */
  readonly snapshotsDir: string
  /** Absolute path of index.json. */
  readonly indexPath: string
  /** Absolute paths of every file this run wrote into the snapshots directory, sorted. */
  readonly writtenFiles: readonly string[]
  /** What the engine itself warns of (no exec bit, a snapshot that could not be written). */
  readonly warnings: readonly SenseWarning[]
  /** The run was interrupted by SIGINT/SIGTERM. */
  readonly cancelled: boolean
  /** What changed since `previous`; absent when `previous` is unset. */
  readonly comparison?: Comparison
  /** index.json's `history` as written: earlier beats and this one, newest last. */
  readonly history?: readonly HistoryEntry[]
  /** What the host shows as notices (a `previous` with nothing in it). */
  readonly notices?: readonly string[]
  /**
   * Set with `shard: k/n`: which shard ran, and how many sensors discovery found in all
   * shards together (a shard that drew none of them is not a setup with no sensors).
   */
  readonly shard?: { readonly index: number; readonly count: number; readonly discovered: number }
}
