/**
 * The `retries` input: a sensor that ended in a failure status is run again, up to `retries`
 * more times, RETRY_PAUSE_MS from the end of one attempt to the start of the next. The last
 * attempt decides: its outcome is the sensor's, every earlier one is dropped.
 *
 * Invariants:
 * - Only failures are retried: `ok`, `fresh` and `warning` end the loop at once (a plugin's
 *   warning is a state it reports, not a hiccup to wait out), and so does `cancelled`.
 * - Cancellation stops the loop: no attempt starts once the signal has fired. A cancel during
 *   a pause leaves the last finished attempt as the sensor's result (it is what really
 *   happened, and the step fails as cancelled anyway); a cancel during an attempt makes that
 *   attempt `cancelled`, as for any running sensor.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { isFailure, Status } from './types.js'

/** From the end of one attempt to the start of the next. */
export const RETRY_PAUSE_MS = 1000

export interface RetryOptions {
  /** Extra attempts allowed after the first (the `retries` input, 0..10). */
  retries: number
  /** Fires on SIGINT/SIGTERM: the pause ends and no further attempt starts. */
  cancel?: AbortSignal
}

export interface Retried<R> {
  /** The last attempt's result. */
  last: R
  /** Attempts made, the first included. */
  attempts: number
}

/** Runs `attempt` until its status is no failure or the retries are spent. */
export async function withRetries<R>(
  attempt: () => Promise<R>,
  statusOf: (result: R) => Status,
  options: RetryOptions,
): Promise<Retried<R>> {
  let last = await attempt()
  let attempts = 1
  while (attempts <= options.retries && shouldRetry(statusOf(last))) {
    if (!(await pause(options.cancel))) break
    last = await attempt()
    attempts++
  }
  return { last, attempts }
}

function shouldRetry(status: Status): boolean {
  return isFailure(status) && status !== Status.Cancelled
}

/** Waits RETRY_PAUSE_MS; false when the run was cancelled before or during the wait. */
async function pause(cancel: AbortSignal | undefined): Promise<boolean> {
  if (cancel?.aborted) return false
  try {
    await sleep(RETRY_PAUSE_MS, undefined, { signal: cancel })
    return true
  } catch {
    return false
  }
}
