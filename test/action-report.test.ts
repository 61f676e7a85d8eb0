/**
 * Reporting, end to end through the bundle: what a runner sees of a run — the workflow-command
 * lines on stdout, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and the exit code. stdout is read with a
 * model of the runner's own command parser (actions/runner `ActionCommandManager` with
 * `ActionCommand.TryParseV2` and the legacy `TryParse`), so "the runner would not act on it" is
 * checked the way the runner decides it, not by eye.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { marked } from 'marked'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commands, jsonSensor, type Workspace, workspace } from './fixtures/action.js'

/* ------------------------------------------------------------- a model of the runner */

/** Commands the runner registers (ActionCommandManager + its extensions); names are case-blind. */
const REGISTERED = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
]

interface RunnerCommand {
  name: string
  properties: Record<string, string>
  data: string
  /** The raw log line the command came from. */
  line: string
  legacy: boolean
}

/** The runner's unescaping, mapping by mapping in its order (`%` last). */
function runnerUnescape(s: string, mappings: [string, string][]): string {
  let out = s
  for (const [token, replacement] of mappings) out = out.split(replacement).join(token)
  return out
}
const DATA_MAPPINGS: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  ['%', '%25'],
]
const PROPERTY_MAPPINGS: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  [':', '%3A'],
  [',', '%2C'],
  ['%', '%25'],
]
const LEGACY_MAPPINGS: [string, string][] = [
  [';', '%3B'],
  ['\r', '%0D'],
  ['\n', '%0A'],
  [']', '%5D'],
  ['%', '%25'],
]

/** .NET `Split(sep, count: 2, RemoveEmptyEntries)` on `=`, as the runner reads `key=value`. */
function keyValue(s: string): [string, string] | undefined {
  const at = s.indexOf('=')
  const parts = (at < 0 ? [s] : [s.slice(0, at), s.slice(at + 1)]).filter((p) => p !== '')
  return parts.length === 2 ? [parts[0] as string, parts[1] as string] : undefined
}

/** `::name k=v,k=v::data` once leading whitespace is trimmed. */
function parseV2(line: string, registered: Set<string>): RunnerCommand | undefined {
  const message = line.trimStart()
  if (!message.startsWith('::')) return undefined
  const end = message.indexOf('::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!registered.has(name.toLowerCase())) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const p of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter((s) => s !== '')) {
      const kv = keyValue(p)
      if (kv) properties[kv[0]] = runnerUnescape(kv[1], PROPERTY_MAPPINGS)
    }
  }
  const data = runnerUnescape(message.slice(end + 2), DATA_MAPPINGS)
  return { name, properties, data, line, legacy: false }
}

/** The legacy `##[name k=v;k=v]data`, found anywhere in a line. */
function parseLegacy(line: string, registered: Set<string>): RunnerCommand | undefined {
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const rb = line.indexOf(']', prefix)
  if (rb < 0) return undefined
  const info = line.slice(prefix + 3, rb)
  const space = info.indexOf(' ')
  const name = space < 0 ? info : info.slice(0, space)
  if (!registered.has(name.toLowerCase())) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const p of info
      .slice(space + 1)
      .split(';')
      .filter((s) => s !== '')) {
      const kv = keyValue(p)
      if (kv) properties[kv[0]] = runnerUnescape(kv[1], LEGACY_MAPPINGS)
    }
  }
  return {
    name,
    properties,
    data: runnerUnescape(line.slice(rb + 1), LEGACY_MAPPINGS),
    line,
    legacy: true,
  }
}

interface RunnerView {
  /** Every command the runner acts on, in order (stop-commands and its resume token included). */
  acted: RunnerCommand[]
  /** The runner is left ignoring commands (a stop-commands section never ended). */
  stopped: boolean
}

/**
 * What the runner does with a stream: lines split as .NET `ReadLine` splits them (LF, CRLF, CR);
 * V2 first, then legacy; inside a stop-commands section only the resume token is acted on.
 */
