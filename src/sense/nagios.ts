/**
 * The Nagios plugin API (`# looop:format=nagios`): a plugin's stdout and exit code → the
 * snapshot `{signal:{state}, detail:{output, long_output, perfdata, exit_code}}`.
 *
 * Output (SPEC "Nagios plugins", after the Nagios Core plugin API):
 * - stdout is decoded as UTF-8, invalid bytes replaced by U+FFFD. Lines end at `\n`; the
 *   `\r` of a CRLF is whitespace like any other at a line's end.
 * - Line 1 is `TEXT` or `TEXT|PERFDATA`, split at its first `|`. `output` is TEXT, trimmed;
 *   `""` when stdout is empty.
 * - Further lines are long output, up to the first of them holding a `|`: that line's text
 *   before its `|` is still long output, and everything after that `|`, to the end of stdout
 *   and across lines, is perfdata. `long_output` is those lines joined by `\n`, each without
 *   trailing whitespace (indentation stays), blank lines at both ends dropped; null when
 *   nothing is left.
 *
 * Perfdata: items separated by whitespace (line breaks included), each
 * `'label'=value[UOM];[warn];[crit];[min];[max]`. Decisions where the guidelines are silent
 * or plugins stray from them; the aim is to keep every figure a plugin meant, and never to
 * invent one:
 * - A label is quoted with `'` when it holds spaces, `=` or `'`; `''` inside quotes is one
 *   quote. A quote left open at the end of its line is taken literally: the item is read as
 *   unquoted. A quoted label must be followed by `=`, else the item is dropped.
 * - An item without `=`, or with an empty label (`=5`, `''=5`), is dropped: nothing could
 *   name its figure. A `|` outside quotes in perfdata separates items like a space (plugins
 *   that print `a=1 | b=2`).
 * - An item with a label and `=` is always kept. Its value is a number or null: null for `U`
 *   (undetermined, as the guidelines define), and also for an empty, `-`, or unreadable value
 *   (`temp=hot`), so the label stays visible and no wrong number is reported.
 * - Numbers: an optional sign, digits with `.` or `,` as the decimal separator (`0,5` = 0.5,
 *   as printed under a comma locale; a second separator, `1,234,567`, makes it unreadable),
 *   and an optional exponent (`1e3`). Out of double range (`1e999`) or not finite → null.
 *   `-0` is 0.
 * - `uom` is the text after the value's number, as written (`s`, `MB`, `%`, `MiB`, `c`), or
 *   `""`; it must not start with a digit, sign or separator, else the value is unreadable
 *   (null) and `uom` is `""`, as for `U`.
 * - `warn` and `crit` are the range strings exactly as written (`10`, `10:`, `~:10`, `@5:10`,
 *   `0,5`), unchecked, or null when empty or absent.
 * - `min` and `max` are numbers read as the value is, a trailing unit allowed and ignored
 *   (`0%`); null when empty, absent, `U` or unreadable. Fields after `max` are ignored.
 * - Duplicate labels are all kept, in order.
 *
 * Exit codes: 0 ok, 1 warning, 2 critical, 3 and any other (negative, over 3) unknown.
 * Only the state is signal; output and figures are detail, so moving figures never change
 * the world hash. Nothing here throws, whatever the bytes.
 */

/** A plugin's state, from its exit code. */
export type NagiosState = 'ok' | 'warning' | 'critical' | 'unknown'

/** One performance data item. Keys and their order are SPEC's. */
export interface Perfdatum {
  label: string
  /** null for `U` or a value that is not a number. */
  value: number | null
  /** `""` when absent. */
  uom: string
  /** The warning range as written, or null. */
  warn: string | null
  /** The critical range as written, or null. */
  crit: string | null
  min: number | null
  max: number | null
}

/** The parsed output of one plugin run. */
export interface PluginOutput {
  /** The first line's text, trimmed. */
  output: string
  /** The further lines' text, or null when there is none. */
  long_output: string | null
  perfdata: Perfdatum[]
}

/** The snapshot of a Nagios-format sensor that exited (any exit code). */
export interface NagiosSnapshot {
  signal: { state: NagiosState }
  detail: PluginOutput & { exit_code: number }
}

/** 0 ok, 1 warning, 2 critical, anything else (3 included) unknown. */
export function nagiosState(exitCode: number): NagiosState {
  switch (exitCode) {
    case 0:
      return 'ok'
    case 1:
      return 'warning'
    case 2:
      return 'critical'
    default:
      return 'unknown'
  }
}

/** The snapshot for a plugin that exited with `exitCode` after printing `stdout`. */
export function nagiosSnapshot(stdout: Buffer | string, exitCode: number): NagiosSnapshot {
  const { output, long_output, perfdata } = parsePluginOutput(stdout)
  return {
    signal: { state: nagiosState(exitCode) },
    detail: { output, long_output, perfdata, exit_code: exitCode },
  }
}

