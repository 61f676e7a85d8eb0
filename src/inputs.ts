/**
 * The only reader of the action's inputs: parse, validate, apply defaults, return one typed
 * object. It reads an environment object (the runner passes each input as `INPUT_<NAME>`), not
 * @actions/core, so it is testable with no runner; the name mangling is core.getInput's.
 *
 * Every bad value is collected and reported together, before any sensor runs: one error per
 * input, naming the input, the value, what is accepted and the fix.
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'
import { DEFAULTS, Inputs } from './constants.js'
import { PROBE_NAMES, type ProbeName } from './sense/probes.js'
import { type Shard, shardArtifactName } from './sense/shard.js'
import { MAX_BYTES_CEILING } from './sense/types.js'

export enum IfNoSensors {
  /** A warning annotation; the step goes on (and succeeds, with no sensor to fail). */
  Warn = 'warn',
  /** The step fails: a watcher with nothing to watch is a broken setup. */
  Error = 'error',
  /** Nothing is said. */
  Ignore = 'ignore',
}

export enum UploadMode {
  /** Upload when the Actions runtime is present (always true in a workflow run). */
  Auto = 'auto',
  /** Upload, and fail when there is no runtime to upload to. */
  Always = 'true',
  /** Never upload. */
  Never = 'false',
}

export type { Shard } from './sense/shard.js'

/** Every input, validated and resolved. Paths are absolute. */
export interface ActionInputs {
  sensors: string[]
  workingDirectory: string
  /** GITHUB_WORKSPACE (or the process cwd outside a runner): base of paths in annotations. */
  workspace: string
  snapshotsDir: string
  /** 0 = no limit. */
  timeoutMs: number
  /** Resolved: `0` has become the 64 MiB ceiling. */
  maxBytes: number
  /** Resolved: `0` has become Infinity. */
  concurrency: number
  probes: ProbeName[]
  /** `auto`, or an earlier snapshots folder (absolute); absent when unset. */
  previous?: PreviousInput
  /** For `previous: auto`; empty when none was given (outside a runner). */
  githubToken: string
  shard?: Shard
  retries: number
  redact: string[]
  failOnError: boolean
  /** Fail the step when a sensor ended `warning`, whatever failOnError says. */
  failOnWarning: boolean
  ifNoSensors: IfNoSensors
  upload: UploadMode
  /**
   * The artifact's effective name, resolved once for every consumer (upload, summary, the
   * `previous: auto` lookup): `artifact-name`, or `<artifact-name>-<k>-of-<n>` with `shard`.
   */
  artifactName: string
  retentionDays?: number
  compressionLevel: number
  overwrite: boolean
}

/** The `previous` input: find the previous beat's artifact, or read a folder. */
export type PreviousInput = { mode: 'auto' } | { mode: 'path'; dir: string }

/** A bad input value. The message is complete: it is shown to the user as it is. */
export class InputError extends Error {
  override name = 'InputError'
}

/** The largest timeout Node's timers can hold (2^31-1 ms), in whole seconds. */
const MAX_TIMEOUT_S = 2_147_483
const MAX_CONCURRENCY = 1024
const MAX_RETRIES = 10
/** Characters @actions/artifact refuses in a name; checked here so the error comes before sensing. */
const ARTIFACT_NAME_FORBIDDEN = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/']

/** The raw value of an input as the runner passes it, or its default when absent or blank. */
export function rawInput(env: NodeJS.ProcessEnv, input: Inputs): string {
  const value = env[`INPUT_${input.replace(/ /g, '_').toUpperCase()}`]?.trim() ?? ''
  return value === '' ? DEFAULTS[input] : value
}

