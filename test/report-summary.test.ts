import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { marked } from 'marked'
import { afterAll, describe, expect, it } from 'vitest'
import { appendStepSummary } from '../src/report/host.js'
import { buildSummary, MAX_TABLE_ROWS, SUMMARY_LIMIT } from '../src/report/summary.js'
import { buildTextSummary } from '../src/report/text-summary.js'
import { Status } from '../src/sense/types.js'
import {
  HASH,
  probeEntry as probe,
  senseResult as result,
  sensorEntry as sensor,
} from './fixtures/results.js'

const bytes = (s: string) => Buffer.byteLength(s, 'utf8')
const render = (md: string) => marked.parse(md, { async: false }) as string
const count = (s: string, needle: string) => s.split(needle).length - 1
/** The rows (`<tr>`) of the n-th rendered table, header row included. */
function tableRows(html: string, n = 0): string[] {
  const table = html.split('<table>')[n + 1]?.split('</table>')[0] ?? ''
  return table.split('<tr>').slice(1)
}

const mixed = () =>
  result([
    sensor('alpha', Status.Ok, { bytes: 2048, durationMs: 1500 }),
    sensor('beta', Status.Failed, {
      message: 'exited with code 3 | pipe\nand a second line',
      stderrTail: 'first\n``` fence\n</pre><script>alert(1)</script>\n```\n&amp; done\n',
    }),
    sensor('gamma', Status.Timeout, {
      exitCode: 124,
      message: 'timed out after 5 s',
      stderrTail: 'still waiting…\n',
    }),
    sensor('delta', Status.Fresh),
    sensor('eps', Status.InvalidJson, { message: 'stdout is not JSON' }),
    probe('runner', { os: 'Linux', arch: 'X64' }),
    probe('claims', []),
  ])

