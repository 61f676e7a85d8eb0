/**
 * One sense beat: discover → prepare the folder → run sensors (bounded concurrency) and probes →
 * publish snapshots → world hash → index.json. Failures are data: whatever a sensor does, the
 * beat completes and every other sensor's snapshot is written.
 *
 * Results never depend on the order in which sensors finish: each sensor owns its own files,
 * entries are sorted by name, and the hash sorts by file name.
 */
import { createHash } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { NO_REDACTION, type Redactor } from '../redact.js'
import { compareBytes, messageOf, toPosix } from '../util.js'
import { type HistoryEntry, nextHistory } from './changes.js'
import { type DirectivesResult, parseDirectives, scriptHead } from './directives.js'
import { discoverSensors } from './discover.js'
import { decodeJson } from './json.js'
import { sensorEnv } from './env.js'
import { renderIndexText } from './index-file.js'
import {
  compareWith,
  flappingWarnings,
  freshPublished,
  historyBeat,
  previousRecord,
} from './memory.js'
import { type Judged, judgeNagios } from './nagios-outcome.js'
import { snapshotBytes, stderrTail } from './outcome.js'
import { type ProbeName, runProbe } from './probes.js'
import { withRetries } from './retry.js'
import { runSensor } from './run-sensor.js'
import { newRunToken, sweepEscapees } from './sweep.js'
import { INDEX_FILE, probeSnapshotName, snapshotFile, stderrFile } from './names.js'
import {
  loadPrevious,
  type PreviousSource,
  type PreviousState,
  reusableSnapshot,
} from './previous.js'
import { inShard, runsProbes, type Shard } from './shard.js'
import { prepareDirectory, publish, remove } from './snapshots.js'
import {
  type Entry,
  Kind,
  type SenseResult,
  type SenseWarning,
  type SensorOutcome,
  type SensorScript,
  Status,
  WarningCode,
} from './types.js'
import { payloadSha256, wakePayload, worldHash } from './world-hash.js'

export interface SenseOptions {
  /** Glob patterns, relative to workingDirectory. */
  patterns: string[]
  workingDirectory: string
  snapshotsDir: string
  /** 0 = no limit. */
  timeoutMs: number
  /** Resolved cap (1..64 MiB). */
  maxBytes: number
  /** Sensors running at once; Infinity = all. */
  concurrency: number
  /** Extra attempts for a sensor that ended in a failure status (retry.ts); default 0. */
  retries?: number
  probes: ProbeName[]
  /** Base of the paths in messages (GITHUB_WORKSPACE); defaults to workingDirectory. */
  workspace?: string
  /** The step's environment; sensors get a sanitized copy. */
  env: NodeJS.ProcessEnv
  /** Fires on SIGINT/SIGTERM: running sensors are killed and marked `cancelled`. */
  cancel?: AbortSignal
  platform?: NodeJS.Platform
  /** Recorded as index.json's `settings`. */
  settings?: Record<string, unknown>
  /**
   * An earlier snapshots folder: change detection, cadence, streaks, history. It may be
   * `snapshotsDir` itself: it is read whole before anything there is written or pruned.
   */
  previous?: PreviousSource
  /** `shard: k/n`: only this shard's sensors run, and probes only in shard 1. */
  shard?: Shard
  /**
   * `redact`: applied to every byte published (snapshots, `.err` files, index.json) and to the
   * entries' texts, before the hashes are taken, so the hashes are those of what is on disk.
   */
  redactor?: Redactor
}

/** What a sensor or probe run leaves before the hash and the index are computed. */
interface Produced {
  entry: Entry
  /** Snapshot file name and bytes; absent when no snapshot was written (`cancelled`). */
  /** `payload`: the wake payload, computed once for `signal_sha256` and the world hash. */
  snapshot?: { fileName: string; bytes: Buffer; payload?: Buffer }
  /** A sensor's kept stderr, published as its `.err` file when non-empty. */
  stderr?: Buffer
  /** What running it had to say (directive problems), in the order to show them. */
  warnings?: SenseWarning[]
}

