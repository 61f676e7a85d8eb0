/**
 * The merge step's inputs (merge/action.yml): read, validated and defaulted at once, with the
 * main action's parsers, so that a name both actions share means the same there and here.
 */
import path from 'node:path'
import type { FinishSettings } from '../finish.js'
import {
  artifactName,
  boolean,
  githubToken,
  InputError,
  integer,
  oneOf,
  type PreviousInput,
  previousInput,
  snapshotsDirectory,
  UploadMode,
} from '../inputs.js'

/** Each value is spelled exactly as in merge/action.yml; a test holds the two equal. */
export enum MergeInputs {
  Pattern = 'pattern',
  ArtifactName = 'artifact-name',
  SnapshotsDir = 'snapshots-dir',
  FailOnError = 'fail-on-error',
  FailOnWarning = 'fail-on-warning',
  Previous = 'previous',
  GithubToken = 'github-token',
  Upload = 'upload',
  RetentionDays = 'retention-days',
  CompressionLevel = 'compression-level',
  Overwrite = 'overwrite',
}

/**
 * Defaults, applied when an `INPUT_*` variable is absent; merge/action.yml repeats them, and a
 * test holds the two equal. `github-token`'s is the workflow's own token, as in the main action.
 */
export const MERGE_DEFAULTS: Readonly<Record<MergeInputs, string>> = {
  [MergeInputs.Pattern]: 'snapshots-*-of-*',
  [MergeInputs.ArtifactName]: 'snapshots',
  [MergeInputs.SnapshotsDir]: 'snapshots',
  [MergeInputs.FailOnError]: 'true',
  [MergeInputs.FailOnWarning]: 'false',
  [MergeInputs.Previous]: '',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow expression, as action.yml has it
  [MergeInputs.GithubToken]: '${{ github.token }}',
  [MergeInputs.Upload]: 'auto',
  [MergeInputs.RetentionDays]: '',
  [MergeInputs.CompressionLevel]: '6',
  [MergeInputs.Overwrite]: 'false',
}

export interface MergeInputValues extends FinishSettings {
  /** Glob over artifact names (`*` any run of characters, `?` one). */
  pattern: string
  /** Absolute: where the merged snapshots are written. */
  snapshotsDir: string
  failOnWarning: boolean
  /** An earlier snapshots folder (relative to the workspace), or `auto`; undefined when unset. */
  previous?: PreviousInput
  /** For `previous: auto`; empty when none was given (outside a runner). */
  githubToken: string
}

/** The raw value of a merge input, or its default when absent or blank. */
export function rawMergeInput(env: NodeJS.ProcessEnv, input: MergeInputs): string {
  const value = env[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`]?.trim() ?? ''
  return value === '' ? MERGE_DEFAULTS[input] : value
}

export function getMergeInputs(env: NodeJS.ProcessEnv = process.env): MergeInputValues {
  const errors: string[] = []
  function parse<T>(input: MergeInputs, parser: (value: string) => T, fallback: T): T {
    try {
      return parser(rawMergeInput(env, input))
    } catch (error) {
      errors.push((error as Error).message)
      return fallback
    }
  }
  // The merge runs no sensor: relative paths are relative to the workspace.
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd())
  const inputs: MergeInputValues = {
    workspace,
    pattern: parse(MergeInputs.Pattern, pattern, ''),
    artifactName: parse(MergeInputs.ArtifactName, artifactName, ''),
    snapshotsDir: parse(
      MergeInputs.SnapshotsDir,
      (v) => snapshotsDirectory(v, workspace, workspace),
      '',
    ),
    failOnError: parse(MergeInputs.FailOnError, (v) => boolean(MergeInputs.FailOnError, v), true),
    failOnWarning: parse(
      MergeInputs.FailOnWarning,
      (v) => boolean(MergeInputs.FailOnWarning, v),
      false,
    ),
    previous: parse(MergeInputs.Previous, (v) => previousInput(v, workspace), undefined),
    // The same input name, so the main action's reading (and its GITHUB_TOKEN fallback).
    githubToken: githubToken(env),
    upload: parse(
      MergeInputs.Upload,
      (v) => oneOf(MergeInputs.Upload, v, UploadMode),
      UploadMode.Never,
    ),
    retentionDays: parse(
      MergeInputs.RetentionDays,
      (v) => (v === '' ? undefined : integer(MergeInputs.RetentionDays, v, 1, 90)),
      undefined,
    ),
    compressionLevel: parse(
      MergeInputs.CompressionLevel,
      (v) => integer(MergeInputs.CompressionLevel, v, 0, 9),
      6,
    ),
    overwrite: parse(MergeInputs.Overwrite, (v) => boolean(MergeInputs.Overwrite, v), false),
  }
  if (errors.length > 0) {
    const heading =
      errors.length === 1 ? 'Invalid input' : `${errors.length} invalid inputs (nothing was merged)`
    throw new InputError(
      errors.length === 1 ? `${heading}: ${errors[0]}` : `${heading}:\n- ${errors.join('\n- ')}`,
    )
  }
  return inputs
}

/** Characters an artifact name cannot hold, so a pattern holding them could match nothing. */
const NEVER_IN_NAMES = ['"', ':', '<', '>', '|', '\\', '/', '\r', '\n']

function pattern(value: string): string {
  const bad = NEVER_IN_NAMES.filter((c) => value.includes(c))
  if (bad.length > 0) {
    throw new InputError(
      `\`${MergeInputs.Pattern}\` is ${JSON.stringify(value)}, which contains ${bad.map((c) => JSON.stringify(c)).join(' ')}: no artifact name can. ` +
        'Accepted: an artifact name where `*` matches any run of characters and `?` one, e.g. `snapshots-*-of-*`.',
    )
  }
  return value
}