describe('buildSummary', () => {
  it('verdict first, hash, one row per sensor, details for failures, probes, artifact', () => {
    const md = buildSummary(mixed(), {
      artifactUrl: 'https://github.com/o/r/actions/runs/1/artifacts/2',
      artifactName: 'snapshots',
    })
    expect(md.split('\n')[0]).toBe('### ❌ looop sense: 3 of 5 sensors failed')
    expect(md).toContain(`world hash <code>${HASH}</code>`)
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| status'))
    expect(rows).toHaveLength(5)
    // Failed rows first, in name order, then the rest.
    expect(rows.map((r) => r.split(' | ')[1])).toEqual([
      '<code>sensor-beta</code>',
      '<code>sensor-eps</code>',
      '<code>sensor-gamma</code>',
      '<code>sensor-alpha</code>',
      '<code>sensor-delta</code>',
    ])
    expect(rows[3]).toBe('| ✅ ok | <code>sensor-alpha</code> | 1.5 s | 2.0 KiB | 0 |  |')
    expect(count(md, '<details>')).toBe(2)
    expect(md).toContain('<details><summary>sensor-beta (failed): stderr</summary>')
    expect(md).toContain('<details><summary>sensor-gamma (timeout): stderr</summary>')
    expect(md).toContain('- <code>sys-runner</code> <code>{"os":"Linux","arch":"X64"}</code>')
    expect(md).toContain('- <code>sys-claims</code> <code>&#91;&#93;</code>')
    expect(md).toContain(
      '📦 Artifact: <a href="https://github.com/o/r/actions/runs/1/artifacts/2">snapshots</a>',
    )
  })

  it('all ok: the ok verdict, no details, the upload note when there is no link', () => {
    const md = buildSummary(result([sensor('a', Status.Ok), sensor('b', Status.Fresh)]), {
      uploadNote: 'upload skipped: not in a runner',
    })
    expect(md.split('\n')[0]).toBe('### ✅ looop sense: 2 of 2 sensors ok')
    expect(md).toContain('1 fresh')
    expect(md).not.toContain('<details>')
    expect(md).toContain('📦 upload skipped: not in a runner')
  })

  it('shows changes since previous when given, and says so when nothing changed', () => {
    const changed = buildSummary(result([sensor('a', Status.Ok)]), {
      changes: [{ name: 'sensor-a', before: '{"n":1}', after: '{"n":2}' }],
    })
    expect(changed).toContain('**Changed since `previous`:** 1 snapshot')
    expect(changed).toContain(
      '| <code>sensor-a</code> | <code>{"n":1}</code> | <code>{"n":2}</code> |',
    )
    const same = buildSummary(result([sensor('a', Status.Ok)]), { changes: [] })
    expect(same).toContain('Nothing changed since `previous`.')
  })

  it('renders with marked: the table has its rows and cells, details and pre survive', () => {
    const md = buildSummary(mixed(), {
      artifactUrl: 'https://example.invalid/a',
    })
    const html = render(md)
    const rows = tableRows(html)
    expect(rows).toHaveLength(1 + 5)
    for (const row of rows.slice(1)) expect(count(row, '<td')).toBe(6)
    // The `|` and the newline stayed inside the message cell.
    expect(rows[1]).toContain('<td>exited with code 3 | pipe<br>and a second line</td>')
    expect(count(html, '<details>')).toBe(2)
    expect(count(html, '</details>')).toBe(2)
    expect(count(html, '<pre>')).toBe(2)
    // The stderr's own fence and `</pre>` are text inside the block, not markup.
    expect(html).toContain(
      '``` fence\n&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n```\n&amp;amp; done',
    )
    expect(html).not.toContain('<script>')
  })

  it('2,000 failing sensors with 64 KiB of stderr each: under the limit, with the trim note', () => {
    const big = 'E'.repeat(64 * 1024 - 4)
    const entries = Array.from({ length: 2000 }, (_, i) =>
      sensor(`s${String(i).padStart(4, '0')}`, Status.Failed, {
        message: `exited with code 3 ${'|'.repeat(300)}`,
        stderrTail: `${i}:${big}\n`,
      }),
    )
    const md = buildSummary(result(entries))
    expect(bytes(md)).toBeLessThanOrEqual(SUMMARY_LIMIT)
    expect(md.split('\n')[0]).toBe('### ❌ looop sense: 2000 of 2000 sensors failed')
    expect(md).toMatch(/The stderr of \d+ more failed sensors is left out/)
    const html = render(md)
    expect(count(html, '<details>')).toBe(count(html, '</details>'))
    expect(count(html, '<details>')).toBeGreaterThan(0)
    const shown = tableRows(html).length - 1
    expect(shown).toBeGreaterThan(0)
    expect(shown).toBeLessThanOrEqual(MAX_TABLE_ROWS)
    if (shown < 2000) expect(md).toContain(`${2000 - shown} more failed sensors are not listed`)
  })

  it('5,000 ok and 3 failed: the table shrinks to the failed rows, with a note', () => {
    const entries = [
      ...Array.from({ length: 5000 }, (_, i) => sensor(`ok-${i}`, Status.Ok)),
      sensor('x', Status.Failed, { stderrTail: 'x failed' }),
      sensor('y', Status.Killed, { message: 'killed by SIGSEGV' }),
      sensor('z', Status.SpawnError, { message: 'permission denied' }),
    ]
    const md = buildSummary(result(entries))
    expect(md.split('\n')[0]).toBe('### ❌ looop sense: 3 of 5003 sensors failed')
    const html = render(md)
    expect(tableRows(html)).toHaveLength(1 + 3)
    expect(md).toContain('5000 sensors that did not fail are left out of this table')
    expect(md).toContain('index.json lists every sensor')
    expect(md).not.toContain('sensor-ok-')
    expect(count(md, '<details>')).toBe(1)
  })

  it('drops ok rows when the bytes (not the row count) overflow', () => {
    const long = 'n'.repeat(230)
    const entries = [
      ...Array.from({ length: 950 }, (_, i) => sensor(`${long}${i}`, Status.Ok)),
      ...Array.from({ length: 90 }, (_, i) =>
        sensor(`f${i}`, Status.Failed, { stderrTail: 'e'.repeat(8000) }),
      ),
    ]
    const full = 950 * 300 + 90 * 8000
    expect(full).toBeGreaterThan(SUMMARY_LIMIT)
    const md = buildSummary(result(entries))
    expect(bytes(md)).toBeLessThanOrEqual(SUMMARY_LIMIT)
    expect(md).toContain('950 sensors that did not fail are left out')
    expect(md).not.toContain('more failed sensors are not listed')
    expect(md).not.toContain('The stderr of')
    expect(count(md, '<details>')).toBe(90)
  })

  it('says so when the run was cancelled', () => {
    const md = buildSummary(
      result([sensor('a', Status.Ok), sensor('b', Status.Cancelled, { message: 'cancelled' })], {
        cancelled: true,
      }),
    )
    expect(md.split('\n')[0]).toBe('### ❌ looop sense: 1 of 2 sensors failed')
    expect(md).toContain('**The run was cancelled**; 1 sensor was still running.')
  })
})

