/**
 * Joins downloaded shard folders into one snapshots directory and one index.json, and computes
 * the world hash over the joined files. No @actions/core: the merge's engine, like src/sense/.
 *
 * Invariants:
 * - The merged folder holds byte-for-byte the files the shards published, so its world hash is
 *   the hash an unsharded run over the same sensors would have written (same files, same rule).
 * - Only names of the shape a shard can produce (`sensor-<name>`, `sys-<probe>`, characters of
 *   the name rule) are read or written: an index row cannot point the merge at another path.
 * - A snapshot name two shards produced is merged once (from the first in the given order)
 *   and reported.
 * - Files of the owned shapes that no merged row names are pruned, as the main action prunes.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { renderIndexText } from '../sense/index-file.js'
import { nextHistory } from '../sense/changes.js'
import { parseJson, wakeSignal } from '../sense/json.js'
import { compareWith, flappingWarnings, historyBeat, previousRecord } from '../sense/memory.js'
import { INDEX_FILE, snapshotFile, stderrFile } from '../sense/names.js'
import { stderrTail } from '../sense/outcome.js'
import { loadPrevious, type PreviousSource } from '../sense/previous.js'
import { prepareDirectory, publish } from '../sense/snapshots.js'
import {
  type Entry,
  Kind,
  type SenseResult,
  type SenseWarning,
  Status,
  WarningCode,
} from '../sense/types.js'
import { worldHash } from '../sense/world-hash.js'
import { compareBytes, messageOf } from '../util.js'
import type { ShardArtifact } from './plan.js'

/** A shard's artifact, unzipped into `dir`. */
export interface DownloadedShard {
  artifact: ShardArtifact
  dir: string
}

export interface CombineOptions {
  snapshotsDir: string
  /** Base of script paths: a shard's `script` is relative to its working directory. */
  workspace: string
  /**
   * The merged world's previous beat: change detection, streaks, flapping and history over
   * the merged result, as the main action does over one run. It may be `snapshotsDir` itself.
   */
  previous?: PreviousSource
  /** For the history entry's run id. */
  env: NodeJS.ProcessEnv
}

export interface Combined {
  result: SenseResult
  /** Each fails the step after everything is written: clashes, unreadable shards. */
  problems: string[]
}

/** What a shard's index.json must hold for the merge to use it. */
interface ShardIndex {
  started_at?: unknown
  finished_at?: unknown
  settings?: unknown
  shard?: { k?: unknown; n?: unknown }
  world_hash?: unknown
  sensors: Record<string, unknown>[]
}

/** A snapshot name the name rule can produce; nothing else becomes a path. */
const SNAPSHOT_NAME = /^(sensor|sys)-[A-Za-z0-9._-]+$/
const STATUSES = new Set<string>(Object.values(Status))

interface Row {
  shard: ShardArtifact
  raw: Record<string, unknown>
  entry: Entry
  snapshot?: Buffer
  stderr?: Buffer
}

