/**
 * The text of index.json. Everything is indented JSON except `history`, whose beats are one
 * line each: a beat lists every sensor's status, so 100 of them indented would be most of the
 * file and unreadable. SPEC bounds the file: the oldest beats go first while it would pass
 * INDEX_WRITE_MAX_BYTES; everything else is always kept.
 */
import type { HistoryEntry } from './changes.js'

/** index.json stays under this size by dropping its oldest history first. */
export const INDEX_WRITE_MAX_BYTES = 4 * 1024 * 1024

/** Between two beats: a comma, a line break, the indentation of a beat. */
const BEAT_SEPARATOR = ',\n    '

/**
 * `index` (whose last key must not be `history`: it is added last) with `history` appended;
 * returns the text and the beats it kept (the newest that fit).
 */
export function renderIndexText(
  index: Record<string, unknown>,
  history: readonly HistoryEntry[],
  maxBytes = INDEX_WRITE_MAX_BYTES,
): { text: string; history: HistoryEntry[] } {
  const head = JSON.stringify({ ...index, history: [] }, null, 2)
  // `…"history": []\n}`: the beats go between the brackets.
  const open = head.slice(0, -'[]\n}'.length)
  const beats = history.map((beat) => JSON.stringify(beat))
  const close = '\n  ]\n}\n'
  let size = Buffer.byteLength(open) + 1 + Buffer.byteLength('\n    ') + Buffer.byteLength(close)
  const sizes = beats.map((b) => Buffer.byteLength(b))
  for (const s of sizes) size += s
  size += Math.max(0, beats.length - 1) * BEAT_SEPARATOR.length
  let first = 0
  while (first < beats.length && size > maxBytes) {
    size -= (sizes[first] ?? 0) + (first < beats.length - 1 ? BEAT_SEPARATOR.length : 0)
    first++
  }
  const kept = beats.slice(first)
  const text =
    kept.length === 0 ? `${head}\n` : `${open}[\n    ${kept.join(BEAT_SEPARATOR)}${close}`
  return { text, history: history.slice(first) }
}
