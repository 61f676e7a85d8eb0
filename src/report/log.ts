/**
 * The step log. The runner acts on two command forms: `::name ...::` at the start of a line
 * (leading whitespace allowed) and the legacy `##[name]` anywhere in a line. Text a sensor wrote
 * must trigger neither, so it is printed only between `::stop-commands::<token>` and `::<token>::`
 * (the runner then ignores `::` commands until it sees the token) with every `##[` broken by a
 * zero-width space. The token is random per call, so the text cannot end the guard early.
 * Lines the action composes itself start with a status word, never `::`, and have `##[` broken
 * too, since sensor names and messages appear in them.
 */
import { randomUUID } from 'node:crypto'
import * as core from '@actions/core'
import { type Entry, isFailure, type SenseResult, Status, sensorsOf } from '../sense/types.js'
import { formatDuration, plural, verdict, warnedSensors } from './format.js'

/** Past this many failed sensors the log points at the `.err` files instead of printing more. */
export const MAX_STDERR_IN_LOG = 50
/** Failed sensors named in one line; the rest are counted. */
const MAX_NAMES_IN_LINE = 20

/**
 * `sensor-a (timeout), sensor-b (failed), … and 7 more`: short enough for one log line and for
 * the step's failure message, which the runner cuts at 4,096 characters.
 */
export function nameFailures(failed: readonly Entry[]): string {
  const named = failed.slice(0, MAX_NAMES_IN_LINE).map((e) => `${e.name} (${e.status})`)
  if (failed.length > named.length) named.push(`… and ${failed.length - named.length} more`)
  return named.join(', ')
}

/** `##[` → `##\u200b[`: the zero-width space sits before every `[` that followed `##`. */
export function neutralise(line: string): string {
  return line.replace(/##\[/g, '##\u200b[')
}

/** A line the action composes: one line, whatever a sensor name or message holds. */
function logLine(text: string): void {
  core.info(neutralise(text.replace(/[\r\n]+/g, ' ')))
}

/**
 * Prints text a sensor produced (stderr, excerpts) so that it can issue no workflow command.
 * Lines are split as the runner splits them (LF, CRLF or a lone CR); a trailing newline adds no
 * empty line, and empty text prints nothing.
 */
export function logUntrusted(text: string, write: (line: string) => void = core.info): void {
  if (text === '') return
  const token = randomUUID()
  write(`::stop-commands::${token}`)
  for (const line of text.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/)) {
    write(neutralise(line))
  }
  write(`::${token}::`)
}

/**
 * One line per entry (status, snapshot name, duration, and the message of a failure) inside a
 * group, one summary line, then the stderr tail of failed sensors through logUntrusted.
 */
export function logResult(result: SenseResult): void {
  const sensors = sensorsOf(result.entries)
  const probes = result.entries.length - sensors.length
  core.startGroup(
    `looop sense: ${plural(sensors.length, 'sensor', 'sensors')}, ${plural(probes, 'probe', 'probes')}`,
  )
  const width = Math.max(0, ...result.entries.map((e) => e.status.length))
  for (const e of result.entries) {
    const explained = isFailure(e.status) || e.status === Status.Warning
    const message = explained && e.message !== '' ? ` - ${e.message}` : ''
    const attempts = e.attempts > 1 ? ` (${e.attempts} attempts)` : ''
    const line = `${e.status.padEnd(width)}  ${e.name}  ${formatDuration(e.durationMs)}${attempts}${message}`
    logLine(line)
  }
  core.endGroup()

  const failed = sensors.filter((e) => isFailure(e.status))
  const named = [...failed, ...warnedSensors(result)]
  let line = verdict(result)
  line +=
    named.length === 0 ? ` in ${formatDuration(result.durationMs)}` : `: ${nameFailures(named)}`
  if (result.cancelled) line += ' (run cancelled)'
  logLine(line)

  const withStderr = failed.filter((e) => e.stderrTail !== '')
  for (const e of withStderr.slice(0, MAX_STDERR_IN_LOG)) {
    logLine(`stderr of ${e.name} (${e.status}), last lines:`)
    logUntrusted(e.stderrTail)
  }
  if (withStderr.length > MAX_STDERR_IN_LOG) {
    const line =
      `stderr of ${withStderr.length - MAX_STDERR_IN_LOG} more failed sensors is in their .err ` +
      `files in ${result.snapshotsDir}`
    logLine(line)
  }
}
