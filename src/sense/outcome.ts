/**
 * What a sensor's outcome publishes: its snapshot bytes and the stderr text reports show.
 * Pure: no I/O. Failures become data, the normalized error objects of SPEC's status table,
 * so downstream (hash, index, reports, the next loop step) reads every status the same way.
 * Invariant: `signal` holds only what is stable from run to run (the error kind, an exit code,
 * a signal name, the configured cap); volatile numbers (bytes, durations) live in `detail`.
 */

import { type SensorOutcome, STDERR_TAIL_BYTES, Status, TIMEOUT_EXIT_CODE } from './types.js'

/** How many characters of stdout an `invalid-json` snapshot quotes. */
export const EXCERPT_CHARS = 200

/**
 * The bytes to publish as the snapshot for an outcome (ok → stdout byte for byte; failures →
 * the normalized error objects of SPEC's status table, serialized with a trailing newline).
 * Returns undefined for `cancelled` (no snapshot).
 */
export function snapshotBytes(
  outcome: SensorOutcome,
  ctx: { timeoutMs: number; maxBytes: number },
): Buffer | undefined {
  const { message } = outcome
  const stderr = stderrTail(outcome.stderr)
  switch (outcome.status) {
    case Status.Ok:
      return outcome.stdout
    case Status.Cancelled:
      return undefined
    case Status.Failed:
      return serialize({
        signal: { error: 'failed', exit_code: outcome.exitCode ?? null },
        detail: { message, stderr },
      })
    case Status.Timeout:
      return serialize({
        signal: { error: 'timeout', exit_code: TIMEOUT_EXIT_CODE },
        detail: { message, timeout_s: ctx.timeoutMs / 1000, stderr },
      })
    case Status.Killed:
      return serialize({
        signal: { error: 'killed', signal: outcome.killedBy ?? null },
        detail: { message, stderr },
      })
    case Status.TooLarge:
      return serialize({
        signal: { error: 'too-large', cap: ctx.maxBytes },
        detail: { bytes: outcome.stdoutBytes, message },
      })
    case Status.InvalidJson:
      return serialize({
        signal: { error: 'invalid-json' },
        detail: { message, excerpt: excerpt(outcome.stdout) },
      })
    case Status.SpawnError:
      return serialize({ signal: { error: 'spawn-error' }, detail: { message } })
    case Status.Warning:
      throw new Error(
        'snapshotBytes: status `warning` exists only for Nagios-format sensors; judgeNagios builds their snapshot',
      )
    case Status.Fresh:
      throw new Error(
        'snapshotBytes: status `fresh` is not a process outcome; publish the previous snapshot as is',
      )
  }
}

/** Last STDERR_TAIL_BYTES (1 KiB) of stderr as lossy UTF-8 text, for detail.stderr and reports. */
export function stderrTail(stderr: Buffer): string {
  let tail = stderr.subarray(Math.max(0, stderr.length - STDERR_TAIL_BYTES))
  // The cut may land inside a multi-byte character: start at the next character instead of
  // showing a replacement mark for its orphaned continuation bytes (at most 3 of them).
  if (tail.length < stderr.length) {
    let skip = 0
    while (skip < 3 && skip < tail.length && ((tail[skip] ?? 0) & 0xc0) === 0x80) skip++
    tail = tail.subarray(skip)
  }
  return tail.toString('utf8')
}

/** The first EXCERPT_CHARS characters of stdout as lossy UTF-8 text. */
function excerpt(stdout: Buffer): string {
  // EXCERPT_CHARS code points span at most 4 bytes each, so this window holds them whole.
  const text = stdout.subarray(0, EXCERPT_CHARS * 4).toString('utf8')
  return Array.from(text).slice(0, EXCERPT_CHARS).join('')
}

function serialize(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`, 'utf8')
}
