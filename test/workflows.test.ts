/**
 * The repository's workflows, its action metadata and the README's YAML examples, read by
 * GitHub's own parser: @actions/languageservice, the engine of the GitHub Actions extension for
 * VS Code, on top of @actions/workflow-parser, which holds the workflow and action schemas.
 * Any diagnostic, warning or error, fails the test, and the test prints them all.
 *
 * What the parser checks: YAML syntax; every key and value against the workflow schema
 * (unknown keys and events, `on:` filters, `permissions` scopes and levels, a missing
 * `runs-on`, …); cron syntax and the 5-minute floor; expressions, the contexts each key
 * allows, unknown names (`github.nope`, an `env.X` never set, `steps.<id>` with no such step);
 * the format of `uses:` and short-SHA refs. For action.yml (it has an action schema): required
 * `name`, `description` and `runs`; `runs.using` among docker, node12/16/20/24 and composite;
 * the keys of each kind of `runs`; branding values; an output without a description.
 *
 * What it cannot check, so the rules below do:
 * - the inputs of a local action (`uses: ./`), or of a remote one unless it is given an
 *   ActionsMetadataProvider (the editor fetches action.yml from GitHub): any `with:` key
 *   passes, and so does any output name in `steps.<id>.outputs.<name>`;
 * - unknown keys inside an action input (`descripton:` passes: the schema's input mapping is
 *   loose), a missing input description, or `using: node20` (retired, still in the schema);
 * - that `main` exists, that actions are pinned, that permissions are least, and that a step
 *   reading `previous: auto` has `actions: read`.
 *
 * The service caches each parse by document URI (the editor clears the entry on change), so
 * every document here gets its own URI.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { validate } from '@actions/languageservice'
import { TextDocument } from 'vscode-languageserver-textdocument'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { jsonSensor, workspace } from './fixtures/action.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const fixture = (name: string) =>
  readFileSync(path.join(ROOT, 'test/fixtures/workflows', name), 'utf8')
const WORKFLOWS = '.github/workflows'

/** Every third-party action the workflows may use, at the commit of a node24 release. */
const PINS: Record<string, { sha: string; version: string }> = {
  'actions/checkout': { sha: '3d3c42e5aac5ba805825da76410c181273ba90b1', version: 'v7.0.1' },
  'actions/setup-node': { sha: '820762786026740c76f36085b0efc47a31fe5020', version: 'v7.0.0' },
}

/** The only `write` permissions granted, per workflow file and job. */
const WRITE_GRANTS: Record<string, Record<string, string[]>> = {
  'release.yml': { 'move-major-tag': ['contents'] },
}

type Diagnostic = Awaited<ReturnType<typeof validate>>[number]
const SEVERITY = ['', 'error', 'warning', 'info', 'hint']
let documents = 0

/** GitHub's parser on one document; the path it is given decides which schema applies. */
async function parserDiagnostics(kind: 'workflow' | 'action', text: string): Promise<Diagnostic[]> {
  documents += 1
  const uri =
    kind === 'workflow'
      ? `file:///check/${documents}/.github/workflows/checked.yml`
      : `file:///check/${documents}/action.yml`
  return validate(TextDocument.create(uri, 'yaml', 1, text))
}

/** `file:line:column severity: message`, 1-based, the position moved by the shifts. */
function describeDiagnostic(file: string, d: Diagnostic, lineShift = 0, columnShift = 0): string {
  const { line, character } = d.range.start
  const at = `${file}:${line + 1 + lineShift}:${character + 1 + columnShift}`
  return `${at} ${SEVERITY[d.severity ?? 1]}: ${d.message}`
}

// ---------------------------------------------------------------------------------------------
// This action's own metadata, and the rules for steps that use it
// ---------------------------------------------------------------------------------------------

interface ActionMetadata {
  name?: unknown
  description?: unknown
  inputs?: Record<string, Record<string, unknown> | null>
  outputs?: Record<string, Record<string, unknown> | null>
  runs?: { using?: unknown; main?: unknown }
}

