/**
 * The world hash: one sha256 over the wake signal of every snapshot, so that a decider can tell
 * "nothing changed" from one string. Invariants:
 * - `detail` never moves the hash: only `signal` (or the whole value when there is no `signal`
 *   key) is hashed.
 * - Formatting never moves it: values are hashed as RFC 8785 canonical JSON (no whitespace, keys
 *   sorted by UTF-16 code units at every depth, numbers as JavaScript prints them).
 * - The order files are listed in never moves it: they are hashed in byte order of file name.
 * Pure apart from sha256.
 */
import { createHash } from 'node:crypto'

/**
 * RFC 8785 (JCS) for every value `JSON.parse` returns: `JSON.stringify` escaping and number
 * printing, keys sorted by the default `sort()` (UTF-16 code units) at every depth. Written out
 * rather than a sorting replacer because objects list integer-like keys (`"10"`, `"9"`) in
 * numeric order whatever order they were inserted in. Other values follow `JSON.stringify`
 * (`toJSON` applies, `undefined` members are left out).
 */
export function canonicalJson(value: unknown): string {
  const text = canonical(value)
  // JSON.stringify(undefined) is undefined; a top-level value with no JSON form is `null`.
  return text ?? 'null'
}

function canonical(value: unknown): string | undefined {
  let v = value
  if (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { toJSON?: unknown }).toJSON === 'function'
  ) {
    v = (v as { toJSON: () => unknown }).toJSON()
  }
  if (v === null || typeof v !== 'object') {
    return JSON.stringify(v)
  }
  if (Array.isArray(v)) {
    return `[${v.map((item) => canonical(item) ?? 'null').join(',')}]`
  }
  const record = v as Record<string, unknown>
  const members: string[] = []
  for (const key of Object.keys(record).sort()) {
    const member = canonical(record[key])
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`)
  }
  return `{${members.join(',')}}`
}

/** Strict UTF-8: invalid bytes are an error, and a byte-order mark is kept (JSON.parse rejects it). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The bytes as JSON, or `undefined` when they are not JSON: invalid UTF-8, a byte-order mark,
 * empty input, NUL bytes and trailing garbage all make them not JSON.
 */
export function parseJson(bytes: Uint8Array): { value: unknown } | undefined {
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/**
 * What is hashed for one snapshot: the canonical JSON of `.signal` when the snapshot is a JSON
 * object with a `signal` key, else of the whole value; the raw bytes when it is not JSON.
 */
export function wakePayload(bytes: Buffer): Buffer {
  const parsed = parseJson(bytes)
  if (parsed === undefined) return bytes
  const { value } = parsed
  const isObjectWithSignal =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.hasOwn(value, 'signal')
  const wake = isObjectWithSignal ? (value as { signal: unknown }).signal : value
  return Buffer.from(canonicalJson(wake), 'utf8')
}

/** sha256 (hex) of a snapshot's wake payload: `signal_sha256` in index.json. */
export function signalSha256(bytes: Buffer): string {
  return createHash('sha256').update(wakePayload(bytes)).digest('hex')
}

/** The snapshot files the world hash covers; anything else passed in is left out. */
const HASHED_FILE = /^(sensor|sys)-.+\.json$/

/**
 * sha256 (hex) over every `sensor-*.json` and `sys-*.json` file, in byte order of file name,
 * each framed as `@@ <file name> <length>\n<payload>\n` where length counts the payload's bytes
 * plus the newline. `fileName` is the bare file name (no folder). The empty world hashes to the
 * sha256 of nothing.
 */
export function worldHash(files: { fileName: string; bytes: Buffer }[]): string {
  const hashed = files
    .filter((f) => HASHED_FILE.test(f.fileName))
    .map((f) => ({ name: Buffer.from(f.fileName, 'utf8'), fileName: f.fileName, bytes: f.bytes }))
    .sort((a, b) => Buffer.compare(a.name, b.name))
  const hash = createHash('sha256')
  for (let i = 0; i < hashed.length; i++) {
    const file = hashed[i]
    if (i > 0 && Buffer.compare(hashed[i - 1].name, file.name) === 0) {
      // One file name twice is a caller bug: which of the two is the world?
      throw new Error(`worldHash: file name ${JSON.stringify(file.fileName)} was passed twice`)
    }
    const payload = wakePayload(file.bytes)
    hash.update(`@@ ${file.fileName} ${payload.length + 1}\n`, 'utf8')
    hash.update(payload)
    hash.update('\n', 'utf8')
  }
  return hash.digest('hex')
}
