/**
 * The job summary page (markdown and HTML), built by a pure function from a SenseResult.
 *
 * GitHub drops a step summary past 1 MiB without a word, so `renderSummary` never returns more
 * than the budget it is given: a full page when it fits; else the table keeps only failed
 * sensors; else rows and stderr blocks are trimmed. Every cut leaves a visible note, and
 * index.json always has the whole story. Escaping lives in markdown.ts.
 */
import {
  type Entry,
  isFailure,
  probesOf,
  type SenseResult,
  Status,
  sensorsOf,
} from '../sense/types.js'
import {
  attemptsNote,
  bytesOf,
  failedFirst,
  flappingNote,
  formatDuration,
  formatBytes,
  keepEnd,
  keepStart,
  normaliseNewlines,
  plural,
  PROBE_SIGNAL_CHARS,
  probeSignalText,
  verdict,
} from './format.js'
import { historyStrip, stripSection } from './history-strip.js'
import { code, escapeHtml, escapeInline } from './markdown.js'

/** GitHub's step-summary limit (1 MiB) less a 64 KiB margin for anything else the step writes. */
export const SUMMARY_LIMIT = 1024 * 1024 - 64 * 1024

/** Past this many sensors the table shows failed sensors only: a longer table nobody reads. */
export const MAX_TABLE_ROWS = 1000

/**
 * One change since `previous`, as the `changes` output carries it (signals shortened; null on
 * the side where the snapshot is absent).
 */
export interface SummaryChange {
  name: string
  before: string | null
  after: string | null
}

export interface SummaryExtras {
  artifactUrl?: string
  artifactName?: string
  /** Why there is no artifact link (upload skipped or failed); shown instead of the link. */
  uploadNote?: string
  /** Changes since `previous`; absent when `previous` is unset (the section is then left out). */
  changes?: SummaryChange[]
  /** What fails the step besides the sensors (a merge's missing shards), shown under the verdict. */
  problems?: readonly string[]
}

/* ------------------------------------------------------------------------ page parts */

const STATUS_MARK: Record<Status, string> = {
  [Status.Ok]: '✅',
  [Status.Fresh]: '✅',
  [Status.Warning]: '⚠️',
  [Status.Failed]: '❌',
  [Status.Timeout]: '⏱️',
  [Status.Killed]: '💀',
  [Status.TooLarge]: '📏',
  [Status.InvalidJson]: '🧩',
  [Status.SpawnError]: '🚫',
  [Status.Cancelled]: '⏹️',
}

/** Caps that keep one row or block bounded whatever a sensor printed. */
const CELL_MESSAGE_CHARS = 200
const DETAILS_TEXT_CHARS = 8 * 1024
const CHANGE_CELL_CHARS = 120
const MAX_PROBLEMS_SHOWN = 10
const PROBLEM_CHARS = 1000
const MAX_CHANGES_SHOWN = 50
/** Room kept for the notes the trim step adds. */
const NOTES_RESERVE = 2048

const TABLE_HEAD =
  '| status | sensor | duration | bytes | exit code | message |\n|---|---|--:|--:|--:|---|\n'

function tableRow(e: Entry): string {
  const message = [e.message, attemptsNote(e), flappingNote(e)].filter((s) => s !== '').join(' · ')
  const cells = [
    `${STATUS_MARK[e.status] ?? ''} ${escapeInline(e.status)}`,
    code(e.name),
    formatDuration(e.durationMs),
    e.bytes === undefined ? '' : formatBytes(e.bytes),
    e.exitCode === undefined ? '' : String(e.exitCode),
    escapeInline(keepStart(message, CELL_MESSAGE_CHARS)),
  ]
  return `| ${cells.join(' | ')} |\n`
}

function detailsBlock(e: Entry): string {
  const text = keepEnd(normaliseNewlines(e.stderrTail).replace(/\n+$/, ''), DETAILS_TEXT_CHARS)
  // `<pre>` opens an HTML block that only a literal `</pre>` ends; escaping `<` rules that out,
  // and no markdown (fences included) is parsed inside it.
  return (
    `<details><summary>${escapeInline(e.name)} (${escapeInline(e.status)}): stderr</summary>\n\n` +
    `<pre>\n${escapeHtml(text)}\n</pre>\n\n</details>\n\n`
  )
}

