/**
 * The job summary: one markdown/HTML page per step, built by a pure function from a SenseResult,
 * and its plain-text twin for a terminal.
 *
 * GitHub drops a step summary past 1 MiB without a word, so `buildSummary` never returns more than
 * SUMMARY_LIMIT bytes: a full page when it fits; else the table keeps only failed sensors; else
 * rows and stderr blocks are trimmed. Every cut leaves a visible note, and index.json always has
 * the whole story.
 *
 * Sensor text (names, messages, stderr) is shown verbatim and never interpreted: table cells and
 * inline text are HTML-escaped with every markdown-active character as an entity, and stderr sits
 * in a `<pre>` block whose content is HTML-escaped, so no text can close it early.
 */
import { stat } from 'node:fs/promises'
import * as core from '@actions/core'
import { type Entry, isFailure, Kind, type SenseResult, Status } from '../sense/types.js'

/** GitHub's step-summary limit (1 MiB) less a 64 KiB margin for anything else the step writes. */
export const SUMMARY_LIMIT = 1024 * 1024 - 64 * 1024

/** Past this many sensors the table shows failed sensors only: a longer table nobody reads. */
export const MAX_TABLE_ROWS = 1000

/** One change since `previous`, as the `changes` output carries it (signals shortened). */
export interface SummaryChange {
  name: string
  before: string
  after: string
}

export interface SummaryExtras {
  artifactUrl?: string
  artifactName?: string
  /** Why there is no artifact link (upload skipped or failed); shown instead of the link. */
  uploadNote?: string
  /** Changes since `previous`; absent when `previous` is unset (the section is then left out). */
  changes?: SummaryChange[]
}

/* ------------------------------------------------------------------ shared wording and units */

/** Sensors only: probes never fail and are not what the verdict counts. */
export function sensorEntries(result: SenseResult): Entry[] {
  return result.entries.filter((e) => e.kind === Kind.Sensor)
}

/** `12 of 12 sensors ok` / `2 of 12 sensors failed` / `no sensors`. */
export function verdict(result: SenseResult): string {
  const sensors = sensorEntries(result)
  const failed = sensors.filter((e) => isFailure(e.status)).length
  const noun = sensors.length === 1 ? 'sensor' : 'sensors'
  if (sensors.length === 0) return 'no sensors'
  if (failed === 0) return `${sensors.length} of ${sensors.length} ${noun} ok`
  return `${failed} of ${sensors.length} ${noun} failed`
}

/** `340 ms`, `1.2 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${s % 60} s`
}

/** `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`
}

function bytesOf(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** At most `max` UTF-16 units, with `…` when cut; a surrogate pair is never split. */
function clip(s: string, max: number): string {
  if (s.length <= max) return s
  let end = max - 1
  if (/[\uD800-\uDBFF]/.test(s.charAt(end - 1))) end--
  return `${s.slice(0, end)}…`
}

/** The last `max` UTF-16 units, with `…` in front when cut: the end of stderr says the most. */
function clipHead(s: string, max: number): string {
  if (s.length <= max) return s
  let start = s.length - (max - 1)
  if (/[\uDC00-\uDFFF]/.test(s.charAt(start))) start++
  return `…${s.slice(start)}`
}

function normaliseNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n')
}

/* ------------------------------------------------------------------------ escaping */

/** For `<pre>` content and attribute values: HTML is the only language there. */
function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/**
 * Characters markdown (GFM with GitHub's math) acts on inline, as entities: the text renders as
 * itself, and `|` cannot split a table cell (GFM splits on a raw `|` before it parses inlines).
 */
const INLINE_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '\\': '&#92;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '~': '&#126;',
  $: '&#36;',
}