function runnerView(text: string): RunnerView {
  const acted: RunnerCommand[] = []
  let stopToken: string | undefined
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') continue
    const registered = new Set(REGISTERED)
    if (stopToken !== undefined) registered.add(stopToken.toLowerCase())
    const cmd = parseV2(line, registered) ?? parseLegacy(line, registered)
    if (!cmd) continue
    if (stopToken !== undefined) {
      if (stopToken !== '' && cmd.name.toLowerCase() === stopToken.toLowerCase()) {
        acted.push(cmd)
        stopToken = undefined
      }
      continue
    }
    if (cmd.name.toLowerCase() === 'stop-commands') stopToken = cmd.data
    acted.push(cmd)
  }
  return { acted, stopped: stopToken !== undefined }
}

const annotations = (view: RunnerView, kind: 'error' | 'warning' | 'notice') =>
  view.acted.filter((c) => c.name === kind)

describe('the runner model', () => {
  it('acts as the runner does on the forms it must catch', () => {
    const view = runnerView(
      [
        '::error title=t%3A x,file=a%2Cb::m%0Aore',
        '  ::ADD-MASK::lead',
        'text ##[warning]legacy anywhere',
        '::unknown::ignored',
        '::stop-commands::tok',
        '::error::stopped',
        '::tok::',
        'one\r::notice::after a CR',
        '::stop-commands::open',
      ].join('\n'),
    )
    expect(view.acted.map((c) => [c.name, c.data, c.legacy])).toEqual([
      ['error', 'm\nore', false],
      ['ADD-MASK', 'lead', false],
      ['warning', 'legacy anywhere', true],
      ['stop-commands', 'tok', false],
      ['tok', '', false],
      ['notice', 'after a CR', false],
      ['stop-commands', 'open', false],
    ])
    expect(view.acted[0]?.properties).toEqual({ title: 't: x', file: 'a,b' })
    expect(view.stopped).toBe(true)
  })
})

/* ------------------------------------------------------------------------ fixtures */

const SPEC_OUTPUTS = [
  'total',
  'ok',
  'failed',
  'fresh',
  'warning',
  'failed-sensors',
  'warning-sensors',
  'world-hash',
  'changed',
  'changed-sensors',
  'changes',
  'flapping-sensors',
  'snapshots-dir',
  'index',
  'artifact-id',
  'artifact-url',
  'artifact-digest',
]

/** A sensor that writes `stderr` (printf format, no arguments) and exits `code`. */
const failing = (stderr: string, code = 1) =>
  `#!/usr/bin/env bash\nprintf '${stderr}' >&2\nexit ${code}\n`

const pad = (n: number) => String(n).padStart(2, '0')
const bytes = (s: string) => Buffer.byteLength(s, 'utf8')

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
})
afterEach(async () => {
  await ws.cleanup()
})

/* ------------------------------------------------------------------------ annotations */

