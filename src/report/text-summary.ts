/**
 * The summary as plain text, for a terminal (outside a runner): the same facts as the job
 * summary page, with no markdown, HTML or workflow command.
 */
import { isFailure, probesOf, type SenseResult, Status } from '../sense/types.js'
import {
  attemptsNote,
  failedFirst,
  flappingNote,
  formatBytes,
  formatDuration,
  keepStart,
  normaliseNewlines,
  PROBE_SIGNAL_CHARS,
  plural,
  probeSignalText,
  verdict,
} from './format.js'
import { historyStrip, stripLines } from './history-strip.js'
import type { SummaryExtras } from './summary.js'

/** Changes listed one per line; a terminal is no place for thousands. */
const MAX_CHANGES_LISTED = 50

/** Plain-text rendering for outside a runner (GITHUB_ACTIONS unset): readable in a terminal. */
export function buildTextSummary(result: SenseResult, extras: SummaryExtras = {}): string {
  const sensors = failedFirst(result)
  const probes = probesOf(result.entries)
  const fresh = sensors.filter((e) => e.status === Status.Fresh).length
  const lines: string[] = [
    `looop sense: ${verdict(result)}${result.cancelled ? ' (run cancelled)' : ''}`,
    `world hash ${result.worldHash}`,
    `${plural(probes.length, 'probe', 'probes')}${fresh > 0 ? `, ${fresh} fresh` : ''}, took ${formatDuration(result.durationMs)}`,
    '',
  ]
  for (const problem of extras.problems ?? []) lines.push(`problem: ${problem}`, '')
  if (extras.changes !== undefined) {
    if (extras.changes.length === 0) lines.push('nothing changed since previous', '')
    else {
      lines.push(`changed since previous: ${extras.changes.length}`)
      for (const c of extras.changes.slice(0, MAX_CHANGES_LISTED)) {
        lines.push(`  ${c.name}: ${c.before ?? '(new)'} -> ${c.after ?? '(gone)'}`)
      }
      const more = extras.changes.length - MAX_CHANGES_LISTED
      if (more > 0) lines.push(`  … and ${more} more (the changed-sensors output names them all)`)
      lines.push('')
    }
  }
  lines.push(...stripLines(historyStrip(result.history)))
  if (sensors.length > 0) {
    const rows = sensors.map((e) => [
      e.status,
      e.name,
      formatDuration(e.durationMs),
      e.bytes === undefined ? '' : formatBytes(e.bytes),
      e.exitCode === undefined ? '' : String(e.exitCode),
      [normaliseNewlines(e.message).replace(/\n/g, ' '), attemptsNote(e), flappingNote(e)]
        .filter((s) => s !== '')
        .join(' · '),
    ])
    const header = ['STATUS', 'SENSOR', 'DURATION', 'BYTES', 'EXIT', 'MESSAGE']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)))
    const right = new Set([2, 3, 4])
    const fmt = (r: string[]) =>
      r
        .map((c, i) =>
          i === r.length - 1
            ? c
            : right.has(i)
              ? c.padStart(widths[i] ?? 0)
              : c.padEnd(widths[i] ?? 0),
        )
        .join('  ')
        .trimEnd()
    lines.push(fmt(header), ...rows.map(fmt), '')
  }
  for (const e of sensors) {
    if (!isFailure(e.status) || e.stderrTail.trim() === '') continue
    lines.push(`stderr of ${e.name} (${e.status}):`)
    const text = normaliseNewlines(e.stderrTail).replace(/\n+$/, '')
    for (const l of text.split('\n')) lines.push(`  | ${l}`)
    lines.push('')
  }
  if (probes.length > 0) {
    lines.push('probes:')
    const w = Math.max(...probes.map((p) => p.name.length))
    for (const p of probes) {
      const signal = probeSignalText(p)
      const shown =
        signal === undefined
          ? `signal sha256 ${p.signalSha256.slice(0, 12)}`
          : keepStart(signal, PROBE_SIGNAL_CHARS)
      lines.push(`  ${p.name.padEnd(w)}  ${shown}`)
    }
    lines.push('')
  }
  if (extras.artifactUrl)
    lines.push(`artifact ${extras.artifactName || 'snapshots'}: ${extras.artifactUrl}`)
  else if (extras.uploadNote) lines.push(extras.uploadNote)
  return `${lines.join('\n').replace(/\n+$/, '')}\n`
}
