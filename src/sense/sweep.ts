/**
 * Processes that left their sensor's group (`setsid`, a double fork into a new session) are out
 * of reach of the group kill, and would outlive the step. Every sensor gets
 * `LOOOP_SENSE_RUN=<token of this beat>` in its environment, which its children inherit
 * whatever group or session they move to; when the beat's sensors are done, every process
 * whose environment still holds that token is SIGKILLed.
 *
 * Limits, by design: Linux only (it reads /proc; elsewhere nothing is swept); only processes
 * of the job's own user (the others' environ is unreadable); and a process that cleared or
 * replaced its environment before escaping is not found. It stops accidents (a sensor that
 * starts a daemon), not a hostile sensor.
 */
import { randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'

/** The variable every sensor (and everything it starts) carries. */
export const RUN_MARKER = 'LOOOP_SENSE_RUN'

/** A fresh token for one beat. */
export function newRunToken(): string {
  return randomUUID()
}

/** SIGKILLs every process whose environment holds `RUN_MARKER=token`; returns their pids. */
export async function sweepEscapees(
  token: string,
  platform: NodeJS.Platform = process.platform,
): Promise<number[]> {
  if (platform !== 'linux') return []
  const marker = Buffer.from(`${RUN_MARKER}=${token}\0`)
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return []
  }
  const killed: number[] = []
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e) && Number(e) !== process.pid)
      .map(async (e) => {
        // EACCES (another user's process) and ENOENT (gone meanwhile) are not ours to sweep.
        const environ = await readFile(`/proc/${e}/environ`).catch(() => undefined)
        if (!environ || environ.indexOf(marker) === -1) return
        try {
          process.kill(Number(e), 'SIGKILL')
          killed.push(Number(e))
        } catch {
          // Gone already.
        }
      }),
  )
  return killed.sort((a, b) => a - b)
}