describe('annotations', () => {
  it('one error per failed sensor (title, file, stderr tail), then the step failure', async () => {
    await ws.write('sensors/ok.sh', jsonSensor({ signal: 1 }))
    for (const n of ['a', 'b', 'c']) {
      await ws.write(`sensors/${n}.sh`, failing(`warming up\\nboom ${n}\\n`, 3))
    }
    const run = await ws.run({ probes: 'none' })

    expect(run.code).toBe(1)
    const raw = commands(run.stdout, 'error')
    expect(raw).toHaveLength(4)
    expect(raw[0]).toBe('::error title=sensor-a%3A failed,file=sensors/a.sh::warming up%0Aboom a')
    const errors = annotations(runnerView(run.stdout), 'error')
    expect(errors.map((e) => [e.properties.title, e.properties.file, e.data])).toEqual([
      ['sensor-a: failed', 'sensors/a.sh', 'warming up\nboom a'],
      ['sensor-b: failed', 'sensors/b.sh', 'warming up\nboom b'],
      ['sensor-c: failed', 'sensors/c.sh', 'warming up\nboom c'],
      [undefined, undefined, expect.stringMatching(/^3 of 4 sensors failed: sensor-a \(failed\)/)],
    ])
  })

  it('12 failed sensors: 8 named, a 9th folding 4, and the step failure — 10 errors', async () => {
    for (let i = 1; i <= 12; i++) await ws.write(`sensors/s${pad(i)}.sh`, failing(`boom ${i}\\n`))
    const run = await ws.run({ probes: 'none' })

    expect(run.code).toBe(1)
    expect(commands(run.stdout, 'error')).toHaveLength(10)
    const errors = annotations(runnerView(run.stdout), 'error')
    expect(errors).toHaveLength(10)
    for (let i = 1; i <= 8; i++) {
      expect(errors[i - 1]?.properties).toEqual({
        title: `sensor-s${pad(i)}: failed`,
        file: `sensors/s${pad(i)}.sh`,
      })
      expect(errors[i - 1]?.data).toBe(`boom ${i}`)
    }
    expect(errors[8]?.properties).toEqual({ title: '… and 4 more sensors failed' })
    expect(errors[8]?.data).toBe(
      'sensor-s09 (failed), sensor-s10 (failed), sensor-s11 (failed), sensor-s12 (failed)',
    )
    expect(errors[9]?.data).toMatch(/^12 of 12 sensors failed: /)
  })

  it('escapes `%`, CR, LF in the message and `:` `,` in the file property', async () => {
    // The snapshot name replaces `,` and `:`; the `file` property carries the real path.
    await ws.write('sensors/we,ird:name.sh', failing('pct 100%%\\r\\nline2\\nend\\n', 2))
    const run = await ws.run({ probes: 'none' })

    expect(run.code).toBe(1)
    expect(commands(run.stdout, 'error')[0]).toBe(
      '::error title=sensor-we_ird_name%3A failed,file=sensors/we%2Cird%3Aname.sh::pct 100%25%0D%0Aline2%0Aend',
    )
    const [error] = annotations(runnerView(run.stdout), 'error')
    expect(error?.properties).toEqual({
      title: 'sensor-we_ird_name: failed',
      file: 'sensors/we,ird:name.sh',
    })
    expect(error?.data).toBe('pct 100%\r\nline2\nend')
  })

  it('a sensor without the exec bit runs under bash, with a warning that names the fix', async () => {
    await ws.write('sensors/deep/plain.sh', 'echo \'{"signal":1}\'\n', 0o644)
    const run = await ws.run({ sensors: 'sensors/**/*.sh', probes: 'none' })

    expect(run.code).toBe(0)
    expect(run.outputs.ok).toBe('1')
    const warnings = annotations(runnerView(run.stdout), 'warning')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.properties).toEqual({
      title: 'sensor-deep.plain: not executable',
      file: 'sensors/deep/plain.sh',
    })
    expect(warnings[0]?.data).toContain('git update-index --chmod=+x sensors/deep/plain.sh')
  })

  it('15 sensors without the exec bit: 10 warnings, the last folding 6', async () => {
    for (let i = 1; i <= 15; i++) await ws.write(`sensors/n${pad(i)}.sh`, 'echo {}\n', 0o644)
    const run = await ws.run({ probes: 'none' })

    expect(run.code).toBe(0)
    expect(commands(run.stdout, 'warning')).toHaveLength(10)
    const warnings = annotations(runnerView(run.stdout), 'warning')
    expect(warnings).toHaveLength(10)
    for (let i = 1; i <= 9; i++) {
      expect(warnings[i - 1]?.properties).toEqual({
        title: `sensor-n${pad(i)}: not executable`,
        file: `sensors/n${pad(i)}.sh`,
      })
      expect(warnings[i - 1]?.data).toContain(`git update-index --chmod=+x sensors/n${pad(i)}.sh`)
    }
    const fold = warnings[9]
    expect(fold?.properties).toEqual({ title: '… and 6 more warnings' })
    expect(fold?.data).toMatch(/^no-exec-bit: 6\. /)
    for (let i = 10; i <= 15; i++) expect(fold?.data).toContain(`sensor-n${i}`)
  })
})

/* ------------------------------------------------------------------------ injection */

