/**
 * run(): inputs → sense → log → upload → outputs → summary → annotations → fail or not. It only
 * orchestrates: each phase lives in its own module and returns what it produced, and run()
 * gathers the warnings and failures. The order at the end is part of the contract: snapshots,
 * index.json, the upload, the outputs and the summary are all written before the step is
 * failed, so a failing sensor never costs the user the evidence.
 */
import path from 'node:path'
import { Inputs } from './constants.js'
import {
  type ActionInputs,
  getInputs,
  IfNoSensors,
  nonDefaultInputs,
  UploadMode,
} from './inputs.js'
import { planAnnotations } from './report/annotations.js'
import { plural, warnedSensors } from './report/format.js'
import { type Host, hostFor } from './report/host.js'
import { nameFailures } from './report/log.js'
import { outputValues } from './report/outputs.js'
import type { SummaryExtras } from './report/summary.js'
import { resolvePrevious } from './previous/source.js'
import { DiscoveryError } from './sense/discover.js'
import type { PreviousSource } from './sense/previous.js'
import { sense } from './sense/sense.js'
import {
  isFailure,
  type SenseResult,
  type SenseWarning,
  sensorsOf,
  WarningCode,
} from './sense/types.js'
import type { UploadedArtifact } from './upload/artifact.js'
import { messageOf } from './util.js'

/** Inputs declared by the contract whose feature this version does not implement yet. */
const NOT_YET_SUPPORTED: readonly Inputs[] = [Inputs.Shard, Inputs.Redact]

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const host = hostFor(env)
  const failures: string[] = []
  // Held until the end: a cancellation during the upload or the summary still lets both
  // finish, and the step then fails as cancelled.
  const cancellation = cancelOnSignals()
  try {
    const inputs = getInputs(env)
    // Registered first, so the runner masks them in everything logged after this line.
    host.mask(inputs.redact)

    // Before sensing: `previous: auto` downloads the folder the engine then compares with.
    const previous = await resolvePrevious(inputs.previous, {
      env,
      token: inputs.githubToken,
      artifactName: inputs.artifactName,
    })
    const result = await senseWith(inputs, env, cancellation.signal, previous.source)
    const warnings: SenseWarning[] = [
      ...notYetSupportedWarnings(env),
      ...previous.warnings,
      ...result.warnings,
    ]
    for (const notice of [...previous.notices, ...(result.notices ?? [])]) host.notice(notice)
    const sensorCount = sensorsOf(result.entries).length
    if (sensorCount === 0) {
      const message = `No sensor matched \`${Inputs.Sensors}\` (${inputs.sensors.join(', ')}) under ${inputs.workingDirectory}. Add scripts there, or fix the patterns.`
      if (inputs.ifNoSensors === IfNoSensors.Error) failures.push(message)
      if (inputs.ifNoSensors === IfNoSensors.Warn) {
        warnings.push({ code: WarningCode.NoSensors, title: 'no sensors', message })
      }
    }
    host.log(result)

    const upload = await uploadPhase(inputs, result, env, host)
    warnings.push(...upload.warnings)
    if (upload.failure !== undefined) failures.push(upload.failure)
    host.writeOutputs(outputValues(result, upload.artifact))
    const extras: SummaryExtras = {
      artifactName: inputs.artifactName,
      artifactUrl: upload.artifact?.url,
      uploadNote: upload.note,
      changes: result.comparison?.changes,
    }
    const summaryWarning = await host.writeSummary(result, extras)
    if (summaryWarning) warnings.push(summaryWarning)

    // Last, so that every warning (the summary's and the upload's too) goes through one cap.
    host.annotate(planAnnotations(result, warnings, inputs.workspace))

    const failed = result.entries.filter((e) => isFailure(e.status))
    if (failed.length > 0 && inputs.failOnError) {
      failures.unshift(
        `${failed.length} of ${plural(sensorCount, 'sensor', 'sensors')} failed: ${nameFailures(failed)}`,
      )
    }
    const warned = warnedSensors(result)
    if (warned.length > 0 && inputs.failOnWarning) {
      failures.push(
        `${warned.length} of ${plural(sensorCount, 'sensor', 'sensors')} ended warning, and \`${Inputs.FailOnWarning}\` is true: ${nameFailures(warned)}`,
      )
    }
  } catch (error) {
    failures.push(messageOf(error))
  } finally {
    cancellation.dispose()
  }
  if (cancellation.signal.aborted) {
    failures.unshift(
      'The run was cancelled: finished sensors were written, the rest are marked cancelled.',
    )
  }
  if (failures.length > 0) host.fail(failures.join('\n'))
}

