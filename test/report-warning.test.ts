/**
 * The `warning` tier in the reports, and how a Nagios plugin's outcome is judged: pure
 * functions over hand-built results and outcomes (the end-to-end runs are in
 * action-nagios.test.ts and action-retries.test.ts).
 */
import { describe, expect, it } from 'vitest'
import { planAnnotations } from '../src/report/annotations.js'
import { attemptsNote, verdict } from '../src/report/format.js'
import { outputValues } from '../src/report/outputs.js'
import { buildSummary } from '../src/report/summary.js'
import { buildTextSummary } from '../src/report/text-summary.js'
import { judgeNagios } from '../src/sense/nagios-outcome.js'
import {
  isFailure,
  type SensorOutcome,
  type SenseWarning,
  Status,
  WarningCode,
} from '../src/sense/types.js'
import { senseResult, sensorEntry as sensor, WS } from './fixtures/results.js'

const warm = (name: string) => sensor(name, Status.Warning, { exitCode: 1, message: `${name} hot` })

describe('the warning status', () => {
  it('is neither ok nor a failure', () => {
    expect(isFailure(Status.Warning)).toBe(false)
    expect(isFailure(Status.Failed)).toBe(true)
  })

  it('is counted apart in the verdict', () => {
    expect(verdict(senseResult([sensor('a', Status.Ok), warm('b')]))).toBe(
      '1 of 2 sensors ok, 1 warning',
    )
    expect(verdict(senseResult([sensor('a', Status.Failed), warm('b'), warm('c')]))).toBe(
      '1 of 3 sensors failed, 2 warnings',
    )
    expect(verdict(senseResult([sensor('a', Status.Ok), sensor('b', Status.Fresh)]))).toBe(
      '2 of 2 sensors ok',
    )
  })

  it('has outputs of its own; failed never counts it', () => {
    const values = outputValues(
      senseResult([sensor('a', Status.Ok), warm('b'), sensor('c', Status.Timeout), warm('d')]),
    )
    expect(values).toMatchObject({
      total: '4',
      ok: '1',
      warning: '2',
      failed: '1',
      'warning-sensors': '["sensor-b","sensor-d"]',
      'failed-sensors': '["sensor-c"]',
    })
  })

  it('gives each warning sensor a warning annotation, first and inside the cap of 10', () => {
    const others: SenseWarning[] = Array.from({ length: 9 }, (_, i) => ({
      code: WarningCode.NoExecBit,
      title: `other ${i}`,
      message: `m ${i}`,
    }))
    const result = senseResult([warm('x'), warm('y'), sensor('z', Status.Ok)])
    const plan = planAnnotations(result, others, WS)
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toHaveLength(10)
    expect(plan.warnings.slice(0, 2)).toEqual([
      { title: 'sensor-x: warning', message: 'x hot', file: 'sensors/x.sh' },
      { title: 'sensor-y: warning', message: 'y hot', file: 'sensors/y.sh' },
    ])
    expect(plan.warnings[9]?.title).toBe('… and 2 more warnings')
  })

  it('carries the line of a directive warning into the annotation', () => {
    const directive: SenseWarning = {
      code: WarningCode.Directive,
      title: 'sensor-a: directive ignored',
      message: 'sensors/a.sh:3: bad',
      file: `${WS}/sensors/a.sh`,
      line: 3,
    }
    expect(planAnnotations(senseResult([]), [directive], WS).warnings).toEqual([
      {
        title: 'sensor-a: directive ignored',
        message: 'sensors/a.sh:3: bad',
        file: 'sensors/a.sh',
        line: 3,
      },
    ])
  })

  it('shows ⚠️ rows after failures, and attempts above 1, in both summaries', () => {
    const result = senseResult([
      sensor('a', Status.Ok, { attempts: 3 }),
      warm('b'),
      sensor('c', Status.Failed),
    ])
    const page = buildSummary(result)
    expect(page).toContain('### ❌ looop sense: 1 of 3 sensors failed, 1 warning')
    const rows = page.split('\n').filter((l) => l.startsWith('| ') && l.includes('<code>'))
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| ❌ failed', '| ⚠️ warning', '| ✅ ok'])
    expect(rows[2]).toMatch(/\| 3 attempts \|$/)
    expect(buildSummary(senseResult([warm('b')]))).toContain(
      '### ⚠️ looop sense: 0 of 1 sensor ok, 1 warning',
    )

    const text = buildTextSummary(result)
    expect(text).toMatch(/^warning\s+sensor-b\s.*\sb hot$/m)
    expect(text).toMatch(/^ok\s+sensor-a\s.*3 attempts$/m)
    expect(attemptsNote(sensor('a', Status.Ok))).toBe('')
  })
})

/** A process outcome as run-sensor.ts returns it. */
function outcome(status: Status, exitCode: number | undefined, stdout = ''): SensorOutcome {
  const bytes = Buffer.from(stdout)
  return {
    status,
    exitCode,
    stdout: bytes,
    stdoutBytes: bytes.length,
    stderr: Buffer.alloc(0),
    stderrBytes: 0,
    startedAt: new Date(0),
    durationMs: 5,
    message: 'from run-sensor',
  }
}

describe('judgeNagios', () => {
  const ctx = { timeoutMs: 5000, maxBytes: 64 }
  it.each([
    [Status.InvalidJson, 0, Status.Ok, 'ok', ''],
    [Status.Ok, 0, Status.Ok, 'ok', ''],
    [Status.Failed, 1, Status.Warning, 'warning', 'PLUGIN TEXT'],
    [Status.Failed, 2, Status.Failed, 'critical', 'critical: PLUGIN TEXT'],
    [Status.Failed, 3, Status.Failed, 'unknown', 'unknown: PLUGIN TEXT'],
    [Status.Failed, 255, Status.Failed, 'unknown', 'unknown: PLUGIN TEXT'],
  ])('a process that ended %s with exit %i → %s (%s)', (raw, code, status, state, message) => {
    const judged = judgeNagios(outcome(raw, code, 'PLUGIN TEXT|a=1\n'), ctx)
    expect(judged.outcome.status).toBe(status)
    expect(judged.outcome.message).toBe(message)
    expect(JSON.parse(String(judged.bytes)).signal).toEqual({ state })
  })

  it('says so when the plugin printed nothing', () => {
    expect(judgeNagios(outcome(Status.Failed, 1), ctx).outcome.message).toBe(
      'the plugin printed no output (exit 1)',
    )
  })

  it('checks the cap before reading the output, whatever the exit code', () => {
    const judged = judgeNagios(outcome(Status.Failed, 2, 'x'.repeat(65)), ctx)
    expect(judged.outcome.status).toBe(Status.TooLarge)
    expect(judged.outcome.exitCode).toBe(2)
    expect(JSON.parse(String(judged.bytes)).signal).toEqual({ error: 'too-large', cap: 64 })
  })

  it('leaves a plugin that never finished as for any sensor', () => {
    const timedOut = judgeNagios(outcome(Status.Timeout, 124), ctx)
    expect(timedOut.outcome.message).toBe('from run-sensor')
    expect(JSON.parse(String(timedOut.bytes)).signal).toEqual({ error: 'timeout', exit_code: 124 })
    expect(judgeNagios(outcome(Status.Cancelled, undefined), ctx).bytes).toBeUndefined()
    const killed = { ...outcome(Status.Killed, undefined), killedBy: 'SIGSEGV' }
    expect(judgeNagios(killed, ctx).outcome.status).toBe(Status.Killed)
  })
})