export async function sense(options: SenseOptions): Promise<SenseResult> {
  const started = new Date()
  const platform = options.platform ?? process.platform
  // A snapshots folder under the sensors folder must not turn its own files into sensors.
  const discovered = await discoverSensors(options.patterns, options.workingDirectory, [
    options.snapshotsDir,
  ])
  // Other shards' sensors and probes are not current here: their files are pruned below.
  const scripts = discovered.filter((s) => inShard(s.snapshotName, options.shard))
  const probes = runsProbes(options.shard) ? options.probes : []

  const warnings: SenseWarning[] = []
  // Before the folder is prepared: `previous` may be the snapshots folder, about to be pruned.
  const previous = options.previous ? await loadPrevious(options.previous) : undefined
  if (previous) warnings.push(...previous.warnings)

  const keep = new Set<string>([INDEX_FILE])
  for (const s of scripts) keep.add(snapshotFile(s.snapshotName)).add(stderrFile(s.snapshotName))
  for (const p of probes) keep.add(snapshotFile(probeSnapshotName(p)))
  const { present } = await prepareDirectory(options.snapshotsDir, keep)

  // Windows has no exec bit: every .sh runs under Git Bash there, and that is no one's fault.
  if (platform !== 'win32') {
    for (const s of scripts.filter((x) => !x.executable)) {
      // Relative to the workspace (the repository root), where the git command is run.
      const rel = toPosix(path.relative(options.workspace ?? options.workingDirectory, s.path))
      warnings.push({
        code: WarningCode.NoExecBit,
        title: `${s.snapshotName}: not executable`,
        message: `${rel} has no exec bit, so it ran under bash. Fix: git update-index --chmod=+x ${rel}`,
        file: s.path,
      })
    }
  }

  // Each running sensor listens on the one cancellation signal; past 10 Node would warn of
  // a leak that is not one (listeners go when their sensor ends).
  if (options.cancel) setMaxListeners(0, options.cancel)
  const written: string[] = []
  /**
   * Publishing can fail only when something else changed the folder meanwhile (a sensor
   * deleting it, a directory planted at a snapshot path). That costs this one snapshot, as a
   * warning, never the beat: the hash then covers only what is on disk.
   */
  const publishOrWarn = async (produced: Produced): Promise<Produced> => {
    try {
      written.push(...(await publishRecreating(produced, options.snapshotsDir, present)))
      return produced
    } catch (error) {
      warnings.push({
        code: WarningCode.PublishFailed,
        title: `${produced.entry.name}: snapshot not written`,
        message: `${produced.entry.name} could not be written to ${options.snapshotsDir}: ${messageOf(error)}. Did a sensor change that folder? Sensors may read SNAPSHOTS_DIR, not write to it.`,
      })
      return { ...produced, snapshot: undefined }
    }
  }
  const runToken = newRunToken()
  const sensorRuns = await mapBounded(scripts, options.concurrency, async (script) =>
    publishOrWarn(await senseScript(script, options, platform, previous, runToken)),
  )
  // Whatever escaped a sensor's group and still runs is killed here, before the job ends.
  await sweepEscapees(runToken, platform)
  const probeRuns = await Promise.all(
    probes.map(async (name) => publishOrWarn(await senseProbe(name, options))),
  )

  // In script order, whatever order the sensors finished in.
  for (const run of sensorRuns) warnings.push(...(run.warnings ?? []))

  const produced = [...sensorRuns, ...probeRuns].sort((a, b) =>
    compareBytes(a.entry.name, b.entry.name),
  )
  const hash = worldHash(produced.flatMap((p) => (p.snapshot ? [p.snapshot] : [])))
  const comparison = previous && compareWith(previous, produced)
  if (previous && comparison) {
    warnings.push(
      ...flappingWarnings(
        comparison,
        produced.map((p) => p.entry),
        previous,
      ),
    )
  }
  const finished = new Date()
  const entries = produced.map((p) => p.entry)
  const beat = historyBeat(started, options.env, hash, entries)
  const result = {
    entries,
    worldHash: hash,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    snapshotsDir: options.snapshotsDir,
    indexPath: path.join(options.snapshotsDir, INDEX_FILE),
    warnings,
    cancelled: options.cancel?.aborted ?? false,
    comparison,
    notices: previous?.notice ? [previous.notice] : [],
    shard: options.shard && { ...options.shard, discovered: discovered.length },
  }
  const index = renderIndex(result, options, previous, nextHistory(previous?.history ?? [], beat))
  // A sensor may have removed the whole folder; index.json is written all the same.
  await mkdir(options.snapshotsDir, { recursive: true })
  written.push(await publish(options.snapshotsDir, INDEX_FILE, index.text))
  return { ...result, history: index.history, writtenFiles: written.sort() }
}

