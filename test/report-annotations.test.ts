import { describe, expect, it } from 'vitest'
import {
  type AnnotationPlan,
  MAX_ERROR_ANNOTATIONS,
  planAnnotations as planFor,
} from '../src/report/annotations.js'
import { hostFor } from '../src/report/host.js'
import {
  type Entry,
  type SenseResult,
  type SenseWarning,
  Status,
  WarningCode,
} from '../src/sense/types.js'
import { captureStdout, senseResult, sensorEntry as sensor, WS } from './fixtures/results.js'

const result = (entries: Entry[], warnings: SenseWarning[] = []) =>
  senseResult(entries, { warnings })

/** The plan for a result whose own warnings are all the run's warnings. */
const planAnnotations = (r: SenseResult, workspace: string) => planFor(r, r.warnings, workspace)

/** What the runner's host emits for a plan. */
const emitAnnotations = (plan: AnnotationPlan) => hostFor({ GITHUB_ACTIONS: 'true' }).annotate(plan)

const failing = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    sensor(`s${String(i).padStart(3, '0')}`, Status.Failed, { stderrTail: `boom ${i}\n` }),
  )

function warning(i: number, code = WarningCode.NoExecBit): SenseWarning {
  return { code, title: `warning ${i}`, message: `message ${i}`, file: `${WS}/sensors/w${i}.sh` }
}

describe('planAnnotations', () => {
  it('plans nothing when nothing failed and nothing warned', () => {
    const plan = planAnnotations(result([sensor('a', Status.Ok), sensor('b', Status.Fresh)]), WS)
    expect(plan).toEqual({ errors: [], warnings: [] })
  })

  it('one failure: titled with snapshot name and status, stderr tail as message, file relative', () => {
    const plan = planAnnotations(
      result([sensor('a', Status.Ok), sensor('b', Status.Timeout, { stderrTail: 'slow\nvery\n' })]),
      WS,
    )
    expect(plan.errors).toEqual([
      { title: 'sensor-b: timeout', message: 'slow\nvery', file: 'sensors/b.sh' },
    ])
  })

  it('uses the entry message when stderr is empty', () => {
    const plan = planAnnotations(result([sensor('a', Status.Failed)]), WS)
    expect(plan.errors[0]?.message).toBe('exited with code 3')
  })

  it('leaves `file` out for a script outside the workspace', () => {
    const plan = planAnnotations(
      result([sensor('a', Status.Failed, { scriptPath: '/opt/elsewhere/a.sh' })]),
      WS,
    )
    expect(plan.errors[0]).not.toHaveProperty('file')
  })

  it('names all 9 when exactly 9 failed', () => {
    const plan = planAnnotations(result(failing(9)), WS)
    expect(plan.errors).toHaveLength(9)
    expect(plan.errors.map((e) => e.title)).toEqual(
      Array.from({ length: 9 }, (_, i) => `sensor-s00${i}: failed`),
    )
    expect(plan.errors[8]?.file).toBe('sensors/s008.sh')
  })

  it('10 failed: 8 named, the 9th folds 2', () => {
    const plan = planAnnotations(result(failing(10)), WS)
    expect(plan.errors).toHaveLength(MAX_ERROR_ANNOTATIONS)
    expect(plan.errors.slice(0, 8).every((e) => e.title.endsWith(': failed'))).toBe(true)
    expect(plan.errors[8]).toEqual({
      title: '… and 2 more sensors failed',
      message: 'sensor-s008 (failed), sensor-s009 (failed)',
    })
  })

  it('25 failed: 8 named, the 9th folds 17 and names them', () => {
    const plan = planAnnotations(result(failing(25)), WS)
    expect(plan.errors).toHaveLength(9)
    expect(plan.errors[8]?.title).toBe('… and 17 more sensors failed')
    expect(plan.errors[8]?.message.split(', ')).toHaveLength(17)
    expect(plan.errors[8]?.message.startsWith('sensor-s008 (failed), ')).toBe(true)
  })

  it('truncates the fold message when thousands failed', () => {
    const plan = planAnnotations(result(failing(2000)), WS)
    const fold = plan.errors[8]
    expect(fold?.title).toBe('… and 1992 more sensors failed')
    expect(fold?.message.length).toBeLessThanOrEqual(1010)
    expect(fold?.message.endsWith(', …')).toBe(true)
  })

  it('passes 10 warnings through, file relative to the workspace', () => {
    const ws = Array.from({ length: 10 }, (_, i) => warning(i))
    const plan = planAnnotations(result([], ws), WS)
    expect(plan.warnings).toHaveLength(10)
    expect(plan.warnings[9]).toEqual({
      title: 'warning 9',
      message: 'message 9',
      file: 'sensors/w9.sh',
    })
  })

  it('caps warnings at 10, the 10th folding the rest with counts per code', () => {
    const ws = [
      ...Array.from({ length: 20 }, (_, i) => warning(i)),
      ...Array.from({ length: 10 }, (_, i) => warning(100 + i, WarningCode.NotYetSupported)),
    ]
    const plan = planAnnotations(result([], ws), WS)
    expect(plan.warnings).toHaveLength(10)
    expect(plan.warnings[9]?.title).toBe('… and 21 more warnings')
    expect(plan.warnings[9]?.message).toMatch(
      /^no-exec-bit: 11, not-yet-supported: 10\. warning 9, /,
    )
    expect(plan.warnings[9]).not.toHaveProperty('file')
  })

  it('neutralises the legacy `##[` form in messages', () => {
    const plan = planAnnotations(
      result([sensor('a', Status.Failed, { stderrTail: 'x ##[error]y' })]),
      WS,
    )
    expect(plan.errors[0]?.message).toBe('x ##\u200b[error]y')
  })
})

describe('emitAnnotations', () => {
  it('writes the exact workflow commands, escaped by @actions/core', () => {
    const lines = captureStdout(() =>
      emitAnnotations({
        errors: [
          {
            title: 'sensor-a,b: failed',
            message: '50% done\r\nline2\nx',
            file: 'sensors/a:b,c.sh',
          },
          { title: 'sensor-z: timeout', message: 'plain' },
        ],
        warnings: [{ title: 'no exec bit', message: 'chmod +x it', file: 'sensors/w.sh' }],
      }),
    )
    expect(lines).toEqual([
      '::error title=sensor-a%2Cb%3A failed,file=sensors/a%3Ab%2Cc.sh::50%25 done%0D%0Aline2%0Ax',
      '::error title=sensor-z%3A timeout::plain',
      '::warning title=no exec bit,file=sensors/w.sh::chmod +x it',
    ])
  })

  it('keeps an injected command inside the one annotation line', () => {
    const stderr = 'line1\n::add-mask::x\n::set-output name=a::b\n##[error]x\n::error::x\n'
    const plan = planAnnotations(result([sensor('a', Status.Failed, { stderrTail: stderr })]), WS)
    const lines = captureStdout(() => emitAnnotations(plan))
    expect(lines).toEqual([
      '::error title=sensor-a%3A failed,file=sensors/a.sh::line1%0A::add-mask::x%0A' +
        '::set-output name=a::b%0A##\u200b[error]x%0A::error::x',
    ])
  })
})