/** The action files of this repository: the main action, and the merge sub-action once it exists. */
const ACTION_FILES = { main: 'action.yml', merge: 'merge/action.yml' } as const
type OurAction = keyof typeof ACTION_FILES

function readAction(kind: OurAction): ActionMetadata | undefined {
  const file = path.join(ROOT, ACTION_FILES[kind])
  return existsSync(file) ? (parse(readFileSync(file, 'utf8')) as ActionMetadata) : undefined
}

/**
 * Which of this repository's actions a `uses:` names: `./` and `./merge` here, and in the
 * README `<owner>/<repository with "sense" in its name>[/merge]@<ref>`, however the repository
 * ends up being called.
 */
function ourAction(uses: string): OurAction | undefined {
  const ref = uses.trim()
  if (ref === './' || ref === '.') return 'main'
  if (/^\.\/merge\/?$/.test(ref)) return 'merge'
  const remote = /^[^/@\s]+\/([^/@\s]+)(\/merge)?@\S+$/.exec(ref)
  if (remote && /sense/i.test(remote[1] ?? '')) return remote[2] ? 'merge' : 'main'
  return undefined
}

const INPUT_KEYS = new Set(['description', 'required', 'default', 'deprecationMessage'])
const NAME = /^[a-z][a-z0-9-]*$/

/** What the action schema leaves open about an action.yml of this repository. */
function actionRules(rel: string, text: string): string[] {
  const problems: string[] = []
  const action = parse(text) as ActionMetadata
  const runs = action.runs ?? {}
  if (runs.using !== 'node24')
    problems.push(`${rel}: runs.using is '${String(runs.using)}'; set it to node24`)
  if (typeof runs.main !== 'string') problems.push(`${rel}: runs.main is missing`)
  else if (!existsSync(path.join(ROOT, path.dirname(rel), runs.main)))
    problems.push(`${rel}: runs.main '${runs.main}' does not exist; run 'npm run bundle'`)
  if (rel === ACTION_FILES.main && runs.main !== 'dist/index.js')
    problems.push(`${rel}: runs.main is '${String(runs.main)}'; the bundle is dist/index.js`)
  for (const [name, input] of Object.entries(action.inputs ?? {})) {
    const at = `${rel}: input '${name}'`
    if (!NAME.test(name)) problems.push(`${at}: use lowercase kebab-case (the runner lowercases)`)
    if (typeof input?.description !== 'string' || input.description.trim() === '')
      problems.push(`${at}: has no description`)
    for (const key of Object.keys(input ?? {}))
      if (!INPUT_KEYS.has(key))
        problems.push(`${at}: unknown key '${key}'; accepted: ${[...INPUT_KEYS].join(', ')}`)
    if (input?.required !== undefined && typeof input.required !== 'boolean')
      problems.push(`${at}: required is '${String(input.required)}'; use true or false`)
    if (input?.default !== undefined && typeof input.default !== 'string')
      problems.push(`${at}: default ${String(input.default)} is not a string; quote it`)
  }
  for (const [name, output] of Object.entries(action.outputs ?? {})) {
    const at = `${rel}: output '${name}'`
    if (!NAME.test(name)) problems.push(`${at}: use lowercase kebab-case`)
    if (typeof output?.description !== 'string' || output.description.trim() === '')
      problems.push(`${at}: has no description`)
    for (const key of Object.keys(output ?? {}))
      if (key !== 'description')
        problems.push(`${at}: unknown key '${key}'; a node action's output has only a description`)
  }
  return problems
}

interface Step {
  id?: unknown
  uses?: unknown
  with?: Record<string, unknown> | null
}
interface Job {
  permissions?: unknown
  strategy?: { matrix?: unknown }
  steps?: Step[]
}
interface Workflow {
  permissions?: unknown
  jobs?: Record<string, Job | null>
}

