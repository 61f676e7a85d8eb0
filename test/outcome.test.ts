/** outcome.ts on its own: SPEC's status table as bytes, from outcomes built by hand. */
import { describe, expect, it } from 'vitest'
import { EXCERPT_CHARS, snapshotBytes, stderrTail } from '../src/sense/outcome.js'
import { type SensorOutcome, STDERR_TAIL_BYTES, Status } from '../src/sense/types.js'

const ctx = { timeoutMs: 2500, maxBytes: 100 }

function outcome(status: Status, over: Partial<SensorOutcome> = {}): SensorOutcome {
  return {
    status,
    stdout: Buffer.alloc(0),
    stdoutBytes: 0,
    stderr: Buffer.from('last words\n'),
    stderrBytes: 11,
    startedAt: new Date(0),
    durationMs: 5,
    message: `the ${status} message`,
    ...over,
  }
}

function parsed(o: SensorOutcome): unknown {
  const bytes = snapshotBytes(o, ctx)
  expect(bytes?.toString('utf8').endsWith('}\n')).toBe(true)
  return JSON.parse((bytes as Buffer).toString('utf8'))
}

describe('snapshotBytes', () => {
  it('ok: stdout byte for byte, formatting kept', () => {
    const stdout = Buffer.from('{ "signal" : 1 }')
    expect(snapshotBytes(outcome(Status.Ok, { stdout }), ctx)).toBe(stdout)
  })

  it('each failure: the normalized object, stable facts in signal, volatile ones in detail', () => {
    expect(parsed(outcome(Status.Failed, { exitCode: 3 }))).toEqual({
      signal: { error: 'failed', exit_code: 3 },
      detail: { message: 'the failed message', stderr: 'last words\n' },
    })
    expect(parsed(outcome(Status.Timeout, { exitCode: 124 }))).toEqual({
      signal: { error: 'timeout', exit_code: 124 },
      detail: { message: 'the timeout message', timeout_s: 2.5, stderr: 'last words\n' },
    })
    expect(parsed(outcome(Status.Killed, { killedBy: 'SIGSEGV' }))).toEqual({
      signal: { error: 'killed', signal: 'SIGSEGV' },
      detail: { message: 'the killed message', stderr: 'last words\n' },
    })
    expect(parsed(outcome(Status.TooLarge, { stdoutBytes: 12345 }))).toEqual({
      signal: { error: 'too-large', cap: 100 },
      detail: { bytes: 12345, message: 'the too-large message' },
    })
    expect(parsed(outcome(Status.SpawnError))).toEqual({
      signal: { error: 'spawn-error' },
      detail: { message: 'the spawn-error message' },
    })
  })

  it('invalid-json quotes the first EXCERPT_CHARS characters of stdout, lossy', () => {
    const stdout = Buffer.concat([Buffer.from('é'.repeat(EXCERPT_CHARS + 10)), Buffer.from([0xff])])
    expect(parsed(outcome(Status.InvalidJson, { stdout }))).toEqual({
      signal: { error: 'invalid-json' },
      detail: { message: 'the invalid-json message', excerpt: 'é'.repeat(EXCERPT_CHARS) },
    })
    const short = Buffer.from([0x61, 0xff])
    const { detail } = parsed(outcome(Status.InvalidJson, { stdout: short })) as {
      detail: { excerpt: string }
    }
    expect(detail.excerpt).toBe('a\uFFFD')
  })

  it('a failure whose exit code is unknown says null, never drops the key', () => {
    expect(parsed(outcome(Status.Failed))).toMatchObject({
      signal: { error: 'failed', exit_code: null },
    })
  })

  it('cancelled has no snapshot, and fresh is not an outcome of a process', () => {
    expect(snapshotBytes(outcome(Status.Cancelled), ctx)).toBeUndefined()
    expect(() => snapshotBytes(outcome(Status.Fresh), ctx)).toThrow(/not a process outcome/)
  })
})

describe('stderrTail', () => {
  it('keeps the last STDERR_TAIL_BYTES bytes', () => {
    const stderr = Buffer.from(`${'a'.repeat(100)}${'b'.repeat(STDERR_TAIL_BYTES)}`)
    expect(stderrTail(stderr)).toBe('b'.repeat(STDERR_TAIL_BYTES))
    expect(stderrTail(Buffer.from('short'))).toBe('short')
    expect(stderrTail(Buffer.alloc(0))).toBe('')
  })

  it('starts at the next whole character when the cut lands inside one', () => {
    // '€' is 3 bytes: 400 of them are 1200; the last 1024 start 176 bytes in, the last byte
    // of a character, which is skipped: 341 whole characters remain.
    expect(STDERR_TAIL_BYTES).toBe(1024)
    const tail = stderrTail(Buffer.from('€'.repeat(400)))
    expect(tail).toBe('€'.repeat(341))
  })
})