export async function combineShards(
  shards: readonly DownloadedShard[],
  options: CombineOptions,
): Promise<Combined> {
  const problems: string[] = []
  const warnings: SenseWarning[] = []
  const rows = new Map<string, Row>()
  const indexes: { shard: ShardArtifact; index: ShardIndex }[] = []

  for (const { artifact, dir } of shards) {
    let index: ShardIndex
    try {
      index = readIndex(await readFile(path.join(dir, INDEX_FILE)))
    } catch (error) {
      problems.push(
        `The artifact "${artifact.name}" has no usable ${INDEX_FILE} (${messageOf(error)}): its sensors are not in the merge.`,
      )
      continue
    }
    const k = index.shard?.k
    const n = index.shard?.n
    if (k !== artifact.k || n !== artifact.n) {
      problems.push(
        `The artifact "${artifact.name}" holds the index of ${k === undefined ? 'an unsharded run' : `shard ${String(k)} of ${String(n)}`}, not of shard ${artifact.k} of ${artifact.n}: was it uploaded under another job's name?`,
      )
    }
    indexes.push({ shard: artifact, index })
    for (const raw of index.sensors) {
      const name = raw.name
      if (
        typeof name !== 'string' ||
        !SNAPSHOT_NAME.test(name) ||
        !STATUSES.has(String(raw.status))
      ) {
        problems.push(
          `The artifact "${artifact.name}" lists an entry that is not a snapshot of this version (name ${JSON.stringify(name)}, status ${JSON.stringify(raw.status)}): it was left out.`,
        )
        continue
      }
      const earlier = rows.get(name)
      if (earlier) {
        problems.push(
          `${name} was produced by two shards, "${earlier.shard.name}" and "${artifact.name}": only the first was merged. Give the two scripts distinct names; probes come from shard 1 only, so a sys- clash means two matrices in one \`pattern\`.`,
        )
        continue
      }
      const snapshot = await readFile(path.join(dir, snapshotFile(name))).catch(() => undefined)
      const stderr = name.startsWith('sensor-')
        ? await readFile(path.join(dir, stderrFile(name))).catch(() => undefined)
        : undefined
      if (!snapshot && raw.status !== Status.Cancelled) {
        warnings.push({
          code: WarningCode.PublishFailed,
          title: `${name}: snapshot missing from its shard`,
          message: `${name} is listed by "${artifact.name}" but its ${snapshotFile(name)} is not in the artifact: it is left out of the merged folder and the world hash.`,
        })
      }
      rows.set(name, {
        shard: artifact,
        raw,
        entry: entryOf(raw, snapshot, stderr, options.workspace),
        snapshot,
        stderr,
      })
    }
  }

  const merged = [...rows.values()].sort((a, b) => compareBytes(a.entry.name, b.entry.name))
  const keep = new Set<string>([INDEX_FILE])
  for (const row of merged) {
    if (row.snapshot) keep.add(snapshotFile(row.entry.name))
    if (row.stderr && row.stderr.length > 0) keep.add(stderrFile(row.entry.name))
  }
  // Before the folder is prepared: `previous` may be the merged folder, about to be pruned.
  const previous = options.previous ? await loadPrevious(options.previous) : undefined
  if (previous) warnings.push(...previous.warnings)
  await prepareDirectory(options.snapshotsDir, keep)
  const written: string[] = []
  const hashed: { fileName: string; bytes: Buffer }[] = []
  for (const row of merged) {
    if (row.snapshot) {
      const fileName = snapshotFile(row.entry.name)
      written.push(await publish(options.snapshotsDir, fileName, row.snapshot))
      hashed.push({ fileName, bytes: row.snapshot })
    }
    if (row.stderr && row.stderr.length > 0) {
      written.push(await publish(options.snapshotsDir, stderrFile(row.entry.name), row.stderr))
    }
  }

  const hash = worldHash(hashed)
  const published = merged.map((row) => ({
    entry: row.entry,
    snapshot: row.snapshot && { fileName: snapshotFile(row.entry.name), bytes: row.snapshot },
  }))
  const comparison = previous && compareWith(previous, published)
  if (previous && comparison) {
    // The streaks are the merged world's: each row says what the entry says.
    for (const row of merged) row.raw.streak = row.entry.streak
    warnings.push(
      ...flappingWarnings(
        comparison,
        merged.map((row) => row.entry),
        previous,
      ),
    )
  }
  const starts = indexes
    .map((i) => i.index.started_at)
    .filter(isIsoTime)
    .sort()
  const ends = indexes
    .map((i) => i.index.finished_at)
    .filter(isIsoTime)
    .sort()
  const now = new Date().toISOString()
  const startedAt = starts[0] ?? now
  const finishedAt = ends.at(-1) ?? now
  const index = {
    version: 1,
    world_hash: hash,
    started_at: startedAt,
    finished_at: finishedAt,
    duration_ms: Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)),
    settings: indexes[0]?.index.settings ?? {},
    // Where the rows came from; SPEC names no such field, the merge adds it for the reader.
    merged_from: indexes.map(({ shard, index: i }) => ({
      artifact: shard.name,
      artifact_id: shard.id,
      shard: { k: shard.k, n: shard.n },
      world_hash: i.world_hash,
    })),
    // The shards' rows as they wrote them: every field a shard records passes through.
    sensors: merged.map((row) => row.raw),
    previous: previousRecord(previous),
  }
  const entries = merged.map((row) => row.entry)
  const beat = historyBeat(new Date(startedAt), options.env, hash, entries)
  const text = renderIndexText(index, nextHistory(previous?.history ?? [], beat))
  written.push(await publish(options.snapshotsDir, INDEX_FILE, text.text))
  const result: SenseResult = {
    entries,
    worldHash: hash,
    startedAt,
    finishedAt,
    durationMs: index.duration_ms,
    snapshotsDir: options.snapshotsDir,
    indexPath: path.join(options.snapshotsDir, INDEX_FILE),
    writtenFiles: written.sort(),
    warnings,
    cancelled: false,
    comparison,
    history: text.history,
    notices: previous?.notice ? [previous.notice] : [],
  }
  return { result, problems }
}