/** Text for a table cell or a line of markdown: verbatim, one line, newlines as `<br>`. */
export function escapeInline(s: string): string {
  return normaliseNewlines(s)
    .replace(/[&<>|\\`*_[\]~$]/g, (c) => INLINE_ENTITIES[c] ?? c)
    .replace(/\n/g, '<br>')
}

function code(s: string): string {
  return `<code>${escapeInline(s)}</code>`
}

/* ------------------------------------------------------------------------ page parts */

const STATUS_MARK: Record<Status, string> = {
  [Status.Ok]: '✅',
  [Status.Fresh]: '✅',
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
const PROBE_SIGNAL_CHARS = 300
const CHANGE_CELL_CHARS = 120
const MAX_CHANGES_SHOWN = 50
/** Room kept for the notes the trim step adds. */
const NOTES_RESERVE = 2048

const TABLE_HEAD =
  '| status | sensor | duration | bytes | exit code | message |\n|---|---|--:|--:|--:|---|\n'

/** Failed sensors first (what a reader came for), each group in name order. */
function tableOrder(result: SenseResult): Entry[] {
  const sensors = sensorEntries(result)
  return [
    ...sensors.filter((e) => isFailure(e.status)),
    ...sensors.filter((e) => !isFailure(e.status)),
  ]
}

function flappingNote(e: Entry): string {
  return e.streak >= 3 ? `flapping: signal changed ${e.streak} runs in a row` : ''
}

function tableRow(e: Entry): string {
  const message = [e.message, flappingNote(e)].filter((s) => s !== '').join(' · ')
  const cells = [
    `${STATUS_MARK[e.status] ?? ''} ${escapeInline(e.status)}`,
    code(e.name),
    formatDuration(e.durationMs),
    e.bytes === undefined ? '' : formatBytes(e.bytes),
    e.exitCode === undefined ? '' : String(e.exitCode),
    escapeInline(clip(message, CELL_MESSAGE_CHARS)),
  ]
  return `| ${cells.join(' | ')} |\n`
}

function detailsBlock(e: Entry): string {
  const text = clipHead(normaliseNewlines(e.stderrTail).replace(/\n+$/, ''), DETAILS_TEXT_CHARS)
  // `<pre>` opens an HTML block that only a literal `</pre>` ends; escaping `<` rules that out,
  // and no markdown (fences included) is parsed inside it.
  return (
    `<details><summary>${escapeInline(e.name)} (${escapeInline(e.status)}): stderr</summary>\n\n` +
    `<pre>\n${escapeHtml(text)}\n</pre>\n\n</details>\n\n`
  )
}

function headSection(result: SenseResult, extras: SummaryExtras): string {
  const sensors = sensorEntries(result)
  const failed = sensors.filter((e) => isFailure(e.status)).length
  const fresh = sensors.filter((e) => e.status === Status.Fresh).length
  const probes = result.entries.length - sensors.length
  const mark = failed > 0 || result.cancelled ? '❌' : sensors.length === 0 ? '⚠️' : '✅'
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
  return out + changesSection(extras.changes)
}

function changesSection(changes: SummaryChange[] | undefined): string {
  if (changes === undefined) return ''
  if (changes.length === 0) return 'Nothing changed since `previous`.\n\n'
  const shown = changes.slice(0, MAX_CHANGES_SHOWN)
  let out = `**Changed since \`previous\`:** ${changes.length} ${changes.length === 1 ? 'snapshot' : 'snapshots'}\n\n`
  out += '| snapshot | before | after |\n|---|---|---|\n'
  for (const c of shown) {
    out += `| ${code(c.name)} | ${code(clip(c.before, CHANGE_CELL_CHARS))} | ${code(clip(c.after, CHANGE_CELL_CHARS))} |\n`
  }
  if (changes.length > shown.length) {
    out += `\n_${changes.length - shown.length} more changes are not listed; the \`changes\` output has them all._\n`
  }
  return `${out}\n`
}

function probesSection(result: SenseResult): string {
  const probes = result.entries.filter((e) => e.kind === Kind.Probe)
  if (probes.length === 0) return ''
  const lines = probes.map((p) => {
    const signal = p.probeSignal
    const shown =
      signal === undefined
        ? `signal sha256 ${code(p.signalSha256.slice(0, 12))}`
        : code(clip(JSON.stringify(signal) ?? String(signal), PROBE_SIGNAL_CHARS))
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

/** `1 sensor`, `3 sensors`: the count with the noun that fits it. */
export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/** buildSummary with an explicit byte budget (writeSummary passes what the step has left). */
export function renderSummary(result: SenseResult, extras: SummaryExtras, limit: number): string {
  const ordered = tableOrder(result)
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
  const minimal = `### looop sense: ${escapeInline(clip(verdict(result), 200))}\n\n${note('the summary did not fit in the space left for it; index.json has the results.')}`
  return tooBig(minimal) ? '' : minimal
}

/**
 * Pure: the job-summary page, always at most SUMMARY_LIMIT bytes of UTF-8. Verdict first, world
 * hash, changes (when given), the sensor table, stderr of failed sensors, probes, artifact link.
 */
export function buildSummary(result: SenseResult, extras: SummaryExtras = {}): string {
  return renderSummary(result, extras, SUMMARY_LIMIT)
}

/* ------------------------------------------------------------------------ plain text */

/** Plain-text rendering for outside a runner (GITHUB_ACTIONS unset): readable in a terminal. */
export function buildTextSummary(result: SenseResult, extras: SummaryExtras = {}): string {
  const sensors = tableOrder(result)
  const probes = result.entries.filter((e) => e.kind === Kind.Probe)
  const fresh = sensors.filter((e) => e.status === Status.Fresh).length
  const lines: string[] = [
    `looop sense: ${verdict(result)}${result.cancelled ? ' (run cancelled)' : ''}`,
    `world hash ${result.worldHash}`,
    `${plural(probes.length, 'probe', 'probes')}${fresh > 0 ? `, ${fresh} fresh` : ''}, took ${formatDuration(result.durationMs)}`,
    '',
  ]
  if (extras.changes !== undefined) {
    if (extras.changes.length === 0) lines.push('nothing changed since previous', '')
    else {
      lines.push(`changed since previous: ${extras.changes.length}`)
      for (const c of extras.changes) lines.push(`  ${c.name}: ${c.before} -> ${c.after}`)
      lines.push('')
    }
  }
  if (sensors.length > 0) {
    const rows = sensors.map((e) => [
      e.status,
      e.name,
      formatDuration(e.durationMs),
      e.bytes === undefined ? '' : formatBytes(e.bytes),
      e.exitCode === undefined ? '' : String(e.exitCode),
      [normaliseNewlines(e.message).replace(/\n/g, ' '), flappingNote(e)]
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
      const signal = p.probeSignal
      const shown =
        signal === undefined
          ? `signal sha256 ${p.signalSha256.slice(0, 12)}`
          : clip(JSON.stringify(signal) ?? String(signal), PROBE_SIGNAL_CHARS)
      lines.push(`  ${p.name.padEnd(w)}  ${shown}`)
    }
    lines.push('')
  }
  if (extras.artifactUrl)
    lines.push(`artifact ${extras.artifactName || 'snapshots'}: ${extras.artifactUrl}`)
  else if (extras.uploadNote) lines.push(extras.uploadNote)
  return `${lines.join('\n').replace(/\n+$/, '')}\n`
}

/* ------------------------------------------------------------------------ runner side */

/**
 * Appends the summary to the step's summary file (GITHUB_STEP_SUMMARY; core throws when it is
 * unset). The budget is SUMMARY_LIMIT less what the file and core's buffer already hold, so the
 * step's summary as a whole stays under GitHub's limit. When nothing useful fits, it throws.
 */
export async function writeSummary(result: SenseResult, extras: SummaryExtras = {}): Promise<void> {
  let already = bytesOf(core.summary.stringify())
  const file = process.env.GITHUB_STEP_SUMMARY
  if (file) {
    try {
      already += (await stat(file)).size
    } catch {
      // Not created yet: nothing written so far.
    }
  }
  // addRaw(…, true) appends one newline.
  const text = renderSummary(result, extras, SUMMARY_LIMIT - already - 1)
  if (text === '') {
    throw new Error(
      `this step's summary already holds ${already} bytes, and GitHub drops a step summary past 1 MiB`,
    )
  }
  await core.summary.addRaw(text, true).write()
}
