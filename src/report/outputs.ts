/**
 * The step's outputs. Values are computed by a pure function; writing them is the only part
 * that touches the runner.
 */
import * as core from '@actions/core'
import { Outputs } from '../constants.js'
import { isFailure, Kind, type SenseResult, Status } from '../sense/types.js'

export interface UploadedArtifact {
  id: string
  url: string
  digest: string
}

/** Every SPEC output, as the strings the runner stores. JSON arrays for the lists. */
export function outputValues(
  result: SenseResult,
  artifact?: UploadedArtifact,
): Record<Outputs, string> {
  const sensors = result.entries.filter((e) => e.kind === Kind.Sensor)
  const failed = sensors.filter((e) => isFailure(e.status))
  return {
    [Outputs.Total]: String(sensors.length),
    [Outputs.Ok]: String(sensors.filter((e) => e.status === Status.Ok).length),
    [Outputs.Failed]: String(failed.length),
    [Outputs.Fresh]: String(sensors.filter((e) => e.status === Status.Fresh).length),
    [Outputs.FailedSensors]: JSON.stringify(failed.map((e) => e.name)),
    [Outputs.WorldHash]: result.worldHash,
    // Change detection needs `previous`; without it SPEC leaves `changed` empty.
    [Outputs.Changed]: '',
    [Outputs.ChangedSensors]: '[]',
    [Outputs.Changes]: '[]',
    [Outputs.FlappingSensors]: '[]',
    [Outputs.SnapshotsDir]: result.snapshotsDir,
    [Outputs.Index]: result.indexPath,
    [Outputs.ArtifactId]: artifact?.id ?? '',
    [Outputs.ArtifactUrl]: artifact?.url ?? '',
    [Outputs.ArtifactDigest]: artifact?.digest ?? '',
  }
}

/**
 * In a runner the values go to the GITHUB_OUTPUT file (core.setOutput, with its heredoc
 * delimiter for multi-line values). Without that file they are printed as `name=value` lines:
 * @actions/core would fall back to the deprecated `::set-output` command, which we never emit.
 */
export function writeOutputs(values: Record<Outputs, string>, env: NodeJS.ProcessEnv): void {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_OUTPUT) {
    for (const [name, value] of Object.entries(values)) core.setOutput(name, value)
    return
  }
  const lines = Object.entries(values).map(([name, value]) => `${name}=${value}\n`)
  process.stdout.write(lines.join(''))
}