async function senseScript(
  script: SensorScript,
  options: SenseOptions,
  platform: NodeJS.Platform,
  previous: PreviousState | undefined,
  runToken: string,
): Promise<Produced> {
  // Read once, here: its hash and every directive (format, interval) come from these bytes. A
  // script that cannot be read has no directives; running it then fails and says why.
  const content = await readFile(script.path).catch(() => undefined)
  const { directives, problems } = parseDirectives(scriptHead(content ?? Buffer.alloc(0)))
  const warnings = directiveWarnings(script, problems, options)
  const scriptSha256 = content ? createHash('sha256').update(content).digest('hex') : undefined
  if (directives.intervalS !== undefined && !options.cancel?.aborted) {
    const reuse = await reusableSnapshot(
      previous,
      script.snapshotName,
      scriptSha256,
      directives.intervalS,
      Date.now(),
    )
    if (reuse) {
      // Redacted too: the earlier run may have had other `redact` values, or none.
      const bytes = (options.redactor ?? NO_REDACTION).json(reuse.bytes)
      const published = freshPublished(script, options.workingDirectory, scriptSha256, {
        ...reuse,
        bytes,
      })
      return { ...published, warnings }
    }
  }
  const previousSnapshot = previous?.snapshots.get(script.snapshotName)?.path
  const ctx = { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes }
  // A sensor whose turn comes after a cancellation returns `cancelled` without starting.
  const redactor = options.redactor ?? NO_REDACTION
  const attempt = async (): Promise<Judged> => {
    const ran: SensorOutcome = await runSensor({
      script,
      cwd: options.workingDirectory,
      // The previous file is never written before this sensor ends: its own snapshot is
      // published after its last attempt, and no other sensor or probe owns that name.
      env: sensorEnv(options.env, {
        name: script.name,
        snapshotsDir: options.snapshotsDir,
        previousSnapshot,
        runToken,
      }),
      timeoutMs: options.timeoutMs,
      maxBytes: options.maxBytes,
      cancel: options.cancel,
      platform,
    })
    // Redacted before anything quotes it (an error snapshot, the plugin output, messages).
    const outcome = redactOutcome(ran, redactor)
    return directives.format === 'nagios'
      ? judgeNagios(outcome, ctx)
      : { outcome, bytes: snapshotBytes(outcome, ctx) }
  }
  const { last, attempts } = await withRetries(attempt, (j) => j.outcome.status, {
    retries: options.retries ?? 0,
    cancel: options.cancel,
  })
  const { outcome } = last
  // The hashes are taken over these bytes: what is published, so what is on disk.
  const bytes = last.bytes && redactor.json(last.bytes)
  const fileName = snapshotFile(script.snapshotName)
  const payload = bytes && wakePayload(bytes)
  const entry: Entry = {
    name: script.snapshotName,
    kind: Kind.Sensor,
    script: toPosix(path.relative(options.workingDirectory, script.path)),
    scriptSha256,
    status: outcome.status,
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    bytes: outcome.stdoutBytes,
    sensedAt: outcome.startedAt.toISOString(),
    signalSha256: payload ? payloadSha256(payload) : '',
    streak: 0,
    attempts,
    scriptPath: script.path,
    message: outcome.message,
    stderrTail: stderrTail(outcome.stderr),
  }
  return {
    entry,
    snapshot: bytes && { fileName, bytes, payload },
    stderr: outcome.stderr,
    warnings,
  }
}

/** A warning per directive line that was not applied, naming the file and the line. */
function directiveWarnings(
  script: SensorScript,
  problems: DirectivesResult['problems'],
  options: SenseOptions,
): SenseWarning[] {
  const rel = toPosix(path.relative(options.workspace ?? options.workingDirectory, script.path))
  return problems.map((p) => ({
    code: WarningCode.Directive,
    title: `${script.snapshotName}: directive ignored`,
    message: `${rel}:${p.line}: ${p.message} The line: ${p.text}`,
    file: script.path,
    line: p.line,
  }))
}

/**
 * The outcome with stderr, the message and (for an error snapshot's excerpt) stdout redacted
 * before anything quotes them. The parse error of `invalid-json` quotes stdout too: it is
 * taken again from the redacted bytes, so it cannot show the start of a value either.
 */
function redactOutcome(ran: SensorOutcome, redactor: Redactor): SensorOutcome {
  if (!redactor.active) return ran
  const stdout = ran.status === Status.Ok ? ran.stdout : redactor.bytes(ran.stdout)
  const decoded = ran.status === Status.InvalidJson ? decodeJson(stdout) : undefined
  const message = decoded && !decoded.ok ? decoded.reason : ran.message
  return { ...ran, stdout, stderr: redactor.bytes(ran.stderr), message: redactor.text(message) }
}