describe('a sensor cannot issue workflow commands through the action', () => {
  const INJECTED = [
    '::error::injected',
    '::add-mask::injected',
    '::set-output name=x::y',
    '##[error]injected',
    '::stop-commands::zzz',
    '::zzz::',
    '::warning::injected',
    '  ::notice::injected',
    'before\r::debug::injected',
    '##[group]injected',
  ]

  it('neither from stderr nor from stdout quoted in a message', async () => {
    const printf = INJECTED.map((l) => `printf '%s\\n' '${l}' >&2`).join('\n')
    await ws.write('sensors/inject.sh', `#!/usr/bin/env bash\n${printf}\nexit 1\n`)
    // Exit 0 with non-JSON stdout: its excerpt may reach messages, the log and the summary.
    await ws.write(
      'sensors/stdout.sh',
      `#!/usr/bin/env bash\nprintf '%s\\n' '::error::injected' '##[error]injected' '::set-output name=x::y'\n`,
    )
    const run = await ws.run({ probes: 'none' })

    expect(run.code).toBe(1)
    expect(run.stdout).not.toContain('##[')
    expect(run.outputs).not.toHaveProperty('x')
    expect(run.outputFile).not.toMatch(/^x(<<|=)/m)

    const view = runnerView(run.stdout)
    // Every guard the action opened is closed: its own failure below is still acted on.
    expect(view.stopped).toBe(false)
    expect(view.acted.filter((c) => c.legacy)).toEqual([])
    expect(view.acted.filter((c) => c.name === 'add-mask' || c.name === 'set-output')).toEqual([])
    expect(view.acted.filter((c) => c.name === 'stop-commands' && c.data === 'zzz')).toEqual([])

    const sensorTitles = new Set(['sensor-inject: failed', 'sensor-stdout: invalid-json'])
    for (const c of view.acted) {
      if (!c.line.includes('injected') && !c.line.includes('name=x')) continue
      // Only the action's own annotation of a sensor may quote that text, escaped onto one
      // line, every injected `::` after the line's own delimiter.
      expect(c.name).toBe('error')
      expect(sensorTitles).toContain(c.properties.title)
      const delimiter = c.line.indexOf('::', 2)
      expect(delimiter).toBeGreaterThan(0)
      expect(c.line.indexOf('injected')).toBeGreaterThan(delimiter)
      expect(c.line.slice(0, delimiter)).not.toContain('injected')
    }
    const errors = annotations(view, 'error')
    expect(errors.map((e) => e.properties.title)).toEqual([
      'sensor-inject: failed',
      'sensor-stdout: invalid-json',
      undefined,
    ])
    expect(errors[2]?.data).toMatch(/^2 of 2 sensors failed/)
    // The stderr annotation carries every injected line, as text.
    for (const l of INJECTED) {
      expect(errors[0]?.data).toContain(l.trim().replace('##[', '##\u200b['))
    }

    // The runner reads the action's stderr for commands too.
    expect(runnerView(run.stderr).acted).toEqual([])
  })
})

/* ------------------------------------------------------------------------ job summary */

