/** action.yml and the code must agree on every name and every default. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { DEFAULTS, Inputs, Outputs } from '../src/constants.js'
import { getInputs, IfNoSensors, InputError, UploadMode } from '../src/inputs.js'
import { MAX_BYTES_CEILING } from '../src/sense/types.js'
import { ROOT } from './fixtures/action.js'

const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string; description: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}

describe('action.yml', () => {
  it('declares exactly the Inputs enum, each with the code default and a description', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(Inputs).sort())
    for (const input of Object.values(Inputs)) {
      expect({ input, default: String(action.inputs[input]?.default ?? '') }).toEqual({
        input,
        default: DEFAULTS[input],
      })
      expect(action.inputs[input]?.description.length).toBeGreaterThan(10)
    }
  })
  it('declares exactly the Outputs enum, and runs dist/index.js on node24', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort())
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })
})

describe('getInputs', () => {
  const ws = path.join(ROOT, 'test')
  it('applies the defaults when no INPUT_* variable is set, as outside a runner', () => {
    const inputs = getInputs({ GITHUB_WORKSPACE: ws })
    expect(inputs).toMatchObject({
      sensors: ['sensors/*.sh'],
      workingDirectory: ws,
      snapshotsDir: path.join(ws, 'snapshots'),
      timeoutMs: 60_000,
      maxBytes: 8192,
      concurrency: 8,
      probes: ['runner', 'workflow', 'claims'],
      retries: 0,
      redact: [],
      failOnError: true,
      failOnWarning: false,
      ifNoSensors: IfNoSensors.Warn,
      upload: UploadMode.Auto,
      artifactName: 'snapshots',
      compressionLevel: 6,
      overwrite: false,
    })
    expect(inputs.previous).toBeUndefined()
    expect(inputs.shard).toBeUndefined()
    expect(inputs.retentionDays).toBeUndefined()
  })
  it('resolves the zero forms and decimals', () => {
    const inputs = getInputs({
      GITHUB_WORKSPACE: ws,
      INPUT_TIMEOUT: '2.5',
      'INPUT_MAX-BYTES': '0',
      INPUT_CONCURRENCY: '0',
      INPUT_PROBES: ' claims , runner ',
      INPUT_SHARD: '2/3',
      INPUT_SENSORS: 'a/*.sh\n\n# note\n!a/skip.sh\n',
    })
    expect(inputs.timeoutMs).toBe(2500)
    expect(inputs.maxBytes).toBe(MAX_BYTES_CEILING)
    expect(inputs.concurrency).toBe(Number.POSITIVE_INFINITY)
    expect(inputs.probes).toEqual(['claims', 'runner'])
    expect(inputs.shard).toEqual({ index: 2, count: 3 })
    expect(inputs.sensors).toEqual(['a/*.sh', '!a/skip.sh'])
  })
  it('keeps a tiny timeout a limit and accepts a leading decimal point', () => {
    const timeout = (v: string) => getInputs({ GITHUB_WORKSPACE: ws, INPUT_TIMEOUT: v }).timeoutMs
    expect(timeout('.5')).toBe(500)
    expect(timeout('0.0004')).toBe(1)
    expect(timeout('0')).toBe(0)
    expect(timeout('4.35')).toBe(4350)
  })
  it('previous: auto, or a folder resolved against the working directory', () => {
    const previous = (value: string, more: NodeJS.ProcessEnv = {}) =>
      getInputs({ GITHUB_WORKSPACE: ws, INPUT_PREVIOUS: value, ...more }).previous
    expect(previous('auto')).toEqual({ mode: 'auto' })
    expect(previous('./auto')).toEqual({ mode: 'path', dir: path.join(ws, 'auto') })
    expect(previous('snapshots')).toEqual({ mode: 'path', dir: path.join(ws, 'snapshots') })
    expect(previous('/tmp/x')).toEqual({ mode: 'path', dir: '/tmp/x' })
    expect(previous('')).toBeUndefined()
  })
  it('github-token: the runner expands the default; unexpanded, it is GITHUB_TOKEN or none', () => {
    const token = (env: NodeJS.ProcessEnv) =>
      getInputs({ GITHUB_WORKSPACE: ws, ...env }).githubToken
    expect(token({ 'INPUT_GITHUB-TOKEN': 'ghs_given' })).toBe('ghs_given')
    expect(token({})).toBe('')
    expect(token({ GITHUB_TOKEN: 'ghs_env' })).toBe('ghs_env')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the expression as action.yml has it
    expect(token({ 'INPUT_GITHUB-TOKEN': '${{ github.token }}', GITHUB_TOKEN: 'ghs_env' })).toBe(
      'ghs_env',
    )
  })
  it('refuses the workspace, the home folder and / as snapshots-dir, each for its reason', () => {
    const snapshotsDir = (value: string) =>
      getInputs({ GITHUB_WORKSPACE: ws, 'INPUT_SNAPSHOTS-DIR': value }).snapshotsDir
    // os.homedir() reads HOME: a folder of our own keeps the home case apart from the others
    // whatever this machine's HOME is (it may be `/`, or hold the repository).
    const home = mkdtempSync(path.join(tmpdir(), 'looop-home-'))
    const savedHome = process.env.HOME
    process.env.HOME = home
    try {
      expect(homedir()).toBe(home)
      // The working directory defaults to the workspace, so either name is the right reason.
      const refusals: [string, RegExp][] = [
        [ws, /which is the (working directory|workspace) \(/],
        ['sub/..', /which is the (working directory|workspace) \(/],
        [home, /which is the home folder \(/],
        ['/', /which is the file-system root \(/],
      ]
      for (const [value, reason] of refusals) {
        let error: unknown
        try {
          snapshotsDir(value)
        } catch (e) {
          error = e
        }
        expect(error, value).toBeInstanceOf(InputError)
        expect((error as Error).message, value).toMatch(reason)
        expect((error as Error).message, value).toContain(
          `\`snapshots-dir\` is ${JSON.stringify(value)}`,
        )
      }
      // A folder of its own is accepted, resolved against the working directory.
      expect(snapshotsDir('snapshots')).toBe(path.join(ws, 'snapshots'))
      expect(snapshotsDir('out/snaps')).toBe(path.join(ws, 'out/snaps'))
      expect(snapshotsDir(path.join(home, 'snapshots'))).toBe(path.join(home, 'snapshots'))
    } finally {
      if (savedHome === undefined) delete process.env.HOME
      else process.env.HOME = savedHome
      rmSync(home, { recursive: true, force: true })
    }
  })
})

describe('getInputs rejects every bad value with the input, the value and what is accepted', () => {
  const ws = mkdtempSync(path.join(tmpdir(), 'looop-inputs-'))
  writeFileSync(path.join(ws, 'afile'), 'x')
  afterAll(() => rmSync(ws, { recursive: true, force: true }))
  const env = (inputs: Record<string, string>): NodeJS.ProcessEnv => ({
    GITHUB_WORKSPACE: ws,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  })
  const rejection = (inputs: Record<string, string>): string => {
    try {
      getInputs(env(inputs))
    } catch (error) {
      expect(error).toBeInstanceOf(InputError)
      return (error as Error).message
    }
    throw new Error(`accepted ${JSON.stringify(inputs)}`)
  }

  const cases: [string, string, RegExp][] = [
    ['timeout', '-1', /`timeout` is "-1".*0 to/],
    ['timeout', 'abc', /`timeout` is "abc"/],
    ['max-bytes', 'abc', /`max-bytes` is "abc".*0 to 67108864/],
    ['max-bytes', '67108865', /`max-bytes` is "67108865"/],
    ['concurrency', '-2', /`concurrency` is "-2"/],
    [
      'probes',
      'runner,disk',
      /`probes` is "runner,disk" \(unknown: disk\).*`runner`, `workflow`, `claims`/,
    ],
    ['shard', '3/2', /`shard` is "3\/2".*1 ≤ k ≤ n/],
    ['retries', 'many', /`retries` is "many"/],
    ['fail-on-error', 'maybe', /`fail-on-error` is "maybe".*`true` or `false`/],
    ['fail-on-warning', 'sometimes', /`fail-on-warning` is "sometimes".*`true` or `false`/],
    ['retries', '11', /`retries` is "11".*0 to 10/],
    ['if-no-sensors', 'loud', /`if-no-sensors` is "loud".*`warn`, `error`, `ignore`/],
    ['upload', 'yes', /`upload` is "yes".*`auto`, `true`, `false`/],
    ['retention-days', '91', /`retention-days` is "91".*1 to 90/],
    ['compression-level', '10', /`compression-level` is "10".*0 to 9/],
    ['overwrite', 'y', /`overwrite` is "y"/],
    ['redact', 'ab', /`redact` has 1 value\(s\) under 4 characters/],
    ['artifact-name', 'a/b', /`artifact-name` is "a\/b"/],
    ['working-directory', 'nowhere', /`working-directory` is "nowhere".*no such directory/],
    ['snapshots-dir', '.', /`snapshots-dir` is "\.", which is the working directory/],
    ['snapshots-dir', 'afile', /afile is a file, not a directory/],
    ['snapshots-dir', 'afile/snaps', /afile is a file, not a directory/],
    ['sensors', '!sensors/*.sh', /`sensors` .* no include pattern/],
  ]
  it.each(cases)('%s: %s', (input, value, expected) => {
    const message = rejection({ [input]: value })
    expect(message).toMatch(/^Invalid input: /)
    expect(message).toMatch(expected)
    // A bad redact value is a secret: it is never echoed.
    if (input === 'redact') expect(message).not.toContain('"ab"')
  })

  it('reports every bad input at once', () => {
    const message = rejection({ timeout: 'x', 'max-bytes': 'y', upload: 'z' })
    expect(message).toMatch(/^3 invalid inputs \(nothing was run\):\n- /)
    expect(message).toContain('`timeout` is "x"')
    expect(message).toContain('`max-bytes` is "y"')
    expect(message).toContain('`upload` is "z"')
  })
})
