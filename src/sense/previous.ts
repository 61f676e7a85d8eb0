/**
 * Reads a previous snapshots folder (`previous`): its index.json and its snapshots, before this
 * run writes or prunes anything, since `previous` may be the snapshots folder itself.
 *
 * The folder is untrusted input (a cache restored from another branch, a foreign artifact, a
 * hand-made folder), so:
 * - Nothing here throws for any content. What cannot be read is a warning and is treated as
 *   absent: a bad index.json costs the streaks, cadence and history; a bad snapshot counts as
 *   missing from the previous world.
 * - Reading is bounded: index.json up to INDEX_MAX_BYTES, a snapshot up to SNAPSHOT_MAX_BYTES,
 *   at most MAX_FILES snapshot files and TOTAL_MAX_BYTES in all. Only regular files are read,
 *   never through a symlink (O_NOFOLLOW, then the opened handle is checked), so a link to
 *   /dev/zero, a FIFO or a file outside the folder can neither hang the run nor be read.
 * - index.json is validated field by field; malformed rows and history entries are dropped,
 *   counted in one warning. Nothing of it is walked recursively, so nesting costs nothing.
 */
import { createHash } from 'node:crypto'
import { constants, type FileHandle, open, opendir, stat } from 'node:fs/promises'
import path from 'node:path'
import { compareBytes, messageOf } from '../util.js'
import { type HistoryEntry, HISTORY_MAX_ENTRIES, shortenSignal, type SignalOf } from './changes.js'
import { canonicalJson, parseJson, wakeSignal } from './json.js'
import { INDEX_FILE, isSnapshotFile } from './names.js'
import { MAX_BYTES_CEILING, type SenseWarning, WarningCode } from './types.js'

/** index.json is written under 4 MiB; anything past this is not ours. */
export const INDEX_MAX_BYTES = 16 * 1024 * 1024
/** The largest snapshot a run can write (an `ok` one at the 64 MiB ceiling), with room to spare. */
export const SNAPSHOT_MAX_BYTES = MAX_BYTES_CEILING + 64 * 1024
/** Snapshot files read from one previous folder. */
export const MAX_FILES = 20_000
/** Bytes of snapshots read from one previous folder in all. */
export const TOTAL_MAX_BYTES = 1024 * 1024 * 1024
/** Files read at once: a handful, as each may be up to SNAPSHOT_MAX_BYTES in memory. */
const READ_CONCURRENCY = 4
/** A warning names at most this many files. */
const NAMED_IN_WARNING = 5

/** Where the previous snapshots came from, as index.json's `previous` records it. */
export interface PreviousSource {
  /**
   * Absolute folder; absent when there is none to read (`auto` found no earlier beat, or
   * failed): an empty previous, whose reason the caller has already reported.
   */
  dir?: string
  source: 'auto' | 'path'
  /** For `auto`: the run and artifact the folder was downloaded from. */
  runId?: number
  artifactId?: number
}

/** One readable previous snapshot. */
export interface PreviousSnapshot extends SignalOf {
  /** Absolute path in the previous folder: PREVIOUS_SNAPSHOT, and what `fresh` republishes. */
  path: string
}

/** What the previous index.json says of one snapshot. */
export interface PreviousEntry {
  status?: string
  sensedAt?: string
  scriptSha256?: string
  streak: number
}

export interface PreviousState {
  source: PreviousSource
  /** Readable snapshots, by snapshot name. */
  snapshots: Map<string, PreviousSnapshot>
  /** Rows of a readable index.json, by snapshot name. */
  entries: Map<string, PreviousEntry>
  /** Streaks of the rows, by snapshot name (for the comparison). */
  streaks: Map<string, number>
  /** The previous index's history, validated, oldest first, at most HISTORY_MAX_ENTRIES. */
  history: HistoryEntry[]
  /** When the previous beat started (index.json's `started_at`), when known. */
  sensedAt?: string
  /** No readable snapshot: nothing to compare with. */
  empty: boolean
  /** Why the folder was empty, for a notice (missing or empty folder). */
  notice?: string
  warnings: SenseWarning[]
}

type ReadResult = Buffer | { problem: string }