function headSection(result: SenseResult, extras: SummaryExtras): string {
  const sensors = sensorsOf(result.entries)
  const failed = sensors.filter((e) => isFailure(e.status)).length
  const fresh = sensors.filter((e) => e.status === Status.Fresh).length
  const probes = result.entries.length - sensors.length
  const warned = sensors.some((e) => e.status === Status.Warning)
  const problems = extras.problems ?? []
  const mark =
    failed > 0 || result.cancelled || problems.length > 0
      ? '❌'
      : sensors.length === 0 || warned
        ? '⚠️'
        : '✅'
  const facts = [
    `world hash ${code(result.worldHash)}`,
    `${probes} ${probes === 1 ? 'probe' : 'probes'}`,
    ...(fresh > 0 ? [`${fresh} fresh`] : []),
    `took ${formatDuration(result.durationMs)}`,
  ]
  let out = `### ${mark} looop sense: ${verdict(result)}\n\n${facts.join(' · ')}\n\n`
  if (result.cancelled) {
    const running = sensors.filter((e) => e.status === Status.Cancelled).length
    out += `**The run was cancelled**; ${running} ${running === 1 ? 'sensor was' : 'sensors were'} still running.\n\n`
  }
  for (const problem of problems.slice(0, MAX_PROBLEMS_SHOWN)) {
    out += `> ❌ ${escapeInline(keepStart(normaliseNewlines(problem).replace(/\n/g, ' '), PROBLEM_CHARS))}\n>\n`
  }
  if (problems.length > MAX_PROBLEMS_SHOWN) {
    out += `> … and ${problems.length - MAX_PROBLEMS_SHOWN} more: see the step's failure message.\n>\n`
  }
  if (problems.length > 0) out += '\n'
  return out + changesSection(extras.changes) + stripSection(historyStrip(result.history))
}

/** One side of a change in a cell: the signal, or what its absence means. */
function signalCell(signal: string | null, absent: string): string {
  return signal === null ? `_${absent}_` : code(keepStart(signal, CHANGE_CELL_CHARS))
}

function changesSection(changes: SummaryChange[] | undefined): string {
  if (changes === undefined) return ''
  if (changes.length === 0) return 'Nothing changed since `previous`.\n\n'
  const shown = changes.slice(0, MAX_CHANGES_SHOWN)
  let out = `**Changed since \`previous\`:** ${changes.length} ${changes.length === 1 ? 'snapshot' : 'snapshots'}\n\n`
  out += '| snapshot | before | after |\n|---|---|---|\n'
  for (const c of shown) {
    out += `| ${code(c.name)} | ${signalCell(c.before, 'new')} | ${signalCell(c.after, 'gone')} |\n`
  }
  if (changes.length > shown.length) {
    out += `\n_${changes.length - shown.length} more changes are not listed; the \`changes\` output has them all._\n`
  }
  return `${out}\n`
}

function probesSection(result: SenseResult): string {
  const probes = probesOf(result.entries)
  if (probes.length === 0) return ''
  const lines = probes.map((p) => {
    const signal = probeSignalText(p)
    const shown =
      signal === undefined
        ? `signal sha256 ${code(p.signalSha256.slice(0, 12))}`
        : code(keepStart(signal, PROBE_SIGNAL_CHARS))
    return `- ${code(p.name)} ${shown}\n`
  })
  return `**Probes**\n\n${lines.join('')}\n`
}

function artifactSection(extras: SummaryExtras): string {
  if (extras.artifactUrl) {
    const name = extras.artifactName || 'snapshots'
    return `📦 Artifact: <a href="${escapeHtml(extras.artifactUrl)}">${escapeInline(name)}</a>\n`
  }
  if (extras.uploadNote) return `📦 ${escapeInline(extras.uploadNote)}\n`
  return ''
}

function note(text: string): string {
  return `> **Note:** ${text}\n\n`
}

/* ------------------------------------------------------------------------ assembly */

interface Page {
  head: string
  rows: string[]
  tableNotes: string[]
  details: string[]
  detailsNote: string
  tail: string
}