/** The sense phase, with a name collision reported as the input error it is. */
async function senseWith(
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv,
  cancel: AbortSignal,
  previous: PreviousSource | undefined,
): Promise<SenseResult> {
  try {
    return await sense({
      patterns: inputs.sensors,
      workingDirectory: inputs.workingDirectory,
      workspace: inputs.workspace,
      snapshotsDir: inputs.snapshotsDir,
      timeoutMs: inputs.timeoutMs,
      maxBytes: inputs.maxBytes,
      concurrency: inputs.concurrency,
      retries: inputs.retries,
      probes: inputs.probes,
      env,
      cancel,
      settings: indexSettings(inputs),
      previous,
    })
  } catch (error) {
    if (error instanceof DiscoveryError) {
      throw new Error(`Invalid input \`${Inputs.Sensors}\`: ${error.message}`)
    }
    throw error
  }
}

/** What the upload phase produced: never thrown, the step fails later when `failure` is set. */
interface UploadPhase {
  artifact?: UploadedArtifact
  /** Why there is no artifact link, for the summary. */
  note?: string
  failure?: string
  warnings: SenseWarning[]
}

async function uploadPhase(
  inputs: ActionInputs,
  result: SenseResult,
  env: NodeJS.ProcessEnv,
  host: Host,
): Promise<UploadPhase> {
  if (inputs.upload === UploadMode.Never) return { warnings: [] }
  // Loaded only here: runs that never upload never pay for the artifact client.
  const { runtimePresent, uploadSnapshots } = await import('./upload/artifact.js')
  if (!runtimePresent(env)) {
    const note = 'not uploaded: no Actions runtime'
    if (inputs.upload === UploadMode.Always) {
      const failure = `\`${Inputs.Upload}\` is \`true\` but the Actions runtime is not available (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are unset), so the snapshots could not be uploaded. Run inside a GitHub Actions job, or set \`${Inputs.Upload}: auto\` to upload only when possible.`
      return { note, failure, warnings: [] }
    }
    host.notice('Artifact upload skipped: the Actions runtime is not available here.')
    return { note, warnings: [] }
  }
  try {
    const artifact = await uploadSnapshots({
      name: inputs.artifactName,
      rootDirectory: result.snapshotsDir,
      files: [...result.writtenFiles],
      retentionDays: inputs.retentionDays,
      compressionLevel: inputs.compressionLevel,
      overwrite: inputs.overwrite,
      env,
    })
    const warnings: SenseWarning[] = []
    if (artifact.skipped.length > 0) {
      warnings.push({
        code: WarningCode.UploadSkipped,
        title: 'snapshots missing from the artifact',
        message: `${artifact.skipped.length} file(s) written by this run were gone before the upload (did a sensor delete them from SNAPSHOTS_DIR?): ${artifact.skipped.map((f) => path.basename(f)).join(', ')}`,
      })
    }
    return { artifact, warnings }
  } catch (error) {
    const message = messageOf(error)
    return {
      note: `upload failed: ${message}`,
      failure: `Artifact upload failed: ${message.replace(/\.?$/, '.')} The snapshots are still in ${result.snapshotsDir}.`,
      warnings: [],
    }
  }
}

function notYetSupportedWarnings(env: NodeJS.ProcessEnv): SenseWarning[] {
  return nonDefaultInputs(env, NOT_YET_SUPPORTED).map((input) => ({
    code: WarningCode.NotYetSupported,
    title: `${input}: no effect yet`,
    message:
      input === Inputs.Redact
        ? `\`${input}\` values are masked in the log, but this version does not yet replace them in snapshots, the summary or outputs.`
        : `\`${input}\` is set, but this version of looop sense does not implement it yet: it has no effect.`,
  }))
}

/** What index.json records of the settings: enough to tell two runs' configurations apart. */
function indexSettings(inputs: ActionInputs): Record<string, unknown> {
  return {
    sensors: inputs.sensors,
    timeout_s: inputs.timeoutMs / 1000,
    max_bytes: inputs.maxBytes,
    concurrency: Number.isFinite(inputs.concurrency) ? inputs.concurrency : 0,
    retries: inputs.retries,
    probes: inputs.probes,
  }
}

/**
 * A cancelled workflow run sends SIGINT, then SIGTERM. Either aborts the sense run: running
 * sensors' groups are killed, what finished is written, and the step fails.
 */
function cancelOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onSignal = (): void => controller.abort()
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
