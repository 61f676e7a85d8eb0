/**
 * Change detection against `previous`, as pure functions: which snapshots changed, the streak of
 * each, which are flapping, the bounded `changes` output, and the next history.
 *
 * Invariants:
 * - A snapshot is changed when its wake signal differs (by signal_sha256, the sha256 of its
 *   canonical JSON) or when it appeared or disappeared. `detail` and key order never count.
 * - A previous that holds no readable snapshot is a world where everything appears: every current
 *   snapshot is changed, so `changed` is true and the follow-up step sees what there is.
 * - `streak` is the previous streak plus one on a change, 0 otherwise; FLAPPING_STREAK or more
 *   is flapping.
 * - Lists are in byte order of snapshot name, whatever order the inputs came in.
 */
import { compareBytes } from '../util.js'

/** A snapshot whose signal changed this many runs in a row is flapping. */
export const FLAPPING_STREAK = 3
/** A signal in `changes` (and the summary) is its canonical JSON cut to this many characters. */
export const SIGNAL_TEXT_CHARS = 200
/**
 * The `changes` output stays under this many bytes: a step output is meant for a follow-up
 * step's `with:` or `env:`, and `changed-sensors` names every change whatever this cut.
 */
export const CHANGES_OUTPUT_MAX_BYTES = 64 * 1024
/** index.json keeps at most this many beats of history. */
export const HISTORY_MAX_ENTRIES = 100

/** One change, as the `changes` output carries it: null is "absent" on that side. */
export interface Change {
  name: string
  before: string | null
  after: string | null
}

/** One beat in index.json's `history`. */
export interface HistoryEntry {
  sensed_at: string
  run_id: number | null
  world_hash: string
  /** Status of every sensor (not probe) of that beat, by snapshot name. */
  statuses: Record<string, string>
}

/** A snapshot on one side of the comparison. */
export interface SignalOf {
  signalSha256: string
  /** The canonical JSON of its wake signal, shortened; computed only for changed snapshots. */
  text: () => string
}

export interface PreviousSide {
  /** The previous snapshots that could be read, by snapshot name. */
  snapshots: ReadonlyMap<string, SignalOf>
  /** Streaks recorded in the previous index.json, by snapshot name (absent = 0). */
  streaks: ReadonlyMap<string, number>
}

export interface Comparison {
  /** Whether any snapshot changed (always true when the previous side is empty). */
  changed: boolean
  /** Snapshot names that changed, appeared or disappeared. */
  changedSensors: string[]
  /** The same changes with their signals, in the same order. */
  changes: Change[]
  /** Snapshot names whose streak reached FLAPPING_STREAK. */
  flapping: string[]
  /** The streak of every current snapshot. */
  streaks: Map<string, number>
  /** The previous side held no snapshot: every current snapshot counts as appeared. */
  previousEmpty: boolean
}

/** Compares this run's snapshots (by snapshot name) with the previous ones. */
export function compareSnapshots(
  previous: PreviousSide,
  current: ReadonlyMap<string, SignalOf>,
): Comparison {
  const names = [...new Set([...previous.snapshots.keys(), ...current.keys()])].sort(compareBytes)
  const changes: Change[] = []
  const streaks = new Map<string, number>()
  const flapping: string[] = []
  for (const name of names) {
    const before = previous.snapshots.get(name)
    const after = current.get(name)
    const changed = before?.signalSha256 !== after?.signalSha256
    if (changed) {
      changes.push({
        name,
        before: before ? before.text() : null,
        after: after ? after.text() : null,
      })
    }
    if (after === undefined) continue
    const streak = changed ? (previous.streaks.get(name) ?? 0) + 1 : 0
    streaks.set(name, streak)
    if (streak >= FLAPPING_STREAK) flapping.push(name)
  }
  return {
    changed: changes.length > 0 || previous.snapshots.size === 0,
    changedSensors: changes.map((c) => c.name),
    changes,
    flapping,
    streaks,
    previousEmpty: previous.snapshots.size === 0,
  }
}

/**
 * A canonical signal as `changes` shows it: at most SIGNAL_TEXT_CHARS characters, the cut
 * marked with `…` and never splitting a surrogate pair.
 */
export function shortenSignal(canonical: string, max = SIGNAL_TEXT_CHARS): string {
  if (canonical.length <= max) return canonical
  let end = max - 1
  if (/[\uD800-\uDBFF]/.test(canonical.charAt(end - 1))) end--
  return `${canonical.slice(0, end)}…`
}

/**
 * The `changes` output: JSON of the changes in order, as many as fit in `maxBytes` (whole
 * entries only, so it always parses).
 */
export function changesOutput(
  changes: readonly Change[],
  maxBytes = CHANGES_OUTPUT_MAX_BYTES,
): string {
  const parts: string[] = []
  // The brackets, plus one comma per entry after the first.
  let size = 2
  for (const change of changes) {
    const part = JSON.stringify({ name: change.name, before: change.before, after: change.after })
    const cost = Buffer.byteLength(part) + (parts.length > 0 ? 1 : 0)
    if (size + cost > maxBytes) break
    parts.push(part)
    size += cost
  }
  return `[${parts.join(',')}]`
}

/** The previous history plus this beat, newest last, at most `maxEntries` long. */
export function nextHistory(
  previous: readonly HistoryEntry[],
  beat: HistoryEntry,
  maxEntries = HISTORY_MAX_ENTRIES,
): HistoryEntry[] {
  return [...previous, beat].slice(-maxEntries)
}
