/**
 * run(): inputs → sense → log → upload → outputs → summary → annotations → fail or not. It only
 * orchestrates; each phase lives in its own module. The order at the end is part of the
 * contract: snapshots, index.json, the upload, the outputs and the summary are all written
 * before the step is failed, so a failing sensor never costs the user the evidence.
 */
import path from 'node:path'
import * as core from '@actions/core'
import { Inputs } from './constants.js'
import {
  type ActionInputs,
  getInputs,
  IfNoSensors,
  nonDefaultInputs,
  UploadMode,
} from './inputs.js'
import { emitAnnotations, planAnnotations, printWarnings } from './report/annotations.js'
import { logResult, nameFailures } from './report/log.js'
import { outputValues, type UploadedArtifact, writeOutputs } from './report/outputs.js'
import { buildTextSummary, plural, type SummaryExtras, writeSummary } from './report/summary.js'
import { DiscoveryError } from './sense/discover.js'
import { sense } from './sense/sense.js'
import { isFailure, Kind, type SenseResult, type SenseWarning, WarningCode } from './sense/types.js'

/** Inputs declared by the contract whose feature this version does not implement yet. */
const NOT_YET_SUPPORTED: readonly Inputs[] = [
  Inputs.Previous,
  Inputs.Shard,
  Inputs.Retries,
  Inputs.Redact,
]

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const inRunner = env.GITHUB_ACTIONS === 'true'
  const failures: string[] = []
  if (!inRunner) hideDebugLines()
  // Held until the end: a cancellation during the upload or the summary still lets both
  // finish, and the step then fails as cancelled.
  const cancellation = cancelOnSignals()
  try {
    const inputs = getInputs(env)
    // Registered first, so the runner masks them in everything logged after this line.
    // Outside a runner `::add-mask::` would only print the secret.
    if (inRunner) for (const value of inputs.redact) core.setSecret(value)

    const result = await senseWith(inputs, env, cancellation.signal)
    result.warnings.unshift(...notYetSupportedWarnings(env))
    const sensorCount = result.entries.filter((e) => e.kind === Kind.Sensor).length
    if (sensorCount === 0) {
      const message = `No sensor matched \`${Inputs.Sensors}\` (${inputs.sensors.join(', ')}) under ${inputs.workingDirectory}. Add scripts there, or fix the patterns.`
      if (inputs.ifNoSensors === IfNoSensors.Error) failures.push(message)
      if (inputs.ifNoSensors === IfNoSensors.Warn) {
        result.warnings.push({ code: WarningCode.NoSensors, title: 'no sensors', message })
      }
    }
    // Outside a runner the text summary printed below says all of this, without commands.
    if (inRunner) logResult(result)

    const extras: SummaryExtras = { artifactName: inputs.artifactName }
    const artifact = await uploadPhase(inputs, result, env, extras, failures, inRunner)
    writeOutputs(outputValues(result, artifact), env)
    if (!inRunner) process.stdout.write(`${buildTextSummary(result, extras)}\n`)
    else await writeSummary(result, extras).catch((error) => summaryMissing(result, error))

    // Last, so that every warning (the summary's and the upload's too) goes through one cap.
    const plan = planAnnotations(result, inputs.workspace)
    if (inRunner) emitAnnotations(plan)
    else printWarnings(plan)

    const failed = result.entries.filter((e) => isFailure(e.status))
    if (failed.length > 0 && inputs.failOnError) {
      failures.unshift(
        `${failed.length} of ${plural(sensorCount, 'sensor', 'sensors')} failed: ${nameFailures(failed)}`,
      )
    }
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error))
  } finally {
    cancellation.dispose()
  }
  if (cancellation.signal.aborted) {
    failures.unshift(
      'The run was cancelled: finished sensors were written, the rest are marked cancelled.',
    )
  }
  if (failures.length > 0) fail(failures.join('\n'), inRunner)
}