describe('job summary', () => {
  it('verdict, world hash, a row per sensor, stderr of the failed in <details>, probes', async () => {
    await ws.write('sensors/good1.sh', jsonSensor({ signal: 1 }))
    await ws.write('sensors/good2.sh', jsonSensor({ signal: 2 }))
    await ws.write('sensors/bad.sh', failing('disk full on /dev/sda1\\n', 2))
    const run = await ws.run({})

    expect(run.code).toBe(1)
    const s = run.summary
    expect(s.split('\n').find((l) => l !== '')).toBe('### ❌ looop sense: 1 of 3 sensors failed')
    expect(s).toContain(`world hash <code>${run.outputs['world-hash']}</code>`)
    const rows = s.split('\n').filter((l) => /^\| (✅|❌)/.test(l))
    expect(rows).toHaveLength(3)
    expect(rows[0]).toMatch(
      /^\| ❌ failed \| <code>sensor-bad<\/code> \|.*\| 2 \| exited with code 2 \|$/,
    )
    expect(rows.slice(1).map((r) => /<code>(.*?)<\/code>/.exec(r)?.[1])).toEqual([
      'sensor-good1',
      'sensor-good2',
    ])
    expect(s).toContain('<details><summary>sensor-bad (failed): stderr</summary>')
    expect(s).toMatch(/<pre>\ndisk full on \/dev\/sda1\n<\/pre>/)
    expect(s.match(/<details>/g)).toHaveLength(1)
    expect(s).toContain('**Probes**')
    for (const p of ['sys-claims', 'sys-runner', 'sys-workflow']) {
      expect(s).toContain(`- <code>${p}</code>`)
    }
  })

  it('is written with fail-on-error: false too', async () => {
    await ws.write('sensors/bad.sh', failing('nope\\n', 4))
    const run = await ws.run({ 'fail-on-error': 'false', probes: 'none' })

    expect(run.code).toBe(0)
    expect(commands(run.stdout, 'error').map((l) => l.split('::')[1])).toEqual([
      'error title=sensor-bad%3A failed,file=sensors/bad.sh',
    ])
    expect(run.summary).toContain('### ❌ looop sense: 1 of 1 sensor failed')
    expect(run.summary).toContain('<details><summary>sensor-bad (failed): stderr</summary>')
  })

  it('2,000 sensors failing with 64 KiB of stderr each: summary under 1 MiB, trimmed visibly', async () => {
    // 64 bytes doubled 10 times: 64 KiB of stderr from bash builtins alone.
    const script =
      "#!/usr/bin/env bash\nb=$'0123456789abcdef0123456789abcdef0123456789abcdef012345678901234\\n'\n" +
      'for i in 1 2 3 4 5 6 7 8 9 10; do b=$b$b; done\nprintf %s "$b" >&2\nexit 3\n'
    await mkdir(path.join(ws.dir, 'sensors'))
    for (let i = 0; i < 2000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          writeFile(path.join(ws.dir, 'sensors', `f${String(i + j).padStart(4, '0')}.sh`), script, {
            mode: 0o755,
          }),
        ),
      )
    }
    const run = await ws.run({ concurrency: '16', probes: 'none' })

    expect(run.code).toBe(1)
    expect(run.outputs.failed).toBe('2000')
    expect(JSON.parse(run.outputs['failed-sensors'] as string)).toHaveLength(2000)
    const err = await readFile(path.join(ws.dir, 'snapshots/sensor-f0000.err'))
    expect(err.length).toBe(64 * 1024)

    expect(bytes(run.summary)).toBeLessThan(1024 * 1024)
    expect(run.summary).toContain('### ❌ looop sense: 2000 of 2000 sensors failed')
    expect(run.summary).toMatch(/> \*\*Note:\*\* .*1 MiB limit/)
    expect(commands(run.stdout, 'error')).toHaveLength(10)
    const errors = annotations(runnerView(run.stdout), 'error')
    expect(errors[8]?.properties.title).toBe('… and 1992 more sensors failed')
    // The runner cuts an annotation's message at 4,096 characters (`_maxIssueMessageLength`):
    // the step's failure should fit whole rather than end mid-name.
    expect.soft(errors[9]?.data.length).toBeLessThanOrEqual(4096)
    // Nothing on stderr: the runner logs it as-is, and a warning there is noise in every run.
    expect.soft(run.stderr).toBe('')
  }, 240_000)
})

/* ------------------------------------------------------------------------ outputs, order */