/** Splits a plugin's stdout into output, long output and perfdata (see the module header). */
export function parsePluginOutput(stdout: Buffer | string): PluginOutput {
  const text = typeof stdout === 'string' ? stdout : stdout.toString('utf8')
  const firstBreak = text.indexOf('\n')
  const firstLine = firstBreak < 0 ? text : text.slice(0, firstBreak)
  const rest = firstBreak < 0 ? '' : text.slice(firstBreak + 1)

  const firstBar = firstLine.indexOf('|')
  const output = (firstBar < 0 ? firstLine : firstLine.slice(0, firstBar)).trim()
  let perfText = firstBar < 0 ? '' : firstLine.slice(firstBar + 1)

  // The first `|` after line 1 ends the long output, wherever it is on its line.
  const restBar = rest.indexOf('|')
  const longText = restBar < 0 ? rest : rest.slice(0, restBar)
  if (restBar >= 0) perfText += `\n${rest.slice(restBar + 1)}`

  return { output, long_output: longOutput(longText), perfdata: parsePerfdata(perfText) }
}

/** The items of a perfdata text (see the module header for what is kept). Never throws. */
export function parsePerfdata(text: string): Perfdatum[] {
  const items: Perfdatum[] = []
  let i = 0
  while (i < text.length) {
    if (isSeparator(text[i])) {
      i++
      continue
    }
    let label: string
    const quoted = text[i] === "'" ? readQuoted(text, i) : undefined
    if (quoted !== undefined) {
      i = quoted.end
      if (text[i] !== '=') {
        i = skipItem(text, i)
        continue
      }
      label = quoted.label
    } else {
      const unquoted = readUnquotedLabel(text, i)
      i = unquoted.end
      // Stopped by a separator or the end: a word without `=`, dropped.
      if (text[i] !== '=') continue
      label = unquoted.label
    }
    // text[i] is the `=`; the data runs to the next separator.
    const dataEnd = skipItem(text, i + 1)
    const data = text.slice(i + 1, dataEnd)
    i = dataEnd
    if (label !== '') items.push(perfdatum(label, data))
  }
  return items
}

/** Whitespace (line breaks included) and `|` end a perfdata item outside quotes. */
function isSeparator(c: string): boolean {
  return (
    c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f' || c === '|'
  )
}

/** The index of the first separator at or after `i` (or the end). */
function skipItem(text: string, i: number): number {
  while (i < text.length && !isSeparator(text[i])) i++
  return i
}

/**
 * The label quoted at `start` (a `'`) and the index just after its closing quote, or
 * undefined when no closing quote comes before the end of the line.
 */
function readQuoted(text: string, start: number): { label: string; end: number } | undefined {
  let label = ''
  let i = start + 1
  while (i < text.length && text[i] !== '\n') {
    if (text[i] === "'") {
      if (text[i + 1] === "'") {
        label += "'"
        i += 2
        continue
      }
      return { label, end: i + 1 }
    }
    label += text[i]
    i++
  }
  return undefined
}

/** An unquoted label: up to the first `=` or separator; `end` is the index of what stopped it. */
function readUnquotedLabel(text: string, start: number): { label: string; end: number } {
  let i = start
  while (i < text.length && text[i] !== '=' && !isSeparator(text[i])) i++
  return { label: text.slice(start, i), end: i }
}

/** `value[UOM];[warn];[crit];[min];[max]` → the item. */
function perfdatum(label: string, data: string): Perfdatum {
  const [valueField = '', warn = '', crit = '', min = '', max = ''] = data.split(';')
  const { value, uom } = readValue(valueField)
  return {
    label,
    value,
    uom,
    warn: warn === '' ? null : warn,
    crit: crit === '' ? null : crit,
    min: readValue(min).value,
    max: readValue(max).value,
  }
}

/** Sign, digits with `.` or `,` decimals, exponent: the number at the start of a field. */
const NUMBER = /^[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?/
/** What a unit must not start with: it would mean a malformed number (`1.2.3`, `1-2`). */
const NOT_A_UNIT_START = /^[-+.,0-9]/

/** A value field → its number (or null) and its unit (or ""). */
function readValue(field: string): { value: number | null; uom: string } {
  const match = NUMBER.exec(field)
  if (match === null) return { value: null, uom: '' }
  const uom = field.slice(match[0].length)
  if (NOT_A_UNIT_START.test(uom)) return { value: null, uom: '' }
  const n = Number(match[0].replace(',', '.'))
  if (!Number.isFinite(n)) return { value: null, uom }
  return { value: n === 0 ? 0 : n, uom }
}

/** The long output text → lines without trailing whitespace, blank ends dropped; or null. */
function longOutput(text: string): string | null {
  const lines = text.split('\n').map((line) => line.trimEnd())
  let start = 0
  let end = lines.length
  while (start < end && lines[start] === '') start++
  while (end > start && lines[end - 1] === '') end--
  return start === end ? null : lines.slice(start, end).join('\n')
}