function assemble(p: Page): string {
  const table = p.rows.length > 0 ? `${TABLE_HEAD}${p.rows.join('')}\n` : ''
  return p.head + table + p.tableNotes.join('') + p.details.join('') + p.detailsNote + p.tail
}

/** buildSummary with an explicit byte budget (writeSummary passes what the step has left). */
export function renderSummary(result: SenseResult, extras: SummaryExtras, limit: number): string {
  const ordered = failedFirst(result)
  const failed = ordered.filter((e) => isFailure(e.status))
  const withStderr = failed.filter((e) => e.stderrTail.trim() !== '')
  const head = headSection(result, extras)
  const tail = probesSection(result) + artifactSection(extras)
  const details = withStderr.map(detailsBlock)
  const tooBig = (s: string) => bytesOf(s) > limit

  // 1. Everything.
  if (ordered.length <= MAX_TABLE_ROWS) {
    const page = assemble({
      head,
      rows: ordered.map(tableRow),
      tableNotes: [],
      details,
      detailsNote: '',
      tail,
    })
    if (!tooBig(page)) return page
  }

  // 2. Failed rows only.
  const okLeftOut = ordered.length - failed.length
  const okNote =
    okLeftOut > 0
      ? note(
          `${plural(okLeftOut, 'sensor that did not fail is', 'sensors that did not fail are')} ` +
            'left out of this table to keep the summary readable and under GitHub’s 1 MiB limit; ' +
            'index.json lists every sensor.',
        )
      : ''
  const failedRows = failed.map(tableRow)
  if (failedRows.length <= MAX_TABLE_ROWS) {
    const page = assemble({
      head,
      rows: failedRows,
      tableNotes: [okNote],
      details,
      detailsNote: '',
      tail,
    })
    if (!tooBig(page)) return page
  }

  // 3. Trim: rows first (at most 60 % of what is left when stderr competes), then stderr blocks
  // in table order until the budget runs out.
  const fixed = bytesOf(head) + bytesOf(tail) + bytesOf(okNote) + bytesOf(TABLE_HEAD)
  let budget = limit - fixed - NOTES_RESERVE
  const rowBudget = details.length > 0 ? Math.floor(budget * 0.6) : budget
  const rows: string[] = []
  let used = 0
  for (const row of failedRows) {
    const size = bytesOf(row)
    if (rows.length >= MAX_TABLE_ROWS || used + size > rowBudget) break
    rows.push(row)
    used += size
  }
  budget -= used
  const keptDetails: string[] = []
  for (const block of details) {
    const size = bytesOf(block)
    if (size > budget) break
    keptDetails.push(block)
    budget -= size
  }
  const tableNotes = [okNote]
  if (rows.length < failedRows.length) {
    tableNotes.push(
      note(
        `${plural(failedRows.length - rows.length, 'more failed sensor is', 'more failed sensors are')} ` +
          'not listed, to keep this summary readable and under GitHub’s 1 MiB limit; index.json lists every sensor.',
      ),
    )
  }
  const detailsNote =
    keptDetails.length < details.length
      ? note(
          `The stderr of ${plural(details.length - keptDetails.length, 'more failed sensor', 'more failed sensors')} is ` +
            'left out, to keep this summary under GitHub’s 1 MiB limit; the `.err` files in the ' +
            'snapshots directory (and its artifact) hold it.',
        )
      : ''
  const page = assemble({ head, rows, tableNotes, details: keptDetails, detailsNote, tail })
  if (!tooBig(page)) return page

  // Only an absurd head or tail (or a tiny budget) gets here: say so rather than write nothing.
  const minimal = `### looop sense: ${escapeInline(keepStart(verdict(result), 200))}\n\n${note('the summary did not fit in the space left for it; index.json has the results.')}`
  return tooBig(minimal) ? '' : minimal
}

/**
 * Pure: the job-summary page, always at most SUMMARY_LIMIT bytes of UTF-8. Verdict first, world
 * hash, changes (when given), the sensor table, stderr of failed sensors, probes, artifact link.
 */
export function buildSummary(result: SenseResult, extras: SummaryExtras = {}): string {
  return renderSummary(result, extras, SUMMARY_LIMIT)
}