const mentionsMatrix = (value: unknown) =>
  typeof value === 'string' && /\$\{\{[^}]*\bmatrix\./.test(value)

function canReadActions(permissions: unknown): boolean {
  if (permissions === 'read-all' || permissions === 'write-all') return true
  const actions = (permissions as Record<string, unknown> | null | undefined)?.actions
  return actions === 'read' || actions === 'write'
}

/**
 * Rules for every step that uses this action: its `with:` keys are inputs of the action, the
 * outputs read from it exist, a matrix job gives each run its own artifact name, and a full
 * workflow that reads `previous: auto` grants `actions: read`.
 */
function usageRules(label: string, workflow: Workflow, fullWorkflow: boolean): string[] {
  const problems: string[] = []
  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    const ids = new Map<string, { file: string; outputs: string[] }>()
    for (const [i, step] of (Array.isArray(job?.steps) ? job.steps : []).entries()) {
      const kind = typeof step?.uses === 'string' ? ourAction(step.uses) : undefined
      if (!kind) continue
      const at = `${label}: jobs.${jobId}.steps[${i}] (uses: ${String(step.uses)})`
      const file = ACTION_FILES[kind]
      const action = readAction(kind)
      if (!action) {
        problems.push(`${at}: ${file} does not exist`)
        continue
      }
      const inputs = Object.keys(action.inputs ?? {})
      for (const key of Object.keys(step.with ?? {}))
        if (!inputs.includes(key))
          problems.push(`${at}: unknown input '${key}'; ${file} declares ${inputs.join(', ')}`)
      if (typeof step.id === 'string')
        ids.set(step.id, { file, outputs: Object.keys(action.outputs ?? {}) })
      const inMatrix = job?.strategy?.matrix !== undefined
      if (
        inMatrix &&
        !mentionsMatrix(step.with?.['artifact-name']) &&
        !mentionsMatrix(step.with?.shard)
      )
        problems.push(
          `${at}: in a matrix job each run needs its own artifact name: set artifact-name from the matrix, e.g. snapshots-\${{ matrix.os }}`,
        )
      if (
        fullWorkflow &&
        step.with?.previous === 'auto' &&
        !canReadActions(job?.permissions ?? workflow.permissions)
      )
        problems.push(
          `${at}: previous: auto lists and downloads artifacts; grant permissions: actions: read`,
        )
    }
    // Expressions anywhere in the job (env, run, if, with, outputs) read step outputs.
    for (const [, id, output] of JSON.stringify(job).matchAll(
      /\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g,
    )) {
      const step = ids.get(id ?? '')
      if (step && !step.outputs.includes(output ?? ''))
        problems.push(
          `${label}: jobs.${jobId} reads steps.${id}.outputs.${output}; ${step.file} declares ${step.outputs.join(', ')}`,
        )
    }
  }
  return problems
}

/** This repository's workflows: least permissions, every action pinned as PINS says. */
function repositoryRules(file: string, text: string): string[] {
  const problems: string[] = []
  const workflow = parse(text) as Workflow
  const top = workflow.permissions
  if (top === undefined || typeof top === 'string')
    problems.push(
      `${file}: set a top-level permissions: mapping with read scopes only (got ${String(top)})`,
    )
  for (const [scope, level] of Object.entries((top ?? {}) as Record<string, unknown>))
    if (level === 'write')
      problems.push(`${file}: top-level ${scope}: write; grant write in the one job that needs it`)
  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    if (typeof job?.permissions === 'string')
      problems.push(`${file}: jobs.${jobId}: permissions: ${job.permissions}; list the scopes`)
    for (const [scope, level] of Object.entries(
      (job?.permissions ?? {}) as Record<string, unknown>,
    ))
      if (level === 'write' && !WRITE_GRANTS[file]?.[jobId]?.includes(scope))
        problems.push(`${file}: jobs.${jobId}: ${scope}: write is not in WRITE_GRANTS`)
  }
  for (const [n, line] of text.split('\n').entries()) {
    const m = /^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1(?:\s+#\s*(.*?))?\s*$/.exec(line)
    const uses = m?.[2]
    if (!uses || uses.startsWith('./') || uses.startsWith('docker://')) continue
    const [repoPath = '', ref] = uses.split('@')
    const repo = repoPath.split('/').slice(0, 2).join('/')
    const pin = PINS[repo]
    if (!pin)
      problems.push(
        `${file}:${n + 1}: ${uses}: ${repo} has no entry in PINS (a node24 release's commit SHA and version)`,
      )
    else if (ref !== pin.sha || m?.[3] !== pin.version)
      problems.push(
        `${file}:${n + 1}: ${uses}${m?.[3] ? ` # ${m[3]}` : ''}: pin it as ${repo}@${pin.sha} # ${pin.version}`,
      )
  }
  return problems
}

