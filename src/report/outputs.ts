/**
 * The step's outputs, computed by a pure function; the host writes them.
 */
import { Outputs } from '../constants.js'
import { changesOutput } from '../sense/changes.js'
import { isFailure, type SenseResult, Status, sensorsOf } from '../sense/types.js'
import type { UploadedArtifact } from '../upload/artifact.js'

/** Every SPEC output, as the strings the runner stores. JSON arrays for the lists. */
export function outputValues(
  result: SenseResult,
  artifact?: UploadedArtifact,
): Record<Outputs, string> {
  const sensors = sensorsOf(result.entries)
  const failed = sensors.filter((e) => isFailure(e.status))
  const warned = sensors.filter((e) => e.status === Status.Warning)
  const comparison = result.comparison
  return {
    [Outputs.Total]: String(sensors.length),
    [Outputs.Ok]: String(sensors.filter((e) => e.status === Status.Ok).length),
    [Outputs.Failed]: String(failed.length),
    [Outputs.Fresh]: String(sensors.filter((e) => e.status === Status.Fresh).length),
    [Outputs.Warning]: String(warned.length),
    [Outputs.FailedSensors]: JSON.stringify(failed.map((e) => e.name)),
    [Outputs.WarningSensors]: JSON.stringify(warned.map((e) => e.name)),
    [Outputs.WorldHash]: result.worldHash,
    // Change detection needs `previous`; without it SPEC leaves `changed` empty.
    [Outputs.Changed]: comparison ? String(comparison.changed) : '',
    [Outputs.ChangedSensors]: JSON.stringify(comparison?.changedSensors ?? []),
    [Outputs.Changes]: changesOutput(comparison?.changes ?? []),
    [Outputs.FlappingSensors]: JSON.stringify(comparison?.flapping ?? []),
    [Outputs.SnapshotsDir]: result.snapshotsDir,
    [Outputs.Index]: result.indexPath,
    [Outputs.ArtifactId]: artifact?.id ?? '',
    [Outputs.ArtifactUrl]: artifact?.url ?? '',
    [Outputs.ArtifactDigest]: artifact?.digest ?? '',
  }
}