/** Loads a previous folder. Never throws; every problem is a warning in the result. */
export async function loadPrevious(source: PreviousSource): Promise<PreviousState> {
  const state: PreviousState = {
    source,
    snapshots: new Map(),
    entries: new Map(),
    streaks: new Map(),
    history: [],
    empty: true,
    warnings: [],
  }
  const warn = (title: string, message: string): void => {
    state.warnings.push({ code: WarningCode.PreviousProblem, title: `previous: ${title}`, message })
  }
  if (source.dir === undefined) return state
  const dir = source.dir
  const dirStat = await stat(dir).catch((error: NodeJS.ErrnoException) => error)
  if (dirStat instanceof Error) {
    if (dirStat.code === 'ENOENT') {
      state.notice = `\`previous\` (${dir}) does not exist: there is nothing to compare with, so every snapshot counts as changed.`
    } else {
      warn(
        'unreadable',
        `${dir} could not be read (${messageOf(dirStat)}); this run goes on as if it were empty.`,
      )
    }
    return state
  }
  if (!dirStat.isDirectory()) {
    warn(
      'not a folder',
      `\`previous\` is ${dir}, which is not a folder. Point it at an earlier snapshots folder (restored by actions/cache or download-artifact), or use \`auto\`. This run goes on as if it were empty.`,
    )
    return state
  }

  const { names, truncated, listError } = await snapshotNames(dir)
  if (listError)
    warn(
      'unreadable',
      `${dir} could not be listed (${listError}); this run goes on as if it were empty.`,
    )
  if (truncated) {
    warn(
      'too many files',
      `${dir} holds more than ${MAX_FILES} snapshot files; only the first ${MAX_FILES} in name order were read.`,
    )
  }

  await readIndex(dir, state, warn)

  const problems: string[] = []
  let totalBytes = 0
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const fileName = names[next++] as string
      const file = path.join(dir, fileName)
      if (totalBytes >= TOTAL_MAX_BYTES) {
        problems.push(
          `${fileName} (not read: the folder's snapshots pass ${TOTAL_MAX_BYTES / 1024 ** 3} GiB)`,
        )
        continue
      }
      const bytes = await readBounded(file, SNAPSHOT_MAX_BYTES)
      if (!Buffer.isBuffer(bytes)) {
        problems.push(`${fileName} (${bytes.problem})`)
        continue
      }
      totalBytes += bytes.length
      const signal = signalOfBytes(bytes)
      if (signal === undefined) {
        problems.push(`${fileName} (not JSON)`)
        continue
      }
      state.snapshots.set(fileName.slice(0, -'.json'.length), { path: file, ...signal })
    }
  }
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker))
  if (problems.length > 0) {
    problems.sort(compareBytes)
    const named = problems.slice(0, NAMED_IN_WARNING).join(', ')
    const more =
      problems.length > NAMED_IN_WARNING ? ` and ${problems.length - NAMED_IN_WARNING} more` : ''
    warn(
      problems.length === 1
        ? 'a snapshot is unreadable'
        : `${problems.length} snapshots are unreadable`,
      `In ${dir}: ${named}${more}. Each counts as absent from the previous beat, so its sensor counts as changed.`,
    )
  }
  state.empty = state.snapshots.size === 0
  if (state.empty && state.notice === undefined && state.warnings.length === 0) {
    state.notice = `\`previous\` (${dir}) holds no snapshots: there is nothing to compare with, so every snapshot counts as changed.`
  }
  return state
}

/**
 * The snapshot shapes in `dir`, in byte order, at most MAX_FILES of them. The folder is walked
 * as a stream, so a folder of millions of entries costs only the names kept.
 */
async function snapshotNames(
  dir: string,
): Promise<{ names: string[]; truncated: boolean; listError?: string }> {
  const names: string[] = []
  let seen = 0
  try {
    for await (const entry of await opendir(dir)) {
      if (!isSnapshotFile(entry.name)) continue
      seen++
      names.push(entry.name)
      // Kept sorted and cut as it grows, so the first MAX_FILES in name order are what stays.
      if (names.length > 2 * MAX_FILES) {
        names.sort(compareBytes)
        names.length = MAX_FILES
      }
    }
  } catch (error) {
    return { names: [], truncated: false, listError: messageOf(error) }
  }
  names.sort(compareBytes)
  if (names.length > MAX_FILES) names.length = MAX_FILES
  return { names, truncated: seen > MAX_FILES }
}

/** The wake signal's sha256 and shortened text, or undefined when the bytes are not JSON. */
function signalOfBytes(bytes: Buffer): SignalOf | undefined {
  const parsed = parseJson(bytes)
  if (parsed === undefined) return undefined
  const canonical = canonicalJson(wakeSignal(parsed.value))
  const text = shortenSignal(canonical)
  return {
    signalSha256: createHash('sha256').update(canonical, 'utf8').digest('hex'),
    text: () => text,
  }
}

