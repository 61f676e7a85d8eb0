import { describe, expect, it } from 'vitest'
import { createRedactor, NO_REDACTION } from '../src/redact.js'

const r = createRedactor(['hunter22', 'pa"ss\\wörd', '98765'])

describe('createRedactor', () => {
  it('replaces each value and its JSON-escaped form in text, longest first', () => {
    expect(r.text('a hunter22 b')).toBe('a *** b')
    expect(r.text('{"k":"pa\\"ss\\\\wörd"}')).toBe('{"k":"***"}')
    expect(r.text('raw pa"ss\\wörd.')).toBe('raw ***.')
    const nested = createRedactor(['abcd', 'xabcdx'])
    expect(nested.text('1xabcdx2abcd')).toBe('1***2***')
  })

  it('replaces UTF-8 bytes in bytes that are not UTF-8, and keeps every other byte', () => {
    const input = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('pa"ss\\wörd'),
      Buffer.from([0xc3]),
    ])
    expect([...r.bytes(input)]).toEqual([0xff, 0xfe, 0x2a, 0x2a, 0x2a, 0xc3])
    const clean = Buffer.from([0xff, 0x00, 0x41])
    expect(r.bytes(clean)).toBe(clean)
  })

  it('keeps a JSON snapshot byte for byte when it holds no value', () => {
    const bytes = Buffer.from('{ "signal" : [1, 2.50, "x"] }\n')
    expect(r.json(bytes)).toBe(bytes)
  })

  it('redacts strings, keys and numbers, and re-serializes to valid JSON', () => {
    const bytes = Buffer.from(
      '{"signal":{"hunter22":"x-hunter22","n":1987654,"ok":2},"detail":"pa\\"ss\\\\w\\u00f6rd"}',
    )
    const out = r.json(bytes).toString()
    expect(JSON.parse(out)).toEqual({
      signal: { '***': 'x-***', n: '***', ok: 2 },
      detail: '***',
    })
    expect(out.endsWith('\n')).toBe(true)
  })

  it('masks the whole snapshot when a value spans JSON syntax', () => {
    const spans = createRedactor(['":"hid'])
    expect(spans.json(Buffer.from('{"a":"hid"}')).toString()).toBe('"***"\n')
  })

  it('redacts a snapshot nested deeper than the stack, and keeps it JSON', () => {
    const depth = 200_000
    const out = r.json(Buffer.from(`${'['.repeat(depth)}"x-hunter22"${']'.repeat(depth)}`))
    expect(out.toString()).toBe(`${'['.repeat(depth)}"x-***"${']'.repeat(depth)}`)
  })

  it('keeps `__proto__` a plain key', () => {
    const out = r.json(Buffer.from('{"__proto__":{"hunter22":1}}')).toString()
    expect(out).toBe('{"__proto__":{"***":1}}\n')
  })

  it('returns its arguments when there is nothing to redact', () => {
    const bytes = Buffer.from('hunter22')
    expect(NO_REDACTION.active).toBe(false)
    expect(NO_REDACTION.bytes(bytes)).toBe(bytes)
    expect(NO_REDACTION.json(bytes)).toBe(bytes)
    expect(NO_REDACTION.text('hunter22')).toBe('hunter22')
  })
})
