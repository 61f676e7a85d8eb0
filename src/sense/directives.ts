/**
 * Sensor directives: `# looop:<key>=<value>` comment lines among a script's first 20 lines.
 * This is the one reader of directives; everything that honours one (`interval`, `format`)
 * gets it from here.
 *
 * The grammar, decided strictly so that one script means one thing everywhere:
 * - Only the first DIRECTIVE_MAX_LINES (20) lines count, numbered from 1; a shebang is line 1
 *   like any other. A directive further down is not read and not reported. Lines end at `\n`;
 *   a `\r` before it (CRLF) is dropped. A UTF-8 byte order mark before line 1 is ignored.
 * - A directive line is, whole: optional spaces or tabs, `#`, optional spaces or tabs,
 *   `looop:`, the key, `=`, the value. Spaces or tabs may surround the key, the `=` and the
 *   value (`# looop: interval = 60` is `interval` = `60`). Code before the `#`
 *   (`echo # looop:…`) makes it no directive.
 * - `looop:` is written in lower case. Another case (`# Looop:…`) is recognised so that it is
 *   reported rather than silently ignored, and it is not applied.
 * - The value is everything after the `=` up to the end of the line, trimmed: text after it
 *   (`60 # hourly`, `60 seconds`) makes a bad value, never a silently shortened one.
 * - Keys are lower case and case-sensitive. Known keys:
 *   - `interval`: seconds, a positive number; decimals are allowed (`0.5`, `.5`, `90.`), as in
 *     the `timeout` input. No sign, exponent or unit: `5m` is a bad value whose message gives
 *     the seconds to write instead (`300`).
 *   - `format`: `nagios` (the output follows the Nagios plugin API) or `json`, the default,
 *     which may be written explicitly.
 * - Each key appears once: the first line with a key decides (it applies when its value is
 *   good); any later line with that key is a duplicate, reported and ignored.
 * - A file whose head holds a NUL byte is binary (a compiled sensor): it has no directives and
 *   no problems, so bytes that happen to spell `# looop:` are never read as one.
 *
 * Problems (unknown key, bad value, duplicate, malformed line, upper-case prefix) never stop a
 * sensor: they are returned as data, each with its line number and the line's text, and the
 * caller reports them naming the file. Nothing here throws for any content.
 *
 * Only the head of a script is ever needed: `readScriptHead` reads at most
 * DIRECTIVE_HEAD_BYTES (64 KiB) of complete lines, so a huge script is never loaded; a
 * directive that lies beyond them (after a first line longer than 64 KiB) is not read.
 */

import { open } from 'node:fs/promises'

/** Directives are read from this many first lines of a script. */
export const DIRECTIVE_MAX_LINES = 20
/** `readScriptHead` reads at most this many bytes of a script. */
export const DIRECTIVE_HEAD_BYTES = 64 * 1024
/** A problem's `text`, and a value its message quotes, are cut to this many characters. */
const PROBLEM_TEXT_MAX_CHARS = 200

/** How a sensor's stdout is read: `json` (the default) or the Nagios plugin API. */
export type SensorFormat = 'json' | 'nagios'

/** The directives a script declares; `format` is always set (`json` unless declared). */
export interface Directives {
  /** `# looop:interval=<seconds>`: reuse a recent snapshot instead of running. */
  intervalS?: number
  format: SensorFormat
}

/** One directive line that was not applied, and why. */
export interface DirectiveProblem {
  /** 1-based line number in the script. */
  line: number
  /** The line as written (without its line break), cut to 200 characters. */
  text: string
  /** What is wrong, what is accepted, and the fix; it does not name the file (the caller does). */
  message: string
}

export interface DirectivesResult {
  directives: Directives
  problems: DirectiveProblem[]
}

const KNOWN_KEYS = ['interval', 'format'] as const
type Key = (typeof KNOWN_KEYS)[number]
const FORMATS: readonly SensorFormat[] = ['json', 'nagios']

/** `#`, then `looop:` in any case: the candidates. Anything else is an ordinary line. */
const CANDIDATE = /^[ \t]*#[ \t]*(looop:)(.*)$/is
/** Seconds: digits with an optional fraction, as the `timeout` input accepts them. */
const SECONDS = /^(\d+(\.\d*)?|\.\d+)$/
/** A duration with a unit, to turn into seconds in the message that refuses it. */
const WITH_UNIT =
  /^(\d+(?:\.\d*)?|\.\d+)[ \t]*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)$/i
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/**
 * The directives among the first 20 lines of `content` (a whole script or its head from
 * `readScriptHead`). Only those lines are decoded, so a large buffer costs no more than its
 * head. Never throws.
 */
