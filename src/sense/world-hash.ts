/**
 * The world hash: one sha256 over the wake signal of every snapshot, so that a decider can tell
 * "nothing changed" from one string. Invariants:
 * - `detail` never moves the hash: only `signal` (or the whole value when there is no `signal`
 *   key) is hashed.
 * - Formatting never moves it: values are hashed as RFC 8785 canonical JSON (json.ts).
 * - The order files are listed in never moves it: they are hashed in byte order of file name.
 * Pure apart from sha256.
 */
import { createHash } from 'node:crypto'
import { compareBytes } from '../util.js'
import { canonicalJson, parseJson, wakeSignal } from './json.js'
import { isSnapshotFile } from './names.js'

/**
 * What is hashed for one snapshot: the canonical JSON of its wake signal when the snapshot is
 * JSON; the raw bytes when it is not.
 */
export function wakePayload(bytes: Buffer): Buffer {
  const parsed = parseJson(bytes)
  if (parsed === undefined) return bytes
  return Buffer.from(canonicalJson(wakeSignal(parsed.value)), 'utf8')
}

/** sha256 (hex) of a snapshot's wake payload: `signal_sha256` in index.json. */
export function signalSha256(bytes: Buffer): string {
  return payloadSha256(wakePayload(bytes))
}

/** sha256 (hex) of a wake payload already computed (`wakePayload`). */
export function payloadSha256(payload: Buffer): string {
  return createHash('sha256').update(payload).digest('hex')
}

/**
 * sha256 (hex) over every `sensor-*.json` and `sys-*.json` file, in byte order of file name,
 * each framed as `@@ <file name> <length>\n<payload>\n` where length counts the payload's bytes
 * plus the newline. `fileName` is the bare file name (no folder); other files passed in are left
 * out. `payload`, when given, must be `wakePayload(bytes)`. The empty world hashes to the sha256
 * of nothing.
 */
export function worldHash(files: { fileName: string; bytes: Buffer; payload?: Buffer }[]): string {
  const hashed = files
    .filter((f) => isSnapshotFile(f.fileName))
    .sort((a, b) => compareBytes(a.fileName, b.fileName))
  const hash = createHash('sha256')
  for (let i = 0; i < hashed.length; i++) {
    const file = hashed[i]
    if (i > 0 && hashed[i - 1].fileName === file.fileName) {
      // One file name twice is a caller bug: which of the two is the world?
      throw new Error(`worldHash: file name ${JSON.stringify(file.fileName)} was passed twice`)
    }
    // A caller that has the payload already (sense.ts computed it for signal_sha256) passes it:
    // parsing a large snapshot once more would stall the loop for as long again.
    const payload = file.payload ?? wakePayload(file.bytes)
    hash.update(`@@ ${file.fileName} ${payload.length + 1}\n`, 'utf8')
    hash.update(payload)
    hash.update('\n', 'utf8')
  }
  return hash.digest('hex')
}