describe('problems besides the sensors (a merge with a shard missing)', () => {
  const problems = ['Shard 2 of 3 is missing: no artifact "s-2-of-3" in this run.', 'a | `b`']
  const ok = () => result([sensor('alpha', Status.Ok)])

  it('turn an all-ok page into a failed one, each problem under the verdict, escaped', () => {
    const md = buildSummary(ok(), { problems })
    expect(md.split('\n')[0]).toBe('### ❌ looop sense: 1 of 1 sensor ok')
    expect(md).toContain('> ❌ Shard 2 of 3 is missing: no artifact "s-2-of-3" in this run.')
    const html = render(md)
    // Shown as written: the pipe breaks no table, the backticks make no code span.
    expect(html).toContain('a | `b`')
    expect(html).not.toContain('<code>b</code>')
    expect(buildSummary(ok(), {}).split('\n')[0]).toBe('### ✅ looop sense: 1 of 1 sensor ok')
  })

  it('are listed in the text summary too', () => {
    const text = buildTextSummary(ok(), { problems })
    expect(text).toContain('problem: Shard 2 of 3 is missing: no artifact "s-2-of-3" in this run.')
  })
})

describe('buildTextSummary', () => {
  it('is a plain, aligned text report', () => {
    const text = buildTextSummary(mixed(), { uploadNote: 'upload skipped: not in a runner' })
    const lines = text.split('\n')
    expect(lines[0]).toBe('looop sense: 3 of 5 sensors failed')
    expect(lines[1]).toBe(`world hash ${HASH}`)
    const header = lines.indexOf(lines.find((l) => l.startsWith('STATUS')) ?? '')
    expect(lines[header]).toMatch(/^STATUS\s+SENSOR\s+DURATION\s+BYTES\s+EXIT\s+MESSAGE$/)
    expect(lines[header + 1]).toBe(
      'failed        sensor-beta      1.2 s     17 B     3  exited with code 3 | pipe and a second line',
    )
    expect(lines).toContain('stderr of sensor-gamma (timeout):')
    expect(lines).toContain('  | still waiting…')
    expect(lines).toContain('probes:')
    expect(text).not.toMatch(/<code>|<br>|<details>|&#/)
    expect(text.endsWith('upload skipped: not in a runner\n')).toBe(true)
  })
})

describe('appendStepSummary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-summary-'))
  const file = join(dir, 'step-summary.md')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('appends the page to GITHUB_STEP_SUMMARY, probe signals included, in budget', async () => {
    writeFileSync(file, '')
    await appendStepSummary(
      file,
      result([sensor('a', Status.Ok), probe('runner', { os: 'Linux' })]),
      {},
    )
    const first = readFileSync(file, 'utf8')
    expect(first.startsWith('### ✅ looop sense: 1 of 1 sensor ok')).toBe(true)
    expect(first).toContain('<code>sys-runner</code> <code>{"os":"Linux"}</code>')

    // A step summary already 900 KB full leaves room for a trimmed page only.
    writeFileSync(file, 'x'.repeat(900_000))
    const entries = Array.from({ length: 300 }, (_, i) =>
      sensor(`s${i}`, Status.Failed, { stderrTail: 'e'.repeat(1024) }),
    )
    await appendStepSummary(file, result(entries), {})
    const total = readFileSync(file)
    expect(total.length).toBeLessThanOrEqual(SUMMARY_LIMIT)
    expect(total.toString('utf8')).toContain('is left out, to keep this summary under')
  })
})