export function getInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const errors: string[] = []
  const raw = (input: Inputs): string => rawInput(env, input)
  /** Runs one parser; a bad value is recorded and `fallback` keeps the rest of the checks going. */
  function parse<T>(input: Inputs, parser: (value: string) => T, fallback: T): T {
    try {
      return parser(raw(input))
    } catch (error) {
      errors.push((error as Error).message)
      return fallback
    }
  }

  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd())
  const workingDirectory = parse(
    Inputs.WorkingDirectory,
    (v) => existingDirectory(Inputs.WorkingDirectory, path.resolve(workspace, v), v),
    workspace,
  )
  const inputs: ActionInputs = {
    sensors: parse(Inputs.Sensors, patternList, []),
    workingDirectory,
    workspace,
    snapshotsDir: parse(
      Inputs.SnapshotsDir,
      (v) => snapshotsDirectory(v, workingDirectory, workspace),
      '',
    ),
    timeoutMs: parse(Inputs.Timeout, timeoutMs, 0),
    maxBytes: parse(Inputs.MaxBytes, maxBytes, MAX_BYTES_CEILING),
    concurrency: parse(Inputs.Concurrency, concurrency, 1),
    probes: parse(Inputs.Probes, probeList, []),
    previous: parse(Inputs.Previous, (v) => previousInput(v, workingDirectory), undefined),
    githubToken: githubToken(env),
    shard: parse(Inputs.Shard, shard, undefined),
    retries: parse(Inputs.Retries, (v) => integer(Inputs.Retries, v, 0, MAX_RETRIES), 0),
    redact: parse(Inputs.Redact, redactList, []),
    failOnError: parse(Inputs.FailOnError, (v) => boolean(Inputs.FailOnError, v), true),
    failOnWarning: parse(Inputs.FailOnWarning, (v) => boolean(Inputs.FailOnWarning, v), false),
    ifNoSensors: parse(
      Inputs.IfNoSensors,
      (v) => oneOf(Inputs.IfNoSensors, v, IfNoSensors),
      IfNoSensors.Warn,
    ),
    upload: parse(Inputs.Upload, (v) => oneOf(Inputs.Upload, v, UploadMode), UploadMode.Never),
    artifactName: parse(Inputs.ArtifactName, artifactName, ''),
    retentionDays: parse(
      Inputs.RetentionDays,
      (v) => (v === '' ? undefined : integer(Inputs.RetentionDays, v, 1, 90)),
      undefined,
    ),
    compressionLevel: parse(
      Inputs.CompressionLevel,
      (v) => integer(Inputs.CompressionLevel, v, 0, 9),
      6,
    ),
    overwrite: parse(Inputs.Overwrite, (v) => boolean(Inputs.Overwrite, v), false),
  }
  if (errors.length > 0) {
    const heading =
      errors.length === 1 ? 'Invalid input' : `${errors.length} invalid inputs (nothing was run)`
    throw new InputError(
      errors.length === 1 ? `${heading}: ${errors[0]}` : `${heading}:\n- ${errors.join('\n- ')}`,
    )
  }
  if (inputs.shard) inputs.artifactName = shardArtifactName(inputs.artifactName, inputs.shard)
  return inputs
}

function quote(value: string): string {
  return JSON.stringify(value)
}

/** `auto`, or a folder relative to the working directory (`./auto` for a folder of that name). */
export function previousInput(value: string, workingDirectory: string): PreviousInput | undefined {
  if (value === '') return undefined
  if (value === 'auto') return { mode: 'auto' }
  return { mode: 'path', dir: path.resolve(workingDirectory, value) }
}

/**
 * The token as given. The default is the expression `${{ github.token }}`, which the runner
 * expands; left as written it means no runner expanded it, so there is no token but the one the
 * environment may hold.
 */
export function githubToken(env: NodeJS.ProcessEnv): string {
  const value = rawInput(env, Inputs.GithubToken)
  return value === DEFAULTS[Inputs.GithubToken] ? (env.GITHUB_TOKEN ?? '') : value
}

function patternList(value: string): string[] {
  const patterns = value
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  if (!patterns.some((p) => !p.startsWith('!'))) {
    throw new InputError(
      `\`${Inputs.Sensors}\` is ${quote(value)}, which has no include pattern (only \`!\` excludes). ` +
        'Accepted: newline-separated glob patterns relative to `working-directory`, e.g. `sensors/*.sh`.',
    )
  }
  return patterns
}

function timeoutMs(value: string): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(value) || Number(value) > MAX_TIMEOUT_S) {
    throw new InputError(
      `\`${Inputs.Timeout}\` is ${quote(value)}. Accepted: seconds per sensor, a number from 0 to ` +
        `${MAX_TIMEOUT_S} (decimals allowed, e.g. \`2.5\`); \`0\` means no limit.`,
    )
  }
  // A tiny positive timeout stays a limit (1 ms), never becomes 0, which means no limit.
  const ms = Math.round(Number(value) * 1000)
  return Number(value) > 0 ? Math.max(1, ms) : 0
}

function maxBytes(value: string): number {
  const n = integer(Inputs.MaxBytes, value, 0, MAX_BYTES_CEILING, '; `0` means the 64 MiB ceiling')
  return n === 0 ? MAX_BYTES_CEILING : n
}

function concurrency(value: string): number {
  const n = integer(Inputs.Concurrency, value, 0, MAX_CONCURRENCY, '; `0` means all at once')
  return n === 0 ? Number.POSITIVE_INFINITY : n
}

export function integer(input: string, value: string, min: number, max: number, note = ''): number {
  const n = Number(value)
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new InputError(
      `\`${input}\` is ${quote(value)}. Accepted: a whole number from ${min} to ${max}${note}.`,
    )
  }
  return n
}

/** The YAML 1.2 core booleans, as core.getBooleanInput accepts them. */
export function boolean(input: string, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(`\`${input}\` is ${quote(value)}. Accepted: \`true\` or \`false\`.`)
}