// ---------------------------------------------------------------------------------------------
// The README's YAML examples
// ---------------------------------------------------------------------------------------------

interface Block {
  /** 1-based line in the markdown of the block's first line. */
  line: number
  /** The fence's indentation, removed from every line of `text`. */
  indent: number
  text: string
}

/** Every ```yaml / ```yml fenced block (CommonMark fences, nested in lists too). */
function yamlBlocks(markdown: string): Block[] {
  const blocks: Block[] = []
  let open:
    | { fence: string; indent: number; yaml: boolean; line: number; body: string[] }
    | undefined
  const lines = markdown.split('\n')
  for (const [i, line] of lines.entries()) {
    if (!open) {
      const m = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(line)
      if (m)
        open = {
          indent: m[1]?.length ?? 0,
          fence: m[2] ?? '',
          yaml: /^ya?ml$/i.test(m[3] ?? ''),
          line: i + 2,
          body: [],
        }
      continue
    }
    const close = /^ *(`{3,}|~{3,})\s*$/.exec(line)?.[1]
    if (close && close[0] === open.fence[0] && close.length >= open.fence.length) {
      if (open.yaml)
        blocks.push({ line: open.line, indent: open.indent, text: `${open.body.join('\n')}\n` })
      open = undefined
      continue
    }
    const indent = line.length - line.trimStart().length
    open.body.push(line.slice(Math.min(open.indent, indent)))
  }
  if (open?.yaml)
    blocks.push({ line: open.line, indent: open.indent, text: `${open.body.join('\n')}\n` })
  return blocks
}

const STEPS_HEADER = 'on: push\njobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n'
const STEPS_INDENT = '      '

/** All that is wrong with one README block, as `README.md:<line>` messages. */
async function readmeBlockProblems(file: string, block: Block): Promise<string[]> {
  let value: unknown
  try {
    value = parse(block.text)
  } catch {
    // The parser below reports the syntax error with its position.
  }
  const isWorkflow =
    value === undefined ||
    (typeof value === 'object' && value !== null && 'on' in value && 'jobs' in value)
  if (!isWorkflow && !Array.isArray(value))
    return [
      `${file}:${block.line}: a yaml block is either a workflow (on: and jobs:) or a list of steps, so that it can be validated; make it one, or fence it as text if it is not meant to be run`,
    ]
  // A list of steps is checked as the steps of a one-job workflow.
  const text = isWorkflow ? block.text : STEPS_HEADER + block.text.replace(/^(?=.)/gm, STEPS_INDENT)
  // Positions in `text` back to positions in the markdown.
  const lineShift = block.line - 1 - (isWorkflow ? 0 : STEPS_HEADER.split('\n').length - 1)
  const columnShift = block.indent - (isWorkflow ? 0 : STEPS_INDENT.length)
  const diagnostics = await parserDiagnostics('workflow', text)
  const label = `${file}:${block.line}`
  return [
    ...diagnostics.map((d) => describeDiagnostic(file, d, lineShift, columnShift)),
    ...(value === undefined ? [] : usageRules(label, parse(text) as Workflow, isWorkflow)),
  ]
}

// ---------------------------------------------------------------------------------------------
// A step's `run:` script, run as the runner runs it on Linux
// ---------------------------------------------------------------------------------------------

function stepScript(file: string, match: (step: Record<string, unknown>) => boolean): string {
  const workflow = parse(readFileSync(path.join(ROOT, WORKFLOWS, file), 'utf8')) as {
    jobs: Record<string, { steps: Record<string, unknown>[] }>
  }
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps)
  const run = steps.find(match)?.run
  if (typeof run !== 'string') throw new Error(`${file}: no such step with a run: script`)
  return run
}

function runStep(script: string, cwd: string, env: Record<string, string>) {
  const outputFile = path.join(cwd, '.github-output')
  writeFileSync(outputFile, '')
  // The runner's `shell: bash`: bash --noprofile --norc -eo pipefail {0}
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: outputFile, ...env },
  })
  return { code: r.status, stdout: r.stdout, outputs: readFileSync(outputFile, 'utf8') }
}

// ---------------------------------------------------------------------------------------------

const workflowFiles = readdirSync(path.join(ROOT, WORKFLOWS))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
const actionFiles = Object.values(ACTION_FILES).filter((f) => existsSync(path.join(ROOT, f)))
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
const readmeBlocks = yamlBlocks(README)

describe("GitHub's parser", () => {
  it('reports a broken workflow: unknown keys and values, unknown contexts, a cron too often', async () => {
    const found = (await parserDiagnostics('workflow', fixture('broken.yml'))).map((d) =>
      describeDiagnostic('broken.yml', d),
    )
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^broken\.yml:4:.*warning: .*runs every minute/),
        expect.stringMatching(/^broken\.yml:6:.*error: Unexpected value 'reed'/),
        expect.stringMatching(/^broken\.yml:9:.*error: Unexpected value 'runs_on'/),
        expect.stringMatching(/^broken\.yml:11:.*warning: Context access might be invalid: nope/),
        expect.stringMatching(/^broken\.yml:12:.*error: Unexpected value 'foo'/),
      ]),
    )
  })

  it('reports a broken action.yml: an unknown runtime, an output without a description', async () => {
    const action = readFileSync(path.join(ROOT, 'action.yml'), 'utf8')
      .replace('using: node24', 'using: node22')
      .replace(/^( {2}total:)\n.*\n/m, '$1\n')
    const found = (await parserDiagnostics('action', action)).map((d) => d.message)
    expect(found).toEqual(["Unexpected value ''", "Unexpected value 'node22'"])
  })

  it('accepts `uses: ./` with any input and github.token: the usage rules check them', async () => {
    const workflow = fixture('local-action.yml')
    expect(await parserDiagnostics('workflow', workflow)).toEqual([])
    const problems = usageRules('local-action.yml', parse(workflow), true)
    expect(problems).toContainEqual(expect.stringContaining("unknown input 'no-such-input'"))
    expect(problems).toContainEqual(
      expect.stringContaining('reads steps.sense.outputs.no-such-output'),
    )
    // github-token is an input of the action once `previous: auto` is built.
    const declared = Object.keys(readAction('main')?.inputs ?? {})
    expect(problems).toHaveLength(declared.includes('github-token') ? 2 : 3)
  })
})

describe(`${WORKFLOWS}/`, () => {
  it('holds ci, self-test, health and release', () => {
    expect(workflowFiles).toEqual(
      expect.arrayContaining(['ci.yml', 'health.yml', 'release.yml', 'self-test.yml']),
    )
  })

  it.each(workflowFiles)('%s: no diagnostic from the parser', async (file) => {
    const text = readFileSync(path.join(ROOT, WORKFLOWS, file), 'utf8')
    const found = (await parserDiagnostics('workflow', text)).map((d) =>
      describeDiagnostic(`${WORKFLOWS}/${file}`, d),
    )
    expect(found, found.join('\n')).toEqual([])
  })

  it.each(workflowFiles)(
    '%s: least permissions, pinned actions, inputs and outputs that exist',
    (file) => {
      const text = readFileSync(path.join(ROOT, WORKFLOWS, file), 'utf8')
      const problems = [
        ...repositoryRules(file, text),
        ...usageRules(`${WORKFLOWS}/${file}`, parse(text) as Workflow, true),
      ]
      expect(problems, problems.join('\n')).toEqual([])
    },
  )

  it('the rules catch what they are for', () => {
    const bad = fixture('bad-usage.yml')
    const problems = [
      ...repositoryRules('bad.yml', bad),
      ...usageRules('bad.yml', parse(bad), true),
    ]
    const expected = [
      /^bad\.yml: set a top-level permissions: mapping/,
      /^bad\.yml: jobs\.a: contents: write is not in WRITE_GRANTS/,
      /^bad\.yml:13: actions\/checkout@v4: pin it as actions\/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7\.0\.1/,
      /^bad\.yml:14: actions\/setup-node@8207\w+ # v6: pin it as actions\/setup-node@8207\w+ # v7\.0\.0/,
      /^bad\.yml:15: someone\/else@\w+: someone\/else has no entry in PINS/,
      /unknown input 'snapshot-dir'/,
      /in a matrix job each run needs its own artifact name/,
      /previous: auto lists and downloads artifacts; grant permissions: actions: read/,
      /reads steps\.sense\.outputs\.world_hash/,
    ]
    for (const pattern of expected) expect(problems).toContainEqual(expect.stringMatching(pattern))
    expect(problems, problems.join('\n')).toHaveLength(expected.length)
  })
})

describe('action metadata', () => {
  it('action.yml is there, and merge/action.yml is checked when it exists', () => {
    expect(actionFiles[0]).toBe('action.yml')
  })

  it.each(actionFiles)('%s: no diagnostic from the parser, and well-formed', async (rel) => {
    const text = readFileSync(path.join(ROOT, rel), 'utf8')
    const problems = [
      ...(await parserDiagnostics('action', text)).map((d) => describeDiagnostic(rel, d)),
      ...actionRules(rel, text),
    ]
    expect(problems, problems.join('\n')).toEqual([])
  })

  it('the rules catch what the schema lets through', () => {
    const bad = [
      'name: x',
      'description: y',
      'inputs:',
      '  Timeout:',
      '    descripton: typo',
      '    default: 60',
      '    required: "no"',
      'outputs:',
      '  total:',
      '    description: n',
      '    value: 1',
      'runs:',
      '  using: node20',
      '  main: dist/nowhere.js',
      '',
    ].join('\n')
    expect(actionRules('action.yml', bad)).toEqual([
      "action.yml: runs.using is 'node20'; set it to node24",
      "action.yml: runs.main 'dist/nowhere.js' does not exist; run 'npm run bundle'",
      "action.yml: runs.main is 'dist/nowhere.js'; the bundle is dist/index.js",
      "action.yml: input 'Timeout': use lowercase kebab-case (the runner lowercases)",
      "action.yml: input 'Timeout': has no description",
      "action.yml: input 'Timeout': unknown key 'descripton'; accepted: description, required, default, deprecationMessage",
      "action.yml: input 'Timeout': required is 'no'; use true or false",
      "action.yml: input 'Timeout': default 60 is not a string; quote it",
      "action.yml: output 'total': unknown key 'value'; a node action's output has only a description",
    ])
  })
})

describe('README.md yaml examples', () => {
  it('has at least one', () => {
    expect(readmeBlocks.length).toBeGreaterThan(0)
  })

  it.each(readmeBlocks.map((b) => [b.line, b] as const))(
    'README.md:%i: no diagnostic, inputs and outputs that exist',
    async (_line, block) => {
      const problems = await readmeBlockProblems('README.md', block)
      expect(problems, problems.join('\n')).toEqual([])
    },
  )

  it('each kind of block fails where it is wrong, at its line', async () => {
    const blocks = yamlBlocks(fixture('readme-sample.md'))
    expect(blocks.map((b) => b.line)).toEqual([4, 17, 26])
    const [steps, workflow, fragment] = await Promise.all(
      blocks.map((b) => readmeBlockProblems('X.md', b)),
    )
    expect(steps).toEqual([
      expect.stringMatching(/^X\.md:11:3 error: Unexpected value 'shel'/),
      expect.stringMatching(/^X\.md:4: jobs\.example\.steps\[1\] .*unknown input 'tiemout'/),
    ])
    expect(workflow).toEqual([
      expect.stringMatching(/^X\.md:22:22 warning: Context access might be invalid: nope/),
    ])
    expect(fragment).toEqual([
      expect.stringMatching(/^X\.md:26: a yaml block is either a workflow/),
    ])
  })
})

describe('scripts of the workflows, run as the runner runs them', () => {
  const versionCheck = stepScript('release.yml', (s) => s.id === 'version')

  function release(tag: string, version: string, changelog: string) {
    const dir = mkdtempSync(path.join(tmpdir(), 'looop-release-'))
    try {
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version }))
      writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog)
      return runStep(versionCheck, dir, { TAG: tag })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const released = (v: string) => `# Changelog\n\n## [Unreleased]\n\n## [${v}] - 2026-12-01\n`

  it('release: a tag equal to v + version, with its CHANGELOG section, names the major tag', () => {
    expect(release('v0.2.0', '0.2.0', released('0.2.0'))).toMatchObject({
      code: 0,
      outputs: 'major=v0\nprerelease=false\n',
    })
    expect(release('v12.0.0-rc.1', '12.0.0-rc.1', released('12.0.0-rc.1'))).toMatchObject({
      code: 0,
      outputs: 'major=v12\nprerelease=true\n',
    })
  })

  it('release: any other tag fails with what to do', () => {
    const other = release('v0.2.1', '0.2.0', released('0.2.1'))
    expect(other.code).toBe(1)
    expect(other.stdout).toContain(
      "::error::Tag 'v0.2.1' does not match package.json's version '0.2.0'",
    )
    expect(other.stdout).toContain('Set "version": "0.2.1" in package.json')
    expect(other.outputs).toBe('')
    const major = release('v0', '0.2.0', released('0.2.0'))
    expect(major.code).toBe(1)
    expect(major.stdout).toContain("::error::'v0' is a major tag")
    const unlisted = release('v0.2.0', '0.2.0', '# Changelog\n\n## [Unreleased]\n')
    expect(unlisted.code).toBe(1)
    expect(unlisted.stdout).toContain("::error::CHANGELOG.md has no '## [0.2.0]' section")
    const loose = release('vnext', 'next', released('next'))
    expect(loose.code).toBe(1)
    expect(loose.stdout).toContain("::error::package.json's version 'next' is not X.Y.Z")
  })

  it("self-test: the output check passes on a real run's outputs and fails on a failed sensor", async () => {
    const check = stepScript(
      'self-test.yml',
      (s) => s.name === 'Outputs are usable by a later step',
    )
    const ws = await workspace()
    try {
      await ws.write('sensors/ok.sh', jsonSensor({ signal: 1 }))
      const good = await ws.run({ upload: 'false' })
      expect(good.code).toBe(0)
      const env = (o: Record<string, string>) => ({
        HASH: o['world-hash'] ?? '',
        TOTAL: o.total ?? '',
        FAILED: o['failed-sensors'] ?? '',
        SNAPSHOTS: o['snapshots-dir'] ?? '',
        INDEX: o.index ?? '',
      })
      const passed = runStep(check, ws.base, env(good.outputs))
      expect(passed.stdout).toContain('total=1 failed-sensors=[]')
      expect(passed.code).toBe(0)

      await ws.write('sensors/bad.sh', '#!/usr/bin/env bash\nexit 3\n')
      const bad = await ws.run({ upload: 'false', 'fail-on-error': 'false' })
      const failed = runStep(check, ws.base, env(bad.outputs))
      expect(failed.code).toBe(1)
      expect(failed.stdout).toContain(`::error::failed-sensors is not []: '["sensor-bad"]'`)
    } finally {
      await ws.cleanup()
    }
  })
})