async function readIndex(
  dir: string,
  state: PreviousState,
  warn: (title: string, message: string) => void,
): Promise<void> {
  const file = path.join(dir, INDEX_FILE)
  const bytes = await readBounded(file, INDEX_MAX_BYTES)
  if (!Buffer.isBuffer(bytes)) {
    if (bytes.problem === 'missing') {
      // A folder with snapshots but no index (a partial cache, a hand-made folder).
      return
    }
    warn(
      'index.json unreadable',
      `${file}: ${bytes.problem}. Streaks, cadence and history start over this run.`,
    )
    return
  }
  const parsed = parseJson(bytes)
  const index = parsed?.value
  if (!isRecord(index) || index.version !== 1 || !Array.isArray(index.sensors)) {
    const why =
      parsed === undefined ? 'not JSON' : 'not a looop index (version 1 with a `sensors` list)'
    warn(
      'index.json unreadable',
      `${file} is ${why}. Streaks, cadence and history start over this run.`,
    )
    return
  }
  let badRows = 0
  for (const row of index.sensors) {
    if (!isRecord(row) || typeof row.name !== 'string') {
      badRows++
      continue
    }
    const streak =
      Number.isSafeInteger(row.streak) && (row.streak as number) >= 0 ? (row.streak as number) : 0
    state.entries.set(row.name, {
      status: typeof row.status === 'string' ? row.status : undefined,
      sensedAt: isIsoTime(row.sensed_at) ? row.sensed_at : undefined,
      scriptSha256:
        typeof row.script_sha256 === 'string' && /^[0-9a-f]{64}$/.test(row.script_sha256)
          ? row.script_sha256
          : undefined,
      streak,
    })
    state.streaks.set(row.name, streak)
  }
  if (isIsoTime(index.started_at)) state.sensedAt = index.started_at
  let badHistory = 0
  if (Array.isArray(index.history)) {
    for (const entry of index.history.slice(-HISTORY_MAX_ENTRIES)) {
      const valid = historyEntry(entry)
      if (valid) state.history.push(valid)
      else badHistory++
    }
  } else if (index.history !== undefined) {
    badHistory++
  }
  if (badRows + badHistory > 0) {
    const parts = [
      ...(badRows > 0 ? [`${badRows} malformed sensor row(s)`] : []),
      ...(badHistory > 0
        ? [`${badHistory} malformed history entr${badHistory === 1 ? 'y' : 'ies'}`]
        : []),
    ]
    warn('index.json partly unreadable', `${file}: ${parts.join(' and ')} ignored.`)
  }
}

function historyEntry(value: unknown): HistoryEntry | undefined {
  if (!isRecord(value)) return undefined
  const { sensed_at, run_id, world_hash, statuses } = value
  if (!isIsoTime(sensed_at) || typeof world_hash !== 'string' || !isRecord(statuses))
    return undefined
  if (run_id !== null && !Number.isSafeInteger(run_id)) return undefined
  const kept: Record<string, string> = {}
  for (const [name, status] of Object.entries(statuses)) {
    if (typeof status !== 'string') return undefined
    kept[name] = status
  }
  return { sensed_at, run_id: run_id as number | null, world_hash, statuses: kept }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 40 && !Number.isNaN(Date.parse(value))
}

/**
 * At most `max` bytes of a regular file, never through a symlink and never blocking on a FIFO
 * or a device; a problem (`missing`, `a symlink`, `larger than …`) otherwise.
 */
export async function readBounded(file: string, max: number): Promise<ReadResult> {
  // O_NOFOLLOW and O_NONBLOCK do not exist on Windows, which has no FIFOs in folders.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0)
  let handle: FileHandle
  try {
    handle = await open(file, flags)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { problem: 'missing' }
    if (code === 'ELOOP') return { problem: 'a symlink, which is never followed' }
    return { problem: messageOf(error) }
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) return { problem: 'not a regular file' }
    if (info.size > max) return { problem: `larger than ${max} bytes` }
    const buffer = Buffer.alloc(Math.min(info.size, max) + 1)
    let filled = 0
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    // Grown since the stat: still never more than `max`.
    if (filled > max) return { problem: `larger than ${max} bytes` }
    return buffer.subarray(0, filled)
  } catch (error) {
    return { problem: messageOf(error) }
  } finally {
    await handle.close().catch(() => {})
  }
}

/**
 * The previous snapshot of `name`, to be republished as `fresh`, when SPEC's cadence allows it:
 * the previous index lists it `ok` or `fresh`, taken by the same script content, first taken
 * less than `intervalS` ago (and not in the future: a clock that disagrees runs the sensor),
 * and its file still holds the signal that was loaded.
 */
export async function reusableSnapshot(
  previous: PreviousState | undefined,
  name: string,
  scriptSha256: string | undefined,
  intervalS: number,
  now: number,
): Promise<{ bytes: Buffer; sensedAt: string } | undefined> {
  const entry = previous?.entries.get(name)
  const snapshot = previous?.snapshots.get(name)
  if (!entry || !snapshot || scriptSha256 === undefined || entry.sensedAt === undefined) {
    return undefined
  }
  if (entry.status !== 'ok' && entry.status !== 'fresh') return undefined
  if (entry.scriptSha256 !== scriptSha256) return undefined
  const age = now - Date.parse(entry.sensedAt)
  if (!(age >= 0 && age < intervalS * 1000)) return undefined
  const bytes = await readBounded(snapshot.path, SNAPSHOT_MAX_BYTES)
  if (!Buffer.isBuffer(bytes)) return undefined
  if (signalOfBytes(bytes)?.signalSha256 !== snapshot.signalSha256) return undefined
  return { bytes, sensedAt: entry.sensedAt }
}