export function oneOf<E extends Record<string, string>>(
  input: string,
  value: string,
  values: E,
): E[keyof E] {
  const accepted = Object.values(values)
  if (!accepted.includes(value)) {
    throw new InputError(
      `\`${input}\` is ${quote(value)}. Accepted: ${accepted.map((v) => `\`${v}\``).join(', ')}.`,
    )
  }
  return value as E[keyof E]
}

function probeList(value: string): ProbeName[] {
  if (value === 'all') return [...PROBE_NAMES]
  if (value === 'none') return []
  const names = [
    ...new Set(
      value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    ),
  ]
  const unknown = names.filter((n) => !(PROBE_NAMES as readonly string[]).includes(n))
  if (unknown.length > 0 || names.length === 0) {
    throw new InputError(
      `\`${Inputs.Probes}\` is ${quote(value)}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}. ` +
        `Accepted: \`all\`, \`none\`, or a comma-separated list of ${PROBE_NAMES.map((p) => `\`${p}\``).join(', ')}.`,
    )
  }
  return names as ProbeName[]
}

function shard(value: string): Shard | undefined {
  if (value === '') return undefined
  const match = /^(\d+)\/(\d+)$/.exec(value)
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (!match || count < 1 || index < 1 || index > count) {
    throw new InputError(
      `\`${Inputs.Shard}\` is ${quote(value)}. Accepted: \`k/n\` with 1 ≤ k ≤ n, e.g. \`2/3\` ` +
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as is
        '(in a matrix: `${{ matrix.shard }}/3`); empty runs every sensor.',
    )
  }
  return { index, count }
}

function redactList(value: string): string[] {
  const values = value
    .split('\n')
    .map((v) => v.trim())
    .filter(Boolean)
  const short = values.filter((v) => v.length < 4)
  if (short.length > 0) {
    // The value itself is never echoed: it is meant to be a secret.
    throw new InputError(
      `\`${Inputs.Redact}\` has ${short.length} value(s) under 4 characters, which would shred ` +
        'every output they appear in. Accepted: newline-separated values of 4 characters or more; ' +
        'remove the short ones.',
    )
  }
  return values
}

export function artifactName(value: string): string {
  const bad = ARTIFACT_NAME_FORBIDDEN.filter((c) => value.includes(c))
  if (bad.length > 0) {
    throw new InputError(
      `\`${Inputs.ArtifactName}\` is ${quote(value)}, which contains ${bad.map((c) => JSON.stringify(c)).join(' ')}. ` +
        `Accepted: a name without any of ${ARTIFACT_NAME_FORBIDDEN.map((c) => JSON.stringify(c)).join(' ')}, ` +
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as is
        'e.g. `snapshots-${{ github.job }}`.',
    )
  }
  return value
}

function existingDirectory(input: Inputs, absolute: string, value: string): string {
  let isDirectory = false
  try {
    isDirectory = statSync(absolute).isDirectory()
  } catch {
    // Missing: reported below with the same message as "not a directory".
  }
  if (!isDirectory) {
    throw new InputError(
      `\`${input}\` is ${quote(value)}, which resolves to ${absolute}: no such directory. ` +
        'Accepted: an existing directory, relative to the workspace; check out the repository first ' +
        '(actions/checkout) or fix the path.',
    )
  }
  return absolute
}

/** Resolves symlinks as far as the path exists, so `./snap/..` or a link cannot sneak past. */
function canonical(p: string): string {
  try {
    return realpathSync(p)
  } catch {
    const parent = path.dirname(p)
    return parent === p ? p : path.join(canonical(parent), path.basename(p))
  }
}

export function snapshotsDirectory(
  value: string,
  workingDirectory: string,
  workspace: string,
): string {
  const absolute = path.resolve(workingDirectory, value)
  const target = canonical(absolute)
  const refused: [string, string][] = [
    ['the working directory', workingDirectory],
    ['the workspace', workspace],
    ['the home folder', homedir()],
    ['the file-system root', path.parse(target).root],
  ]
  const hit = refused.find(([, dir]) => canonical(dir) === target)
  if (hit) {
    throw new InputError(
      `\`${Inputs.SnapshotsDir}\` is ${quote(value)}, which is ${hit[0]} (${target}). ` +
        'Snapshots get pruned there, so it must be a folder of its own, e.g. `snapshots`.',
    )
  }
  // The folder is created when missing, so the nearest part of the path that exists must be
  // a directory: `afile/snaps` would fail later with a bare ENOTDIR.
  const existing = nearestExisting(absolute)
  if (!statSync(existing).isDirectory()) {
    throw new InputError(
      `\`${Inputs.SnapshotsDir}\` is ${quote(value)}, but ${existing} is a file, not a directory. ` +
        'Accepted: a directory path (created when missing); remove the file or pick another path.',
    )
  }
  return absolute
}

function nearestExisting(p: string): string {
  let current = p
  while (!existsSync(current) && path.dirname(current) !== current) current = path.dirname(current)
  return current
}
