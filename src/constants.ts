/**
 * The public names of the action. Each enum value is spelled exactly as in action.yml; the
 * test suite proves the two agree, so a rename here without one there (or the reverse) fails.
 */

export enum Inputs {
  Sensors = 'sensors',
  WorkingDirectory = 'working-directory',
  SnapshotsDir = 'snapshots-dir',
  Timeout = 'timeout',
  MaxBytes = 'max-bytes',
  Concurrency = 'concurrency',
  Probes = 'probes',
  Previous = 'previous',
  GithubToken = 'github-token',
  Shard = 'shard',
  Retries = 'retries',
  Redact = 'redact',
  FailOnError = 'fail-on-error',
  FailOnWarning = 'fail-on-warning',
  IfNoSensors = 'if-no-sensors',
  Upload = 'upload',
  ArtifactName = 'artifact-name',
  RetentionDays = 'retention-days',
  CompressionLevel = 'compression-level',
  Overwrite = 'overwrite',
}

/**
 * The one place defaults live. The code applies them when an `INPUT_*` variable is absent
 * (as outside a runner); action.yml repeats them for the runner, and a test holds the two equal.
 */
export const DEFAULTS: Readonly<Record<Inputs, string>> = {
  [Inputs.Sensors]: 'sensors/*.sh',
  [Inputs.WorkingDirectory]: '.',
  [Inputs.SnapshotsDir]: 'snapshots',
  [Inputs.Timeout]: '60',
  [Inputs.MaxBytes]: '8192',
  [Inputs.Concurrency]: '8',
  [Inputs.Probes]: 'all',
  [Inputs.Previous]: '',
  // The runner expands this; outside a runner it stays as written, and getInputs reads that
  // as "no token given" (a token matters only to `previous: auto`, which needs a runner).
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, as action.yml has it
  [Inputs.GithubToken]: '${{ github.token }}',
  [Inputs.Shard]: '',
  [Inputs.Retries]: '0',
  [Inputs.Redact]: '',
  [Inputs.FailOnError]: 'true',
  [Inputs.FailOnWarning]: 'false',
  [Inputs.IfNoSensors]: 'warn',
  [Inputs.Upload]: 'auto',
  [Inputs.ArtifactName]: 'snapshots',
  [Inputs.RetentionDays]: '',
  [Inputs.CompressionLevel]: '6',
  [Inputs.Overwrite]: 'false',
}

export enum Outputs {
  Total = 'total',
  Ok = 'ok',
  Failed = 'failed',
  Fresh = 'fresh',
  Warning = 'warning',
  FailedSensors = 'failed-sensors',
  WarningSensors = 'warning-sensors',
  WorldHash = 'world-hash',
  Changed = 'changed',
  ChangedSensors = 'changed-sensors',
  Changes = 'changes',
  FlappingSensors = 'flapping-sensors',
  SnapshotsDir = 'snapshots-dir',
  Index = 'index',
  ArtifactId = 'artifact-id',
  ArtifactUrl = 'artifact-url',
  ArtifactDigest = 'artifact-digest',
}