async function senseProbe(name: ProbeName, options: SenseOptions): Promise<Produced> {
  const t0 = Date.now()
  const sensedAt = new Date().toISOString()
  const snapshot = await runProbe(name, {
    workingDirectory: options.workingDirectory,
    env: options.env,
  })
  const redactor = options.redactor ?? NO_REDACTION
  const bytes = redactor.json(Buffer.from(`${JSON.stringify(snapshot)}\n`))
  const payload = wakePayload(bytes)
  const snapshotName = probeSnapshotName(name)
  return {
    entry: {
      name: snapshotName,
      kind: Kind.Probe,
      status: Status.Ok,
      durationMs: Date.now() - t0,
      sensedAt,
      signalSha256: payloadSha256(payload),
      streak: 0,
      attempts: 1,
      message: '',
      stderrTail: '',
      probeSignal: redactor.value(snapshot.signal),
    },
    snapshot: { fileName: snapshotFile(snapshotName), bytes, payload },
  }
}

/**
 * Publishes one run's files. A cancelled sensor has no snapshot this beat, so an earlier one
 * is removed rather than left to pass for current. The `.err` file exists only when this run's
 * stderr was non-empty.
 */
async function publishProduced(
  produced: Produced,
  dir: string,
  present: ReadonlySet<string>,
): Promise<string[]> {
  const { entry, snapshot, stderr } = produced
  const written: string[] = []
  // Only what was there before the beat can need removing (prepareDirectory's listing).
  const removeIfPresent = async (fileName: string) => {
    if (present.has(fileName)) await remove(dir, fileName)
  }
  if (snapshot) written.push(await publish(dir, snapshot.fileName, snapshot.bytes))
  else await removeIfPresent(snapshotFile(entry.name))
  if (entry.kind === Kind.Sensor) {
    const errFile = stderrFile(entry.name)
    if (stderr && stderr.length > 0) written.push(await publish(dir, errFile, stderr))
    else await removeIfPresent(errFile)
  }
  return written
}

/**
 * A sensor may delete the whole snapshots folder while others run: it is made again, once per
 * publish, so every sensor that ends after the deletion still has its snapshot.
 */
async function publishRecreating(
  produced: Produced,
  dir: string,
  present: ReadonlySet<string>,
): Promise<string[]> {
  try {
    return await publishProduced(produced, dir, present)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    await mkdir(dir, { recursive: true })
    return publishProduced(produced, dir, present)
  }
}

/**
 * index.json: SPEC's field names, sorted entries, optional fields only when they apply; the
 * history last, cut to keep the file under its bound (index-file.ts).
 */
function renderIndex(
  result: Omit<SenseResult, 'writtenFiles'>,
  options: SenseOptions,
  previous: PreviousState | undefined,
  history: HistoryEntry[],
): { text: string; history: HistoryEntry[] } {
  const index = {
    version: 1,
    world_hash: result.worldHash,
    started_at: result.startedAt,
    finished_at: result.finishedAt,
    duration_ms: result.durationMs,
    settings: options.settings ?? {},
    ...(result.shard && { shard: { k: result.shard.index, n: result.shard.count } }),
    sensors: result.entries.map((e) => ({
      name: e.name,
      kind: e.kind,
      script: e.script,
      script_sha256: e.scriptSha256,
      status: e.status,
      exit_code: e.exitCode,
      duration_ms: e.durationMs,
      bytes: e.bytes,
      sensed_at: e.sensedAt,
      signal_sha256: e.signalSha256,
      streak: e.streak,
      attempts: e.attempts,
    })),
    previous: previousRecord(previous),
  }
  // JSON.stringify drops undefined fields: a probe has no script, a timeout no bytes is still a number.
  const redactor = options.redactor ?? NO_REDACTION
  if (!redactor.active) return renderIndexText(index, history)
  const rendered = renderIndexText(
    redactor.value(index) as Record<string, unknown>,
    history.map((beat) => redactor.value(beat) as HistoryEntry),
  )
  // The reports get the beats themselves: the host redacts whatever of them it prints.
  return { text: rendered.text, history: history.slice(history.length - rendered.history.length) }
}

/**
 * Runs `fn` over `items` with at most `limit` in flight, and returns results in input order
 * (never in finishing order).
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i] as T)
    }
  }
  const workers = Math.max(1, Math.min(limit, items.length))
  await Promise.all(Array.from({ length: workers }, worker))
  return results
}
