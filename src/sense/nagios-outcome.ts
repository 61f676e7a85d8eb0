/**
 * How a Nagios-format sensor (`# looop:format=nagios`) ended: its process outcome → status,
 * message and snapshot bytes. The plugin runs like any sensor (run-sensor.ts: one process
 * group, timeout, caps); only the reading of how it ended differs, and that lives here.
 *
 * The checks, in order:
 * 1. `timeout`, `killed`, `spawn-error` and `cancelled` stand as for any sensor: the plugin
 *    never finished, so it has no state to read.
 * 2. stdout over `max-bytes` → `too-large`, whatever the exit code: what is kept is a cut
 *    text whose perfdata may stop mid-item, so no snapshot built from it could be trusted,
 *    and a plugin printing more than the cap is misconfigured in any state.
 * 3. Otherwise the exit code decides: 0 → `ok`, 1 → `warning`, 2 (critical), 3 (unknown) and
 *    any other code → `failed`. The snapshot, for all three, is the parsed plugin output
 *    (nagios.ts), whose signal is the state alone. Empty output is allowed.
 */
import { nagiosSnapshot } from './nagios.js'
import { snapshotBytes } from './outcome.js'
import { type SensorOutcome, Status } from './types.js'

/** An outcome as its format reads it, with the bytes to publish (none for `cancelled`). */
export interface Judged {
  outcome: SensorOutcome
  bytes: Buffer | undefined
}

/** The outcome of a Nagios plugin run, judged by the plugin API. */
export function judgeNagios(
  outcome: SensorOutcome,
  ctx: { timeoutMs: number; maxBytes: number },
): Judged {
  const exitCode = outcome.exitCode
  const exited =
    outcome.status === Status.Ok ||
    outcome.status === Status.Failed ||
    outcome.status === Status.InvalidJson ||
    outcome.status === Status.TooLarge
  if (!exited || exitCode === undefined) {
    return { outcome, bytes: snapshotBytes(outcome, ctx) }
  }
  if (outcome.stdoutBytes > ctx.maxBytes) {
    const tooLarge: SensorOutcome = {
      ...outcome,
      status: Status.TooLarge,
      message:
        `printed ${outcome.stdoutBytes} bytes on stdout (exit ${exitCode}), over the max-bytes ` +
        `cap of ${ctx.maxBytes}: drop verbose flags (-v) from the plugin's command line, or ` +
        'raise `max-bytes`',
    }
    return { outcome: tooLarge, bytes: snapshotBytes(tooLarge, ctx) }
  }
  const snapshot = nagiosSnapshot(outcome.stdout, exitCode)
  const { state } = snapshot.signal
  const text =
    snapshot.detail.output !== ''
      ? snapshot.detail.output
      : `the plugin printed no output (exit ${exitCode})`
  const status = state === 'ok' ? Status.Ok : state === 'warning' ? Status.Warning : Status.Failed
  // A warning's title already says `warning`; a failure says which state made it one.
  const message = status === Status.Ok ? '' : status === Status.Warning ? text : `${state}: ${text}`
  return {
    outcome: { ...outcome, status, message },
    bytes: Buffer.from(`${JSON.stringify(snapshot)}\n`, 'utf8'),
  }
}
