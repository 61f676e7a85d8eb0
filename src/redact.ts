/**
 * `redact`: every value, and its JSON-escaped form, replaced by `***` in everything the action
 * writes. This module only transforms; the few places where bytes leave the action apply it:
 * the engine's publish (snapshots, `.err` files, index.json, through `SenseOptions.redactor`),
 * and the host (log lines, annotations, notices, the failure message, outputs, the summary).
 *
 * Invariants:
 * - A JSON snapshot stays valid JSON: values are replaced inside strings (keys included), a
 *   number whose digits hold a value becomes the string `"***"`, and the value is
 *   re-serialized. A snapshot that holds no value anywhere keeps its bytes, so `ok` stays
 *   "stdout, byte for byte" unless there was something to hide.
 * - A value that survives that (spread over JSON syntax, `"ab":"cd`) is replaced in the text,
 *   and when the text is then no longer JSON the whole snapshot becomes `"***"`: hiding the
 *   secret wins over keeping the snapshot.
 * - Replacement is leftmost, longest value first, so a value that contains another is hidden
 *   whole. Bytes that are not UTF-8 (stderr) are matched as bytes and otherwise kept as they are.
 * - Pure: no I/O, no @actions/core, so the engine may use it.
 */
import { decodeJson } from './sense/json.js'

export const MASK = '***'

export interface Redactor {
  /** False when there is nothing to redact: every method returns its argument. */
  readonly active: boolean
  /** Text with every value and escaped form replaced. */
  text(text: string): string
  /** Bytes (any encoding) with the UTF-8 bytes of every value and escaped form replaced. */
  bytes(bytes: Buffer): Buffer
  /** A JSON value with every string (keys included) and number redacted, deeply. */
  value(value: unknown): unknown
  /** A JSON snapshot's bytes, redacted and still valid JSON (see the invariants above). */
  json(bytes: Buffer): Buffer
  /** The forms replaced: each value and, when it differs, its JSON-escaped form. */
  readonly forms: readonly string[]
}

/** The redactor for no values at all. */
export const NO_REDACTION: Redactor = createRedactor([])

/** `values` are the `redact` input's, already validated (4 characters or more). */
export function createRedactor(values: readonly string[]): Redactor {
  const forms = [...new Set(values.flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]))]
    .filter((f) => f !== '')
    .sort((a, b) => b.length - a.length)
  if (forms.length === 0) {
    return {
      active: false,
      forms,
      text: (t) => t,
      bytes: (b) => b,
      value: (v) => v,
      json: (b) => b,
    }
  }
  const textPattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g')
  // Latin-1 maps each byte to one code unit and back, so a byte pattern is a string pattern.
  const bytePattern = new RegExp(
    forms.map((f) => escapeRegExp(Buffer.from(f, 'utf8').toString('latin1'))).join('|'),
    'g',
  )
  const text = (t: string): string => t.replace(textPattern, MASK)
  const holds = (t: string): boolean => {
    textPattern.lastIndex = 0
    return textPattern.test(t)
  }
  const bytes = (b: Buffer): Buffer => {
    const latin1 = b.toString('latin1')
    const replaced = latin1.replace(bytePattern, MASK)
    return replaced === latin1 ? b : Buffer.from(replaced, 'latin1')
  }
  const value = (v: unknown): unknown => redactValue(v, text)

  const json = (b: Buffer): Buffer => {
    const decoded = decodeJson(b)
    if (!decoded.ok) return bytes(b)
    try {
      const serialized = JSON.stringify(value(decoded.value))
      // Nothing to hide anywhere: the bytes stay as the sensor printed them.
      if (serialized === JSON.stringify(decoded.value) && bytes(b) === b) return b
      return wholeOrMask(Buffer.from(`${holds(serialized) ? text(serialized) : serialized}\n`))
    } catch {
      // Nested deeper than the stack allows: the text is all that can be redacted.
      return wholeOrMask(bytes(b))
    }
  }
  return { active: true, forms, text, bytes, value, json }
}

/** The redacted JSON when it still parses, else the snapshot `"***"`. */
function wholeOrMask(bytes: Buffer): Buffer {
  return decodeJson(bytes).ok ? bytes : Buffer.from(`"${MASK}"\n`)
}

function redactValue(v: unknown, text: (t: string) => string): unknown {
  if (typeof v === 'string') return text(v)
  if (typeof v === 'number') {
    const printed = JSON.stringify(v)
    return text(printed) === printed ? v : MASK
  }
  if (Array.isArray(v)) return v.map((item) => redactValue(item, text))
  if (v !== null && typeof v === 'object') {
    // fromEntries defines `__proto__` as a plain key, as JSON.parse did.
    return Object.fromEntries(
      Object.entries(v).map(([k, item]) => [text(k), redactValue(item, text)]),
    )
  }
  return v
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}
