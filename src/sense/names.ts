/**
 * The file names this action owns in the snapshots directory, built here and nowhere else.
 * A snapshot name is `sensor-<name>` or `sys-<probe>`; its files are `<snapshot name>.json` and,
 * for a sensor with stderr, `<snapshot name>.err`; beside them lives `index.json`.
 */

export const INDEX_FILE = 'index.json'

const SENSOR_PREFIX = 'sensor-'
const PROBE_PREFIX = 'sys-'

/** `sensor-<name>` for a sensor's bare name. */
export function sensorSnapshotName(bareName: string): string {
  return `${SENSOR_PREFIX}${bareName}`
}

/** `sys-<probe>` for a probe. */
export function probeSnapshotName(probe: string): string {
  return `${PROBE_PREFIX}${probe}`
}

/** The snapshot file of a snapshot name. */
export function snapshotFile(snapshotName: string): string {
  return `${snapshotName}.json`
}

/** The stderr file of a sensor's snapshot name. */
export function stderrFile(snapshotName: string): string {
  return `${snapshotName}.err`
}

/** The four shapes this action owns, and so may prune; no other file is ever touched. */
const OWNED = /^(sensor-.+\.(json|err)|sys-.+\.json|index\.json)$/
/** The snapshot files the world hash covers. */
const HASHED = /^(sensor|sys)-.+\.json$/

export function isOwnedFile(fileName: string): boolean {
  return OWNED.test(fileName)
}

export function isSnapshotFile(fileName: string): boolean {
  return HASHED.test(fileName)
}