describe('outputs and the order at the end', () => {
  it('sets every SPEC output; lists are JSON; the failure is the last thing printed', async () => {
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    await ws.write('sensors/bad.sh', failing('x\\n'))
    const run = await ws.run({ probes: 'none' })

    expect(run.code).toBe(1)
    expect(Object.keys(run.outputs).sort()).toEqual([...SPEC_OUTPUTS].sort())
    for (const list of ['failed-sensors', 'changed-sensors', 'changes', 'flapping-sensors']) {
      expect(Array.isArray(JSON.parse(run.outputs[list] as string))).toBe(true)
    }
    expect(JSON.parse(run.outputs['failed-sensors'] as string)).toEqual(['sensor-bad'])
    expect(run.outputs).toMatchObject({ total: '2', ok: '1', failed: '1', fresh: '0' })

    // Both files are complete when the step fails: the summary ends with its last section.
    expect(run.summary).toMatch(/📦 not uploaded: no Actions runtime\n+$/)
    const lines = run.stdout.split('\n').filter((l) => l !== '')
    expect(lines.at(-1)).toBe(commands(run.stdout, 'error').at(-1))
    expect(lines.at(-1)).toBe('::error::1 of 2 sensors failed: sensor-bad (failed)')
  })

  it('a runner without job summaries (no GITHUB_STEP_SUMMARY) still gets every output', async () => {
    // GHES before 3.6 and some local runners set no summary file; the summary is a report, the
    // outputs are what later steps read.
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    const run = await ws.run({ probes: 'none' }, { GITHUB_STEP_SUMMARY: undefined })

    expect(Object.keys(run.outputs).sort()).toEqual([...SPEC_OUTPUTS].sort())
    expect(run.code).toBe(0)
    expect(commands(run.stdout, 'error')).toEqual([])
    expect(commands(run.stdout, 'warning').join('\n')).toMatch(/summary/i)
  })
})

/* ------------------------------------------------------------------------ log */

describe('the log', () => {
  it('one line per sensor and probe inside a group, then one summary line', async () => {
    await ws.write('sensors/a.sh', jsonSensor({ signal: 1 }))
    await ws.write('sensors/b.sh', failing('b broke\\n', 5))
    await ws.write('sensors/c.sh', jsonSensor({ signal: 3 }))
    const run = await ws.run({})

    const lines = run.stdout.split('\n')
    const open = lines.findIndex((l) => l.startsWith('::group::'))
    const close = lines.indexOf('::endgroup::')
    expect(open).toBeGreaterThanOrEqual(0)
    expect(lines.filter((l) => l.startsWith('::group::'))).toHaveLength(1)
    expect(lines[open]).toBe('::group::looop sense: 3 sensors, 3 probes')
    const inside = lines.slice(open + 1, close).map((l) => l.split(/\s+/).slice(0, 2))
    expect(inside).toEqual([
      ['ok', 'sensor-a'],
      ['failed', 'sensor-b'],
      ['ok', 'sensor-c'],
      ['ok', 'sys-claims'],
      ['ok', 'sys-runner'],
      ['ok', 'sys-workflow'],
    ])
    expect(lines[open + 2]).toMatch(/^failed {2}sensor-b {2}\d[\d.]* m?s - exited with code 5$/)
    expect(lines[close + 1]).toBe('1 of 3 sensors failed: sensor-b (failed)')
  })
})

/* ------------------------------------------------------------------------ rendered */

describe('the summary as GitHub renders it', () => {
  it('3 ok and 2 failed sensors with probes: one table of 5 rows, 2 <details>', async () => {
    for (const n of ['ok1', 'ok2', 'ok3']) await ws.write(`sensors/${n}.sh`, jsonSensor({ n }))
    await ws.write('sensors/bad1.sh', failing('first <b>bad</b> | pipe & `tick`\\n', 1))
    await ws.write('sensors/bad2.sh', failing('second *bad* _thing_\\n', 2))
    const run = await ws.run({})

    expect(run.code).toBe(1)
    const html = marked.parse(run.summary, { async: false }) as string
    expect(html.match(/<table>/g)).toHaveLength(1)
    const body = html.split('<tbody>')[1]?.split('</tbody>')[0] ?? ''
    expect(body.match(/<tr>/g)).toHaveLength(5)
    expect(html.match(/<details>/g)).toHaveLength(2)
    expect(html).toContain('first &lt;b&gt;bad&lt;/b&gt; | pipe &amp; `tick`')
    expect(html).toContain('second *bad* _thing_')
    for (const p of ['sys-claims', 'sys-runner', 'sys-workflow']) {
      expect(html).toContain(`<li><code>${p}</code>`)
    }
  })
})