function readIndex(bytes: Buffer): ShardIndex {
  const parsed = parseJson(bytes)
  const value = parsed?.value as Partial<ShardIndex> | undefined
  if (!value || typeof value !== 'object' || !Array.isArray(value.sensors)) {
    throw new Error('not an index.json of looop sense: no `sensors` list')
  }
  if (!value.sensors.every((row) => row !== null && typeof row === 'object')) {
    throw new Error('its `sensors` list holds something other than objects')
  }
  return value as ShardIndex
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** The report's view of a shard's row: what index.json says, plus the texts its files hold. */
function entryOf(
  raw: Record<string, unknown>,
  snapshot: Buffer | undefined,
  stderr: Buffer | undefined,
  workspace: string,
): Entry {
  const status = raw.status as Status
  const kind = raw.kind === Kind.Probe ? Kind.Probe : Kind.Sensor
  const value = snapshot ? parseJson(snapshot)?.value : undefined
  const script = str(raw.script)
  return {
    name: raw.name as string,
    kind,
    script,
    scriptSha256: str(raw.script_sha256),
    status,
    exitCode: num(raw.exit_code),
    durationMs: num(raw.duration_ms) ?? 0,
    bytes: num(raw.bytes),
    sensedAt: str(raw.sensed_at) ?? '',
    signalSha256: str(raw.signal_sha256) ?? '',
    streak: num(raw.streak) ?? 0,
    attempts: num(raw.attempts) ?? 1,
    // The shards ran in checkouts of the same repository: the script sits at the same place here.
    scriptPath: script === undefined ? undefined : path.resolve(workspace, script),
    message: entryMessage(status, value, num(raw.exit_code)),
    stderrTail: stderr ? stderrTail(stderr) : '',
    probeSignal: kind === Kind.Probe && value !== undefined ? wakeSignal(value) : undefined,
  }
}

/**
 * The one-line message the shard's reports showed, from what its snapshot holds: the error
 * snapshot's `detail.message`, or a Nagios plugin's output (its state first for a failure).
 */
function entryMessage(status: Status, value: unknown, exitCode: number | undefined): string {
  if (status === Status.Ok || status === Status.Fresh) return ''
  if (status === Status.Cancelled) return 'still running when the run was cancelled'
  const snapshot = value as { signal?: { state?: unknown }; detail?: Record<string, unknown> }
  const detail = snapshot?.detail
  if (typeof snapshot?.signal?.state === 'string') {
    const output = detail?.output
    const text =
      typeof output === 'string' && output !== ''
        ? output
        : `the plugin printed no output (exit ${exitCode ?? '?'})`
    return status === Status.Warning ? text : `${snapshot.signal.state}: ${text}`
  }
  return typeof detail?.message === 'string' ? detail.message : `status ${status}`
}
