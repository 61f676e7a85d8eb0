/**
 * The history strip: per sensor, its last STRIP_BEATS beats from index.json's history as marks
 * (✅ up, ⚠️ warning, ❌ failed, · absent) and its availability over them. Pure.
 *
 * Bounded whatever the history holds: sensors that were ok in every beat they were present in
 * fold into one line, and at most MAX_STRIP_ROWS other sensors are listed (the least available
 * first), so the strip stays a few tens of KiB and the summary's budget goes to the table.
 */
import type { HistoryEntry } from '../sense/changes.js'
import { plural } from './format.js'
import { code } from './markdown.js'

/** Beats shown per sensor. */
export const STRIP_BEATS = 30
/** Sensors listed one by one; the rest are counted. */
export const MAX_STRIP_ROWS = 100

const ABSENT = '·'

/**
 * The mark of one beat. Statuses are strings here (history is read back from earlier runs,
 * possibly of another version), so any status this version does not know is a failure, as
 * SPEC makes every status but `ok`, `fresh` and `warning`.
 */
export function beatMark(status: string | undefined): string {
  if (status === undefined) return ABSENT
  if (status === 'ok' || status === 'fresh') return '✅'
  if (status === 'warning') return '⚠️'
  return '❌'
}

export interface StripRow {
  name: string
  /** One mark per beat, oldest first. */
  marks: string[]
  /** Whole percent of present beats that were not failures (rounded down: 100 is all). */
  availability: number
}

export interface Strip {
  /** Beats in the window (2..STRIP_BEATS). */
  beats: number
  /** Listed sensors, least available first. */
  rows: StripRow[]
  /** Sensors that failed or warned in the window but are not listed (past MAX_STRIP_ROWS). */
  unlisted: number
  /** Sensors ok in every beat they were present in: folded into one line. */
  okThroughout: number
}

/**
 * The strip of the sensors of the newest beat, or undefined when the history holds fewer than
 * two beats (nothing to show over time).
 */
export function historyStrip(
  history: readonly HistoryEntry[] | undefined,
  maxRows = MAX_STRIP_ROWS,
): Strip | undefined {
  if (!history || history.length < 2) return undefined
  const window = history.slice(-STRIP_BEATS)
  const newest = window[window.length - 1] as HistoryEntry
  const rows: StripRow[] = []
  let okThroughout = 0
  for (const name of Object.keys(newest.statuses)) {
    const marks = window.map((beat) => beatMark(beat.statuses[name]))
    const present = marks.filter((m) => m !== ABSENT)
    if (present.every((m) => m === '✅')) {
      okThroughout++
      continue
    }
    const up = present.filter((m) => m !== '❌').length
    rows.push({ name, marks, availability: Math.floor((up * 100) / present.length) })
  }
  rows.sort(
    (a, b) => a.availability - b.availability || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  )
  return {
    beats: window.length,
    rows: rows.slice(0, maxRows),
    unlisted: Math.max(0, rows.length - maxRows),
    okThroughout,
  }
}

/** The strip as a markdown section (empty when there is no strip). */
export function stripSection(strip: Strip | undefined): string {
  if (!strip) return ''
  let out = `**History** (last ${strip.beats} beats, oldest first)\n\n`
  if (strip.rows.length > 0) {
    out += '| sensor | beats | availability |\n|---|---|--:|\n'
    for (const row of strip.rows) {
      out += `| ${code(row.name)} | ${row.marks.join('')} | ${row.availability} % |\n`
    }
    out += '\n'
  }
  const lines: string[] = []
  if (strip.unlisted > 0) {
    lines.push(
      `${plural(strip.unlisted, 'more sensor that failed or warned is', 'more sensors that failed or warned are')} not listed; index.json has the history.`,
    )
  }
  if (strip.okThroughout > 0) {
    lines.push(`✅ ${plural(strip.okThroughout, 'sensor', 'sensors')} ok in every beat: 100 %.`)
  }
  return `${out}${lines.map((l) => `${l}\n\n`).join('')}`
}

/** The strip as plain-text lines, for the terminal (empty when there is no strip). */
export function stripLines(strip: Strip | undefined): string[] {
  if (!strip) return []
  const lines = [`history (last ${strip.beats} beats, oldest first):`]
  const width = Math.max(0, ...strip.rows.map((r) => r.name.length))
  for (const row of strip.rows) {
    lines.push(`  ${row.name.padEnd(width)}  ${row.marks.join('')}  ${row.availability}%`)
  }
  if (strip.unlisted > 0)
    lines.push(
      `  … and ${plural(strip.unlisted, 'more sensor', 'more sensors')} that failed or warned`,
    )
  if (strip.okThroughout > 0) {
    lines.push(`  ✅ ${plural(strip.okThroughout, 'sensor', 'sensors')} ok in every beat: 100%`)
  }
  lines.push('')
  return lines
}
