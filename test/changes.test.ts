/** The pure parts of memory across runs: comparison, streaks, outputs, history and its strip. */
import { describe, expect, it } from 'vitest'
import { beatMark, historyStrip, stripLines, stripSection } from '../src/report/history-strip.js'
import { buildSummary } from '../src/report/summary.js'
import { buildTextSummary } from '../src/report/text-summary.js'
import {
  CHANGES_OUTPUT_MAX_BYTES,
  changesOutput,
  compareSnapshots,
  type HistoryEntry,
  nextHistory,
  type SignalOf,
  shortenSignal,
} from '../src/sense/changes.js'
import { renderIndexText } from '../src/sense/index-file.js'
import { Status } from '../src/sense/types.js'
import { senseResult, sensorEntry } from './fixtures/results.js'

/** A side of the comparison from `name → signal text`; the text stands for its own hash. */
function side(signals: Record<string, string>): Map<string, SignalOf> {
  return new Map(
    Object.entries(signals).map(([name, text]) => [
      name,
      { signalSha256: `sha:${text}`, text: () => text },
    ]),
  )
}

describe('compareSnapshots', () => {
  it('nothing changed: changed false, empty lists, streaks back to 0', () => {
    const c = compareSnapshots(
      {
        snapshots: side({ 'sensor-a': '1', 'sys-runner': '{}' }),
        streaks: new Map([['sensor-a', 2]]),
      },
      side({ 'sensor-a': '1', 'sys-runner': '{}' }),
    )
    expect(c).toMatchObject({ changed: false, changedSensors: [], changes: [], flapping: [] })
    expect(c.streaks).toEqual(
      new Map([
        ['sensor-a', 0],
        ['sys-runner', 0],
      ]),
    )
    expect(c.previousEmpty).toBe(false)
  })

  it('a changed, an added and a removed snapshot, in byte order, with before and after', () => {
    const c = compareSnapshots(
      {
        snapshots: side({ 'sensor-b': '"x"', 'sensor-gone': '1', 'sensor-same': '0' }),
        streaks: new Map([['sensor-b', 1]]),
      },
      side({ 'sensor-same': '0', 'sensor-b': '"y"', 'sensor-B': 'true' }),
    )
    expect(c.changed).toBe(true)
    expect(c.changedSensors).toEqual(['sensor-B', 'sensor-b', 'sensor-gone'])
    expect(c.changes).toEqual([
      { name: 'sensor-B', before: null, after: 'true' },
      { name: 'sensor-b', before: '"x"', after: '"y"' },
      { name: 'sensor-gone', before: '1', after: null },
    ])
    expect(c.streaks).toEqual(
      new Map([
        ['sensor-B', 1],
        ['sensor-b', 2],
        ['sensor-same', 0],
      ]),
    )
    expect(c.flapping).toEqual([])
  })

  it('a third change in a row is flapping', () => {
    const c = compareSnapshots(
      {
        snapshots: side({ 'sensor-t': '1', 'sensor-u': '1' }),
        streaks: new Map([
          ['sensor-t', 2],
          ['sensor-u', 1],
        ]),
      },
      side({ 'sensor-t': '2', 'sensor-u': '2' }),
    )
    expect(c.streaks.get('sensor-t')).toBe(3)
    expect(c.flapping).toEqual(['sensor-t'])
  })

  it('an empty previous: changed, every snapshot appeared, even when there is none now', () => {
    const c = compareSnapshots(
      { snapshots: new Map(), streaks: new Map() },
      side({ 'sensor-a': '1' }),
    )
    expect(c).toMatchObject({ changed: true, previousEmpty: true, changedSensors: ['sensor-a'] })
    expect(compareSnapshots({ snapshots: new Map(), streaks: new Map() }, new Map()).changed).toBe(
      true,
    )
  })

  it('computes a signal text only for what changed', () => {
    let calls = 0
    const counted = (text: string): SignalOf => ({ signalSha256: text, text: () => `${calls++}` })
    compareSnapshots(
      { snapshots: new Map([['a', counted('1')]]), streaks: new Map() },
      new Map([['a', counted('1')]]),
    )
    expect(calls).toBe(0)
  })
})

describe('shortenSignal and changesOutput', () => {
  it('cuts at the cap with an ellipsis, never inside a surrogate pair', () => {
    expect(shortenSignal('abc', 3)).toBe('abc')
    expect(shortenSignal('abcdef', 4)).toBe('abc…')
    expect(shortenSignal('ab😀cd', 4)).toBe('ab…')
    expect(shortenSignal('x'.repeat(500))).toHaveLength(200)
  })

  it('is JSON of whole entries and stays under its byte bound', () => {
    const changes = Array.from({ length: 2000 }, (_, i) => ({
      name: `sensor-${i}`,
      before: 'b'.repeat(200),
      after: null,
    }))
    const text = changesOutput(changes)
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(CHANGES_OUTPUT_MAX_BYTES)
    const parsed = JSON.parse(text) as unknown[]
    expect(parsed.length).toBeGreaterThan(100)
    expect(parsed.length).toBeLessThan(2000)
    expect(parsed[0]).toEqual({ name: 'sensor-0', before: 'b'.repeat(200), after: null })
    expect(changesOutput([])).toBe('[]')
    const one = changesOutput(changes.slice(0, 1))
    expect(changesOutput(changes.slice(0, 2), Buffer.byteLength(one) + 5)).toBe(one)
  })
})

const beat = (i: number, statuses: Record<string, string>): HistoryEntry => ({
  sensed_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  run_id: i,
  world_hash: String(i).padStart(64, '0'),
  statuses,
})

