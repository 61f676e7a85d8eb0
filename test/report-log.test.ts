import { describe, expect, it } from 'vitest'
import { logResult, logUntrusted, MAX_STDERR_IN_LOG } from '../src/report/log.js'
import { Status } from '../src/sense/types.js'
import {
  captureStdout,
  probeEntry as probe,
  senseResult as result,
  sensorEntry as sensor,
  WS,
} from './fixtures/results.js'

/**
 * The runner's reading of a log, after actions/runner's ActionCommandManager: a `::name…::`
 * command at the start of a line (after whitespace), else the legacy `##[name…]` anywhere; while
 * stopped, only `::<token>::` is acted on. Returns the commands it would act on.
 */
function runnerCommands(lines: string[]): string[] {
  const acted: string[] = []
  let stopToken: string | undefined
  for (const raw of lines) {
    const line = raw.trimStart()
    let name: string | undefined
    let data = ''
    if (line.startsWith('::')) {
      const end = line.indexOf('::', 2)
      if (end > 2) {
        name = line.slice(2, end).split(' ')[0]
        data = line.slice(end + 2)
      }
    }
    if (name === undefined) {
      const at = raw.indexOf('##[')
      const close = at >= 0 ? raw.indexOf(']', at) : -1
      if (close > at + 3) name = raw.slice(at + 3, close).split(' ')[0]
    }
    if (name === undefined) continue
    if (stopToken !== undefined) {
      if (name === stopToken) {
        acted.push(`resume:${name}`)
        stopToken = undefined
      }
      continue
    }
    acted.push(name)
    if (name === 'stop-commands') stopToken = data
  }
  return acted
}

const HOSTILE = [
  'normal line',
  '::error::x',
  '::add-mask::x',
  '::set-output name=a::b',
  '##[error]x',
  'text before ##[warning]y and ###[z] and ##[##[',
  '::stop-commands::zzz',
  '::zzz::',
  '   ::endgroup::',
].join('\n')

describe('logUntrusted', () => {
  it('prints every line between the guard lines, with no `##[` left', () => {
    const lines: string[] = []
    logUntrusted(`${HOSTILE}\n`, (l) => lines.push(l))
    const start = lines[0] ?? ''
    expect(start).toMatch(/^::stop-commands::[0-9a-f-]{36}$/)
    const token = start.slice('::stop-commands::'.length)
    expect(lines.at(-1)).toBe(`::${token}::`)
    expect(HOSTILE.includes(token)).toBe(false)
    expect(lines.slice(1, -1)).toEqual([
      'normal line',
      '::error::x',
      '::add-mask::x',
      '::set-output name=a::b',
      '##\u200b[error]x',
      'text before ##\u200b[warning]y and ###\u200b[z] and ##\u200b[##\u200b[',
      '::stop-commands::zzz',
      '::zzz::',
      '   ::endgroup::',
    ])
    expect(lines.some((l) => l.includes('##['))).toBe(false)
    expect(runnerCommands(lines)).toEqual(['stop-commands', `resume:${token}`])
  })

  it('splits on CR and CRLF as the runner does', () => {
    const lines: string[] = []
    logUntrusted('a\r::error::b\r\n##[error]c', (l) => lines.push(l))
    expect(lines.slice(1, -1)).toEqual(['a', '::error::b', '##\u200b[error]c'])
    expect(runnerCommands(lines)).toHaveLength(2)
  })

  it('draws a fresh token on every call', () => {
    const a: string[] = []
    const b: string[] = []
    logUntrusted('x', (l) => a.push(l))
    logUntrusted('x', (l) => b.push(l))
    expect(a[0]).not.toBe(b[0])
    expect(a.at(-1)).not.toBe(b.at(-1))
  })

  it('prints nothing for empty text', () => {
    const lines: string[] = []
    logUntrusted('', (l) => lines.push(l))
    expect(lines).toEqual([])
  })

  it('writes to stdout through @actions/core by default', () => {
    const lines = captureStdout(() => logUntrusted('::error::x'))
    expect(lines).toHaveLength(3)
    expect(lines[1]).toBe('::error::x')
    expect(runnerCommands(lines)).toHaveLength(2)
  })
})

describe('logResult', () => {
  it('all ok: a group with one line per entry, then the summary line', () => {
    const lines = captureStdout(() =>
      logResult(result([sensor('a', Status.Ok), sensor('b', Status.Fresh), probe('runner')])),
    )
    expect(lines).toEqual([
      '::group::looop sense: 2 sensors, 1 probe',
      'ok     sensor-a  1.2 s',
      'fresh  sensor-b  1.2 s',
      'ok     sys-runner  3 ms',
      '::endgroup::',
      '2 of 2 sensors ok in 1.2 s',
    ])
  })

  it('failures: names them, prints their stderr guarded, and no sensor text acts', () => {
    const lines = captureStdout(() =>
      logResult(
        // Sorted by snapshot name, as the engine hands them over.
        result([
          sensor('##[error]evil', Status.Failed, { message: 'line\n::error::m' }),
          sensor('a', Status.Ok),
          sensor('b', Status.Failed, { exitCode: 3, stderrTail: HOSTILE }),
          sensor('c', Status.Timeout, { message: 'timed out after 5 s', exitCode: 124 }),
        ]),
      ),
    )
    expect(lines.slice(0, 6)).toEqual([
      '::group::looop sense: 4 sensors, 0 probes',
      'failed   sensor-##\u200b[error]evil  1.2 s - line ::error::m',
      'ok       sensor-a  1.2 s',
      'failed   sensor-b  1.2 s - exited with code 3',
      'timeout  sensor-c  1.2 s - timed out after 5 s',
      '::endgroup::',
    ])
    expect(lines[6]).toBe(
      '3 of 4 sensors failed: sensor-##\u200b[error]evil (failed), sensor-b (failed), sensor-c (timeout)',
    )
    expect(lines[7]).toBe('stderr of sensor-b (failed), last lines:')
    expect(lines.slice(9, -1)).toEqual(HOSTILE.replace(/##\[/g, '##\u200b[').split('\n'))
    expect(lines.some((l) => l.includes('##['))).toBe(false)
    const acted = runnerCommands(lines)
    expect(acted.slice(0, 2)).toEqual(['group', 'endgroup'])
    expect(acted.slice(2)).toEqual(['stop-commands', expect.stringMatching(/^resume:/)])
  })

  it('bounds the stderr it prints when thousands failed', () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      sensor(`s${String(i).padStart(3, '0')}`, Status.Failed, { stderrTail: `err ${i}` }),
    )
    const lines = captureStdout(() => logResult(result(many, { cancelled: true })))
    const summary = lines.find((l) => l.startsWith('120 of 120 sensors failed: '))
    expect(summary).toMatch(/sensor-s019 \(failed\), … and 100 more \(run cancelled\)$/)
    expect(lines.filter((l) => l.startsWith('::stop-commands::'))).toHaveLength(MAX_STDERR_IN_LOG)
    expect(lines.at(-1)).toBe(
      `stderr of 70 more failed sensors is in their .err files in ${WS}/snapshots`,
    )
  })
})
