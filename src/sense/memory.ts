/**
 * What one beat remembers of the last and leaves for the next, joined to the beat in sense.ts:
 * the comparison with `previous` and the streak of each entry, flapping warnings, a `fresh`
 * sensor's entry, this beat's history entry and index.json's `previous` record. The rules
 * themselves are pure and live in changes.ts; reading the previous folder lives in previous.ts.
 */
import path from 'node:path'
import { toPosix } from '../util.js'
import {
  type Comparison,
  compareSnapshots,
  type HistoryEntry,
  type SignalOf,
  shortenSignal,
} from './changes.js'
import { canonicalJson, parseJson, wakeSignal } from './json.js'
import { snapshotFile } from './names.js'
import type { PreviousState } from './previous.js'
import {
  type Entry,
  isFailure,
  Kind,
  type SenseWarning,
  type SensorScript,
  Status,
  sensorsOf,
  WarningCode,
} from './types.js'
import { signalSha256 } from './world-hash.js'

/** An entry and the snapshot it published, if any. */
export interface Published {
  entry: Entry
  snapshot?: { fileName: string; bytes: Buffer }
}

/**
 * Compares what was published with `previous`, and sets each entry's streak. A snapshot that
 * could not be published is not part of this world, as the hash already says.
 */
export function compareWith(previous: PreviousState, published: readonly Published[]): Comparison {
  const current = new Map<string, SignalOf>()
  for (const p of published) {
    const bytes = p.snapshot?.bytes
    if (!bytes) continue
    current.set(p.entry.name, { signalSha256: p.entry.signalSha256, text: () => signalText(bytes) })
  }
  const comparison = compareSnapshots(previous, current)
  for (const p of published) p.entry.streak = comparison.streaks.get(p.entry.name) ?? 0
  return comparison
}

/** The shortened canonical wake signal of snapshot bytes (this run's are always JSON). */
function signalText(bytes: Buffer): string {
  const parsed = parseJson(bytes)
  return shortenSignal(parsed ? canonicalJson(wakeSignal(parsed.value)) : bytes.toString('utf8'))
}

/**
 * One warning per flapping snapshot, on its script when it has one. A sensor that failed this
 * beat or the last is flaky rather than volatile, and its warning says so first.
 */
export function flappingWarnings(
  comparison: Comparison,
  entries: readonly Entry[],
  previous: PreviousState,
): SenseWarning[] {
  const byName = new Map(entries.map((e) => [e.name, e]))
  return comparison.flapping.map((name) => {
    const entry = byName.get(name)
    const before = previous.entries.get(name)?.status
    const flaky =
      (entry !== undefined && isFailure(entry.status)) ||
      (before !== undefined && isFailure(before as Status))
    const lead = `The signal of ${name} changed ${entry?.streak ?? 0} runs in a row, so it wakes the loop every time.`
    const volatile =
      'move volatile values (timestamps, counters, durations, sizes) from `signal` into `detail`, which never counts as a change.'
    return {
      code: WarningCode.Flapping,
      title: `${name}: flapping`,
      message: flaky
        ? `${lead} It failed in one of the last two beats: if the check is flaky, set \`retries\`; if a value in its signal changes every run, ${volatile}`
        : `${lead} Fix: ${volatile}`,
      file: entry?.scriptPath,
    }
  })
}

/**
 * A sensor not run under its declared interval: the previous snapshot, byte for byte, with the
 * time it was really taken. No stderr: an earlier run's `.err` goes, as for any quiet run.
 */
export function freshPublished(
  script: SensorScript,
  workingDirectory: string,
  scriptSha256: string | undefined,
  reuse: { bytes: Buffer; sensedAt: string },
): Published & { entry: Entry } {
  return {
    entry: {
      name: script.snapshotName,
      kind: Kind.Sensor,
      script: toPosix(path.relative(workingDirectory, script.path)),
      scriptSha256,
      status: Status.Fresh,
      durationMs: 0,
      bytes: reuse.bytes.length,
      sensedAt: reuse.sensedAt,
      signalSha256: signalSha256(reuse.bytes),
      streak: 0,
      // Not run this beat.
      attempts: 0,
      scriptPath: script.path,
      message: `reused the snapshot taken at ${reuse.sensedAt} (interval not yet passed)`,
      stderrTail: '',
    },
    snapshot: { fileName: snapshotFile(script.snapshotName), bytes: reuse.bytes },
  }
}

/** This beat as index.json's history records it: the status of every sensor (not probe). */
export function historyBeat(
  started: Date,
  env: NodeJS.ProcessEnv,
  worldHash: string,
  entries: readonly Entry[],
): HistoryEntry {
  return {
    sensed_at: started.toISOString(),
    run_id: runIdOf(env),
    world_hash: worldHash,
    statuses: Object.fromEntries(sensorsOf(entries).map((e) => [e.name, e.status])),
  }
}

/** GITHUB_RUN_ID as a number; null outside a runner (or when it is not a number). */
function runIdOf(env: NodeJS.ProcessEnv): number | null {
  const value = env.GITHUB_RUN_ID
  const n = Number(value)
  return value !== undefined && /^\d+$/.test(value) && Number.isSafeInteger(n) ? n : null
}

/** index.json's `previous`: where the snapshots compared with came from; null when none were. */
export function previousRecord(
  previous: PreviousState | undefined,
): Record<string, unknown> | null {
  if (!previous || previous.empty) return null
  const { source, runId, artifactId } = previous.source
  return { source, run_id: runId, artifact_id: artifactId, sensed_at: previous.sensedAt }
}