/** The sense phase, with a name collision reported as the input error it is. */
async function senseWith(
  inputs: ActionInputs,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
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
      probes: inputs.probes,
      env,
      signal,
      settings: indexSettings(inputs),
    })
  } catch (error) {
    if (error instanceof DiscoveryError) {
      throw new Error(`Invalid input \`${Inputs.Sensors}\`: ${error.message}`)
    }
    throw error
  }
}

/** Uploads when asked to; a failure is recorded (the step fails later), never thrown. */
async function uploadPhase(
  inputs: ActionInputs,
  result: SenseResult,
  env: NodeJS.ProcessEnv,
  extras: SummaryExtras,
  failures: string[],
  inRunner: boolean,
): Promise<UploadedArtifact | undefined> {
  if (inputs.upload === UploadMode.Never) return undefined
  // Loaded only here: runs that never upload never pay for the artifact client.
  const { runtimePresent, uploadSnapshots } = await import('./upload/artifact.js')
  if (!runtimePresent(env)) {
    if (inputs.upload === UploadMode.Always) {
      failures.push(
        `\`${Inputs.Upload}\` is \`true\` but the Actions runtime is not available (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are unset), so the snapshots could not be uploaded. Run inside a GitHub Actions job, or set \`${Inputs.Upload}: auto\` to upload only when possible.`,
      )
    } else {
      const notice = 'Artifact upload skipped: the Actions runtime is not available here.'
      if (inRunner) core.notice(notice)
      else process.stdout.write(`${notice}\n`)
    }
    extras.uploadNote = 'not uploaded: no Actions runtime'
    return undefined
  }
  try {
    const artifact = await uploadSnapshots({
      name: inputs.artifactName,
      rootDirectory: result.snapshotsDir,
      files: result.writtenFiles,
      retentionDays: inputs.retentionDays,
      compressionLevel: inputs.compressionLevel,
      overwrite: inputs.overwrite,
      env,
    })
    extras.artifactUrl = artifact.url
    if (artifact.skipped.length > 0) {
      result.warnings.push({
        code: WarningCode.UploadSkipped,
        title: 'snapshots missing from the artifact',
        message: `${artifact.skipped.length} file(s) written by this run were gone before the upload (did a sensor delete them from SNAPSHOTS_DIR?): ${artifact.skipped.map((f) => path.basename(f)).join(', ')}`,
      })
    }
    return artifact
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    failures.push(
      `Artifact upload failed: ${message.replace(/\.?$/, '.')} The snapshots are still in ${result.snapshotsDir}.`,
    )
    extras.uploadNote = `upload failed: ${message}`
    return undefined
  }
}

/**
 * Runners without job summaries (GITHUB_STEP_SUMMARY unset, as on old GitHub Enterprise
 * Servers) make core.summary throw, and so does a summary already full: that costs a warning,
 * never the outputs or the verdict.
 */
function summaryMissing(result: SenseResult, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error)
  result.warnings.push({
    code: WarningCode.SummaryNotWritten,
    title: 'job summary not written',
    message: `The job summary was not written (${reason}). Outputs, snapshots and index.json are complete.`,
  })
}

/** The one place the step fails. Outside a runner a workflow command means nothing: plain text. */
function fail(message: string, inRunner: boolean): void {
  if (inRunner) {
    core.setFailed(message)
  } else {
    process.stderr.write(`Error: ${message}\n`)
    process.exitCode = 1
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
    probes: inputs.probes,
  }
}

/**
 * Outside a runner nothing hides `::debug::` lines (@actions/glob prints a handful per pattern),
 * so they are dropped from stdout there; in a runner they stay, for ACTIONS_STEP_DEBUG.
 */
function hideDebugLines(): void {
  const write = process.stdout.write.bind(process.stdout) as (
    chunk: unknown,
    ...rest: unknown[]
  ) => boolean
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('::debug::')
      ? true
      : write(chunk, ...rest)) as typeof process.stdout.write
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
