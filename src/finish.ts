/**
 * The phases after the sense beat, shared by the main action and the merge step: log → upload
 * → outputs → summary → annotations → the verdict on the sensors. Whoever produced the
 * SenseResult (one run, or the merge of several shards), the reports and the verdict are the
 * same. Nothing here fails the step: the failures come back, and the caller fails it last,
 * after everything is written.
 */
import path from 'node:path'
import { Inputs } from './constants.js'
import { UploadMode } from './inputs.js'
import { planAnnotations } from './report/annotations.js'
import { plural, warnedSensors } from './report/format.js'
import type { Host } from './report/host.js'
import { nameFailures } from './report/log.js'
import { outputValues } from './report/outputs.js'
import type { SummaryExtras } from './report/summary.js'
import {
  isFailure,
  type SenseResult,
  type SenseWarning,
  sensorsOf,
  WarningCode,
} from './sense/types.js'
import type { UploadedArtifact } from './upload/artifact.js'
import { messageOf } from './util.js'

/** What the phases after sensing read of the inputs (the main action's and the merge's alike). */
export interface FinishSettings {
  /** Base of the paths in annotations. */
  workspace: string
  failOnError: boolean
  failOnWarning: boolean
  upload: UploadMode
  /** The effective artifact name (with its shard suffix, when sharded). */
  artifactName: string
  retentionDays?: number
  compressionLevel: number
  overwrite: boolean
}

/**
 * Reports `result` everywhere and uploads it. `warnings` are every warning so far, in the order
 * they should be shown; the phases' own are added after them. `problems` fail the step besides
 * the sensors (a merge's missing shard) and head the summary. Returns the failures: `problems`,
 * the sensors' verdict, the upload's, then `fail-on-warning`'s.
 */
export async function reportAndFinish(
  result: SenseResult,
  warnings: readonly SenseWarning[],
  settings: FinishSettings,
  env: NodeJS.ProcessEnv,
  host: Host,
  problems: readonly string[] = [],
): Promise<string[]> {
  const failures: string[] = []
  const allWarnings = [...warnings]
  host.log(result)

  const upload = await uploadPhase(settings, result, env, host)
  allWarnings.push(...upload.warnings)
  if (upload.failure !== undefined) failures.push(upload.failure)
  host.writeOutputs(outputValues(result, upload.artifact))
  const extras: SummaryExtras = {
    artifactName: settings.artifactName,
    artifactUrl: upload.artifact?.url,
    uploadNote: upload.note,
    changes: result.comparison?.changes,
    problems,
  }
  const summaryWarning = await host.writeSummary(result, extras)
  if (summaryWarning) allWarnings.push(summaryWarning)

  // Last, so that every warning (the summary's and the upload's too) goes through one cap.
  host.annotate(planAnnotations(result, allWarnings, settings.workspace))

  const sensorCount = sensorsOf(result.entries).length
  const failed = result.entries.filter((e) => isFailure(e.status))
  if (failed.length > 0 && settings.failOnError) {
    failures.unshift(
      `${failed.length} of ${plural(sensorCount, 'sensor', 'sensors')} failed: ${nameFailures(failed)}`,
    )
  }
  const warned = warnedSensors(result)
  if (warned.length > 0 && settings.failOnWarning) {
    failures.push(
      `${warned.length} of ${plural(sensorCount, 'sensor', 'sensors')} ended warning, and \`${Inputs.FailOnWarning}\` is true: ${nameFailures(warned)}`,
    )
  }
  // What is wrong beyond the sensors comes first: the verdict above covers only what arrived.
  return [...problems, ...failures]
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
  settings: FinishSettings,
  result: SenseResult,
  env: NodeJS.ProcessEnv,
  host: Host,
): Promise<UploadPhase> {
  if (settings.upload === UploadMode.Never) return { warnings: [] }
  // Loaded only here: runs that never upload never pay for the artifact client.
  const { ghesMessage, isGhes, runtimePresent, uploadSnapshots } = await import(
    './upload/artifact.js'
  )
  if (!runtimePresent(env)) {
    const note = 'not uploaded: no Actions runtime'
    if (settings.upload === UploadMode.Always) {
      const failure = `\`${Inputs.Upload}\` is \`true\` but the Actions runtime is not available (ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are unset), so the snapshots could not be uploaded. Run inside a GitHub Actions job, or set \`${Inputs.Upload}: auto\` to upload only when possible.`
      return { note, failure, warnings: [] }
    }
    host.notice('Artifact upload skipped: the Actions runtime is not available here.')
    return { note, warnings: [] }
  }
  if (isGhes(env.GITHUB_SERVER_URL)) {
    const message = ghesMessage(env, result.snapshotsDir)
    const note = 'not uploaded: GitHub Enterprise Server'
    if (settings.upload === UploadMode.Always) return { note, failure: message, warnings: [] }
    host.notice(message)
    return { note, warnings: [] }
  }
  try {
    const artifact = await uploadSnapshots({
      name: settings.artifactName,
      rootDirectory: result.snapshotsDir,
      files: [...result.writtenFiles],
      retentionDays: settings.retentionDays,
      compressionLevel: settings.compressionLevel,
      overwrite: settings.overwrite,
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
