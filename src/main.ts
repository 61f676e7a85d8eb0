/**
 * run(): inputs → sense → log → upload → outputs → summary → annotations → fail or not. It only
 * orchestrates: each phase lives in its own module and returns what it produced, and run()
 * gathers the warnings and failures. The phases after sensing are finish.ts, which the merge
 * step shares. The order at the end is part of the contract: snapshots,
 * index.json, the upload, the outputs and the summary are all written before the step is
 * failed, so a failing sensor never costs the user the evidence.
 */
import { Inputs } from './constants.js'
import { reportAndFinish } from './finish.js'
import { type ActionInputs, getInputs, IfNoSensors } from './inputs.js'
import { createRedactor, type Redactor } from './redact.js'
import { hostFor } from './report/host.js'
import { resolvePrevious } from './previous/source.js'
import { DiscoveryError } from './sense/discover.js'
import type { PreviousSource } from './sense/previous.js'
import { sense } from './sense/sense.js'
import { type SenseResult, type SenseWarning, sensorsOf, WarningCode } from './sense/types.js'
import { messageOf } from './util.js'

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const host = hostFor(env)
  const failures: string[] = []
  // Held until the end: a cancellation during the upload or the summary still lets both
  // finish, and the step then fails as cancelled.
  const cancellation = cancelOnSignals()
  try {
    const inputs = getInputs(env)
    // First, so that everything written after this line is redacted.
    const redactor = createRedactor(inputs.redact)
    host.redact(redactor)

    // Before sensing: `previous: auto` downloads the folder the engine then compares with.
    const previous = await resolvePrevious(inputs.previous, {
      env,
      token: inputs.githubToken,
      artifactName: inputs.artifactName,
    })
    const result = await senseWith(inputs, env, cancellation.signal, previous.source, redactor)
    const warnings: SenseWarning[] = [...previous.warnings, ...result.warnings]
    for (const notice of [...previous.notices, ...(result.notices ?? [])]) host.notice(notice)
    // A shard that drew none of the sensors its patterns found is not a setup without sensors.
    const sensorCount = result.shard?.discovered ?? sensorsOf(result.entries).length
    if (sensorCount === 0) {
      const message = `No sensor matched \`${Inputs.Sensors}\` (${inputs.sensors.join(', ')}) under ${inputs.workingDirectory}. Add scripts there, or fix the patterns.`
      if (inputs.ifNoSensors === IfNoSensors.Error) failures.push(message)
      if (inputs.ifNoSensors === IfNoSensors.Warn) {
        warnings.push({ code: WarningCode.NoSensors, title: 'no sensors', message })
      }
    }
    failures.push(...(await reportAndFinish(result, warnings, inputs, env, host)))
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
  redactor: Redactor,
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
      shard: inputs.shard,
      redactor,
    })
  } catch (error) {
    if (error instanceof DiscoveryError) {
      throw new Error(`Invalid input \`${Inputs.Sensors}\`: ${error.message}`)
    }
    throw error
  }
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
