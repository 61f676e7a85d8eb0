/**
 * The one definition of "valid JSON" in this action, and its canonical form. A sensor's stdout
 * is `ok` exactly when `decodeJson` accepts it, and the world hash parses snapshots with the same
 * function, so what was published as a JSON snapshot is always hashed as JSON.
 *
 * Valid means: UTF-8 with no invalid byte, no byte-order mark (JSON.parse rejects it, and a
 * snapshot published byte for byte must be exactly what parsed), no NUL byte, not empty, one
 * JSON text.
 */

/** Strict UTF-8: invalid bytes are an error, and a byte-order mark is kept so the parse fails. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string }

/** The bytes as one JSON value, or the reason (one line, with the fix) they are not. */
export function decodeJson(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) return { ok: false, reason: 'stdout is empty: print one JSON value' }
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    return { ok: false, reason: 'stdout is not valid UTF-8: print UTF-8 JSON' }
  }
  const nul = text.indexOf('\u0000')
  if (nul !== -1) {
    return {
      ok: false,
      reason: `stdout holds a NUL byte at offset ${Buffer.byteLength(text.slice(0, nul))}: print UTF-8 JSON text`,
    }
  }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return { ok: false, reason: `stdout is not valid JSON: ${(error as Error).message}` }
  }
}

/** The value of JSON bytes, or undefined when `decodeJson` rejects them. */
export function parseJson(bytes: Uint8Array): { value: unknown } | undefined {
  const decoded = decodeJson(bytes)
  return decoded.ok ? { value: decoded.value } : undefined
}

/**
 * RFC 8785 (JCS) for every value `JSON.parse` returns: `JSON.stringify` escaping and number
 * printing, keys sorted by the default `sort()` (UTF-16 code units) at every depth. Written out
 * rather than a sorting replacer because objects list integer-like keys (`"10"`, `"9"`) in
 * numeric order whatever order they were inserted in. Other values follow `JSON.stringify`
 * (`toJSON` applies, members with no JSON form are left out, and are `null` in arrays).
 *
 * Iterative, with an explicit stack: a sensor may print JSON nested far deeper than the call
 * stack goes (JSON.parse accepts it), and that must cost time, never a crash of the beat.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = []
  // A string is emitted as is; a `{ v }` is a value still to be written.
  const stack: (string | { v: unknown })[] = [{ v: withJson(value) }]
  while (stack.length > 0) {
    const item = stack.pop() as string | { v: unknown }
    if (typeof item === 'string') {
      out.push(item)
      continue
    }
    const v = item.v
    if (v === null || typeof v !== 'object') {
      // No JSON form at the top or in an array: `null`, as JSON.stringify writes in arrays.
      out.push(hasJson(v) ? (JSON.stringify(v) as string) : 'null')
    } else if (Array.isArray(v)) {
      stack.push(']')
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ v: withJson(v[i]) })
        if (i > 0) stack.push(',')
      }
      stack.push('[')
    } else {
      const record = v as Record<string, unknown>
      const members: [string, unknown][] = []
      for (const key of Object.keys(record).sort()) {
        const member = withJson(record[key])
        if (hasJson(member)) members.push([key, member])
      }
      stack.push('}')
      for (let i = members.length - 1; i >= 0; i--) {
        const [key, member] = members[i] as [string, unknown]
        stack.push({ v: member })
        stack.push(`${JSON.stringify(key)}:`)
        if (i > 0) stack.push(',')
      }
      stack.push('{')
    }
  }
  return out.join('')
}

/** The value JSON.stringify would write for `v`: its `toJSON()` when it has one. */
function withJson(v: unknown): unknown {
  if (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { toJSON?: unknown }).toJSON === 'function'
  ) {
    return (v as { toJSON: () => unknown }).toJSON()
  }
  return v
}

/** False for what JSON.stringify leaves out of an object: undefined, functions, symbols. */
function hasJson(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'
}

/**
 * The wake signal of a parsed snapshot: `.signal` when it is an object with that key, else the
 * whole value.
 */
export function wakeSignal(value: unknown): unknown {
  const isObjectWithSignal =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.hasOwn(value, 'signal')
  return isObjectWithSignal ? (value as { signal: unknown }).signal : value
}