describe('history', () => {
  it('nextHistory appends newest last and keeps the last 100', () => {
    const old = Array.from({ length: 100 }, (_, i) => beat(i, {}))
    const next = nextHistory(old, beat(100, {}))
    expect(next).toHaveLength(100)
    expect(next[0]?.run_id).toBe(1)
    expect(next[99]?.run_id).toBe(100)
  })

  it('renderIndexText: one beat per line, oldest beats dropped to stay under the bound', () => {
    const statuses = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`sensor-${i}`, 'ok']))
    const history = Array.from({ length: 100 }, (_, i) => beat(i, statuses))
    const whole = renderIndexText({ version: 1, sensors: [] }, history)
    expect(whole.history).toHaveLength(100)
    expect(JSON.parse(whole.text)).toEqual({ version: 1, sensors: [], history })
    expect(whole.text.split('\n').filter((l) => l.startsWith('    {"sensed_at"'))).toHaveLength(100)
    const max = Math.floor(Buffer.byteLength(whole.text) / 3)
    const cut = renderIndexText({ version: 1, sensors: [] }, history, max)
    expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(max)
    expect(cut.history.length).toBeGreaterThan(25)
    expect(cut.history).toEqual(history.slice(-cut.history.length))
    expect(JSON.parse(cut.text).history).toEqual(cut.history)
    // One more beat would not have fitted: the cut is as small as it can be.
    const oneMore = renderIndexText(
      { version: 1, sensors: [] },
      history.slice(-cut.history.length - 1),
    )
    expect(Buffer.byteLength(oneMore.text)).toBeGreaterThan(max)
    expect(JSON.parse(renderIndexText({ a: 1 }, []).text)).toEqual({ a: 1, history: [] })
  })

  it('beatMark: ok and fresh up, warning, absent, and any other status a failure', () => {
    expect(
      ['ok', 'fresh', 'warning', undefined, 'failed', 'some-future-status'].map(beatMark),
    ).toEqual(['✅', '✅', '⚠️', '·', '❌', '❌'])
  })

  it('the strip: none under two beats; ok-throughout folded; others least available first', () => {
    expect(historyStrip([beat(0, { 'sensor-a': 'ok' })])).toBeUndefined()
    const history = [
      beat(0, { 'sensor-ok': 'ok', 'sensor-flaky': 'failed', 'sensor-warn': 'warning' }),
      beat(1, { 'sensor-ok': 'fresh', 'sensor-flaky': 'ok', 'sensor-new': 'ok' }),
      beat(2, {
        'sensor-ok': 'ok',
        'sensor-flaky': 'timeout',
        'sensor-warn': 'ok',
        'sensor-new': 'ok',
      }),
    ]
    const strip = historyStrip(history)
    expect(strip).toEqual({
      beats: 3,
      okThroughout: 2,
      unlisted: 0,
      rows: [
        { name: 'sensor-flaky', marks: ['❌', '✅', '❌'], availability: 33 },
        { name: 'sensor-warn', marks: ['⚠️', '·', '✅'], availability: 100 },
      ],
    })
    const md = stripSection(strip)
    expect(md).toContain('| <code>sensor-flaky</code> | ❌✅❌ | 33 % |')
    expect(md).toContain('✅ 2 sensors ok in every beat: 100 %.')
    expect(stripLines(strip).join('\n')).toContain('sensor-flaky  ❌✅❌  33%')
  })

  it('the strip shows the last 30 beats and lists at most its row cap', () => {
    const names = Array.from({ length: 300 }, (_, i) => `sensor-${String(i).padStart(3, '0')}`)
    const history = Array.from({ length: 100 }, (_, i) =>
      beat(i, Object.fromEntries(names.map((n) => [n, i % 2 === 0 ? 'failed' : 'ok']))),
    )
    const strip = historyStrip(history, 10)
    expect(strip?.beats).toBe(30)
    expect(strip?.rows).toHaveLength(10)
    expect(strip?.rows[0]?.marks).toHaveLength(30)
    expect(strip?.unlisted).toBe(290)
    expect(stripSection(strip)).toContain('290 more sensors that failed or warned are not listed')
  })
})

describe('the reports', () => {
  const history = [
    beat(0, { 'sensor-a': 'ok', 'sensor-b': 'ok' }),
    beat(1, { 'sensor-a': 'failed', 'sensor-b': 'ok' }),
  ]
  const changes = Array.from({ length: 60 }, (_, i) => ({
    name: `sensor-${i}`,
    before: i === 0 ? null : '1',
    after: i === 1 ? null : '2',
  }))
  const result = senseResult([sensorEntry('a', Status.Failed), sensorEntry('b', Status.Ok)], {
    history,
  })

  it('the page: changes with new and gone, then the strip', () => {
    const md = buildSummary(result, { changes })
    expect(md).toContain('| <code>sensor-0</code> | _new_ | <code>2</code> |')
    expect(md).toContain('| <code>sensor-1</code> | <code>1</code> | _gone_ |')
    expect(md).toContain('_10 more changes are not listed')
    expect(md.indexOf('**History**')).toBeGreaterThan(md.indexOf('**Changed since'))
    expect(md).toContain('| <code>sensor-a</code> | ✅❌ | 50 % |')
    expect(md).toContain('✅ 1 sensor ok in every beat: 100 %.')
  })

  it('the text twin: 50 changes listed, the rest counted, then the strip', () => {
    const text = buildTextSummary(result, { changes })
    expect(text).toContain('  sensor-0: (new) -> 2')
    expect(text).toContain('  sensor-1: 1 -> (gone)')
    expect(text).not.toContain('sensor-50:')
    expect(text).toContain('  … and 10 more (the changed-sensors output names them all)')
    expect(text).toContain('history (last 2 beats, oldest first):')
    expect(text).toContain('  sensor-a  ✅❌  50%')
  })
})