export function parseDirectives(content: Buffer | string): DirectivesResult {
  const directives: Directives = { format: 'json' }
  const problems: DirectiveProblem[] = []
  const lines = headLines(content)
  if (lines === undefined) return { directives, problems }

  const seen = new Map<Key, number>()
  lines.forEach((text, index) => {
    const line = index + 1
    const candidate = CANDIDATE.exec(text)
    if (candidate === null) return
    const problem = (message: string) => problems.push({ line, text: cut(text), message })

    const [, prefix, rest] = candidate
    if (prefix !== 'looop:') {
      problem(`\`${prefix}\` is not a directive: write \`looop:\` in lower case to apply it.`)
      return
    }
    const equals = rest.indexOf('=')
    if (equals < 0) {
      problem(
        'A directive is `# looop:<key>=<value>`, and this line has no `=`. ' +
          `Known keys: ${KNOWN_KEYS.join(', ')} (e.g. \`# looop:interval=3600\`).`,
      )
      return
    }
    const key = trimBlanks(rest.slice(0, equals))
    const value = trimBlanks(rest.slice(equals + 1))
    if (!isKnownKey(key)) {
      const hint = isKnownKey(key.toLowerCase())
        ? ` Keys are lower case: write \`${key.toLowerCase()}\`.`
        : ''
      problem(
        `Unknown directive key ${quoteCut(key)}; known keys: ${KNOWN_KEYS.join(', ')}.${hint} ` +
          'The line is ignored.',
      )
      return
    }
    const first = seen.get(key)
    if (first !== undefined) {
      problem(`\`${key}\` is already declared on line ${first}, which decides; remove this line.`)
      return
    }
    seen.set(key, line)

    if (key === 'interval') {
      const seconds = Number(value)
      if (SECONDS.test(value) && seconds > 0 && Number.isFinite(seconds)) {
        directives.intervalS = seconds
      } else {
        problem(`\`interval\` is ${quoteCut(value)}. ${intervalAdvice(value)}`)
      }
    } else if ((FORMATS as readonly string[]).includes(value)) {
      directives.format = value as SensorFormat
    } else {
      problem(
        `\`format\` is ${quoteCut(value)}. Accepted: \`nagios\` (a Nagios plugin's output), or ` +
          '`json`, the default.',
      )
    }
  })
  return { directives, problems }
}

/**
 * The part of a script's bytes directives are read from: at most DIRECTIVE_HEAD_BYTES, cut
 * after the last line break when the content is longer, so the last line parsed is never half
 * of one (a cut `interval=3600` must not read as `interval=36`). Content with no line break in
 * its first 64 KiB gives an empty buffer. Pure: the engine passes the bytes it already read.
 */
export function scriptHead(content: Buffer): Buffer {
  if (content.length <= DIRECTIVE_HEAD_BYTES) return content
  const lastBreak = content.lastIndexOf(0x0a, DIRECTIVE_HEAD_BYTES - 1)
  return content.subarray(0, lastBreak + 1)
}

/**
 * `scriptHead` of the script at `path`, reading no more than it needs. Rejects with the file
 * system's error (ENOENT, EACCES, EISDIR): the caller decides what an unreadable script means.
 */
export async function readScriptHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    // One byte over the limit tells a file of exactly 64 KiB from a longer one.
    const buffer = Buffer.alloc(DIRECTIVE_HEAD_BYTES + 1)
    let filled = 0
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return scriptHead(buffer.subarray(0, filled))
  } finally {
    await handle.close()
  }
}

/** `parseDirectives(await readScriptHead(path))`: the directives of a script on disk. */
export async function readDirectives(path: string): Promise<DirectivesResult> {
  return parseDirectives(await readScriptHead(path))
}

/**
 * The first DIRECTIVE_MAX_LINES lines, without line breaks or a trailing `\r`; `undefined`
 * for binary content (a NUL byte among them).
 */
function headLines(content: Buffer | string): string[] | undefined {
  let end = 0
  for (let n = 0; n < DIRECTIVE_MAX_LINES; n++) {
    const brk = content.indexOf('\n', end)
    if (brk < 0) {
      end = content.length
      break
    }
    end = brk + 1
  }
  const head = typeof content === 'string' ? content.slice(0, end) : content.subarray(0, end)
  if (head.indexOf('\0') >= 0) return undefined
  const text = (typeof head === 'string' ? head : head.toString('utf8')).replace(/^\uFEFF/, '')
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
  // A head that ends with a line break has an empty last piece, which is no line.
  if (text.endsWith('\n')) lines.pop()
  return lines.slice(0, DIRECTIVE_MAX_LINES)
}

function isKnownKey(key: string): key is Key {
  return (KNOWN_KEYS as readonly string[]).includes(key)
}

function intervalAdvice(value: string): string {
  const accepted =
    'Accepted: a positive number of seconds, decimals allowed, alone after the `=` ' +
    '(e.g. `# looop:interval=3600` for hourly).'
  const withUnit = WITH_UNIT.exec(value)
  if (withUnit !== null) {
    // Rounded to the millisecond, so `0.1m` advises `6`, not `6.000000000000001`.
    const seconds =
      Math.round(Number(withUnit[1]) * UNIT_SECONDS[withUnit[2][0].toLowerCase()] * 1000) / 1000
    if (seconds > 0)
      return `${accepted} The value is in seconds without a unit: write \`${seconds}\`.`
  }
  return accepted
}

/**
 * Without the spaces and tabs at both ends; only those, as the grammar says (`trim()` would
 * also eat a `\r` or a no-break space, which then could not be reported). A loop, not a
 * regular expression, so a long run of blanks costs linear time.
 */
function trimBlanks(text: string): string {
  let start = 0
  let end = text.length
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  return text.slice(start, end)
}

/** A key or value quoted for a message, cut like a problem's text. */
function quoteCut(value: string): string {
  return JSON.stringify(cut(value))
}

function cut(text: string): string {
  return text.length <= PROBLEM_TEXT_MAX_CHARS ? text : `${text.slice(0, PROBLEM_TEXT_MAX_CHARS)}…`
}
