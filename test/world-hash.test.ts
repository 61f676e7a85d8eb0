import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { canonicalJson, parseJson } from '../src/sense/json.js'
import { signalSha256, wakePayload, worldHash } from '../src/sense/world-hash.js'

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
const file = (fileName: string, text: string | Buffer) => ({
  fileName,
  bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'),
})

describe('canonicalJson', () => {
  it('writes values nested far deeper than the call stack, objects and arrays alike', () => {
    let value: unknown = 0
    for (let i = 0; i < 100_000; i++) value = i % 2 ? [value, null] : { b: value, a: undefined }
    const text = canonicalJson(value)
    expect(text.startsWith('[{"b":[{"b":')).toBe(true)
    expect(text.endsWith('},null]},null]')).toBe(true)
    expect(text).toContain('[{"b":0},null]')
    // Each array level writes `[` and `,null]`, each object level `{"b":` and `}`.
    expect(text.length).toBe(50_000 * 7 + 50_000 * 6 + 1)
  })
  it('sorts keys at every depth and drops whitespace', () => {
    const value = JSON.parse('{ "b": [ {"z": 1, "a": {"y": 2, "x": 3}} ], "a": "s" }')
    expect(canonicalJson(value)).toBe('{"a":"s","b":[{"a":{"x":3,"y":2},"z":1}]}')
  })

  it('prints numbers as JavaScript does', () => {
    expect(canonicalJson(JSON.parse('[1.0, 1e21, 0.1, -0, 1E-7, 100]'))).toBe(
      '[1,1e+21,0.1,0,1e-7,100]',
    )
  })

  it('orders integer-like keys as strings, not numerically', () => {
    expect(canonicalJson(JSON.parse('{"9": 0, "10": 1, "a": 2}'))).toBe('{"10":1,"9":0,"a":2}')
  })

  it('orders keys by UTF-16 code units, not by code points', () => {
    // U+1F600 is a surrogate pair starting 0xD83D, which sorts before U+FB01 in UTF-16
    // although its code point is larger.
    const value = JSON.parse('{"\uFB01": 1, "\u{1F600}": 2, "\u20AC": 3, "a": 4}')
    expect(canonicalJson(value)).toBe('{"a":4,"\u20AC":3,"\u{1F600}":2,"\uFB01":1}')
  })

  it('escapes strings as JSON.stringify does', () => {
    expect(canonicalJson('a"b\\c\n\u0001\u2028é')).toBe('"a\\"b\\\\c\\n\\u0001\u2028é"')
  })
})

describe('wakePayload', () => {
  it('is the canonical signal when the snapshot has a signal key', () => {
    const payload = wakePayload(Buffer.from('{"detail": {"t": 5}, "signal": {"b": 1, "a": 2}}'))
    expect(payload.toString('utf8')).toBe('{"a":2,"b":1}')
  })

  it('is the whole value when there is no signal key', () => {
    expect(wakePayload(Buffer.from('{"b": 1, "a": [true, null]}')).toString()).toBe(
      '{"a":[true,null],"b":1}',
    )
    expect(wakePayload(Buffer.from(' [3, 2] ')).toString()).toBe('[3,2]')
    // An array has no keys: an element named signal is no reason to dig.
    expect(wakePayload(Buffer.from('[{"signal":1}]')).toString()).toBe('[{"signal":1}]')
  })

  it('is a null signal when signal is null', () => {
    expect(wakePayload(Buffer.from('{"signal": null, "detail": 1}')).toString()).toBe('null')
  })

  it('is the raw bytes when the file is not JSON', () => {
    const cases = [
      Buffer.from('not json {'),
      Buffer.from(''),
      Buffer.from([0x7b, 0x7d, 0x00]),
      Buffer.from([0x22, 0xff, 0xfe, 0x22]), // invalid UTF-8 inside a string
      Buffer.from('\uFEFF{}', 'utf8'), // a byte-order mark is not JSON
    ]
    for (const bytes of cases) expect(wakePayload(bytes).equals(bytes)).toBe(true)
  })
})

describe('parseJson', () => {
  it('parses strict UTF-8 JSON and refuses anything else', () => {
    expect(parseJson(Buffer.from('{"a":1}'))).toEqual({ value: { a: 1 } })
    expect(parseJson(Buffer.from('null'))).toEqual({ value: null })
    expect(parseJson(Buffer.from(''))).toBeUndefined()
    expect(parseJson(Buffer.from([0x5b, 0xc3, 0x5d]))).toBeUndefined()
  })
})

describe('signalSha256', () => {
  it('is the sha256 of the wake payload', () => {
    expect(signalSha256(Buffer.from('{"signal":{"b":1,"a":2},"detail":"x"}'))).toBe(
      sha256('{"a":2,"b":1}'),
    )
    expect(signalSha256(Buffer.from('raw'))).toBe(sha256('raw'))
  })
})

describe('worldHash', () => {
  it('frames each file as "@@ <name> <length>\\n<payload>\\n", in byte order of name', () => {
    const files = [
      file('sys-runner.json', '{"signal": {"os": "linux"}, "detail": {"load": 1.5}}'),
      file('sensor-a.json', '{"signal": [1.0, "é"]}'),
    ]
    // Payloads: '[1,"é"]' is 8 bytes (é is two), '{"os":"linux"}' is 14; length adds the newline.
    const expected = '@@ sensor-a.json 9\n[1,"é"]\n' + '@@ sys-runner.json 15\n{"os":"linux"}\n'
    expect(worldHash(files)).toBe(sha256(Buffer.from(expected, 'utf8')))
  })

  it('of nothing is the sha256 of nothing', () => {
    expect(worldHash([])).toBe(sha256(''))
  })

  it('does not move when detail changes', () => {
    const a = worldHash([file('sensor-x.json', '{"signal":{"up":true},"detail":{"ms":12}}')])
    const b = worldHash([file('sensor-x.json', '{"signal":{"up":true},"detail":{"ms":99,"n":1}}')])
    const c = worldHash([file('sensor-x.json', '{"signal":{"up":true}}')])
    expect(b).toBe(a)
    expect(c).toBe(a)
  })

  it('does not move when keys are reordered, at any depth, or whitespace changes', () => {
    const a = worldHash([
      file('sensor-x.json', '{"signal":{"a":{"p":1,"q":[{"m":1,"n":2}]},"b":2}}'),
    ])
    const b = worldHash([
      file('sensor-x.json', '{\n  "signal": {"b": 2, "a": {"q": [{"n": 2, "m": 1}], "p": 1}}\n}\n'),
    ])
    expect(b).toBe(a)
  })

  it('does not tell 1.0 from 1', () => {
    expect(worldHash([file('sensor-x.json', '{"signal":{"v":1.0}}')])).toBe(
      worldHash([file('sensor-x.json', '{"signal":{"v":1}}')]),
    )
  })

  it('moves when a signal changes, a file appears, or a file is renamed', () => {
    const base = worldHash([file('sensor-x.json', '{"signal":{"v":1}}')])
    expect(worldHash([file('sensor-x.json', '{"signal":{"v":2}}')])).not.toBe(base)
    expect(worldHash([file('sensor-x.json', '{"signal":{"v":"1"}}')])).not.toBe(base)
    expect(worldHash([file('sensor-y.json', '{"signal":{"v":1}}')])).not.toBe(base)
    expect(
      worldHash([file('sensor-x.json', '{"signal":{"v":1}}'), file('sys-claims.json', '[]')]),
    ).not.toBe(base)
  })

  it('hashes a non-JSON file raw and a snapshot without signal whole', () => {
    const raw = Buffer.from([0x00, 0xff, 0x0a])
    expect(worldHash([file('sensor-bin.json', raw)])).toBe(
      sha256(Buffer.concat([Buffer.from('@@ sensor-bin.json 4\n'), raw, Buffer.from('\n')])),
    )
    expect(worldHash([file('sensor-w.json', '{"b":1,"a":2}')])).toBe(
      sha256('@@ sensor-w.json 14\n{"a":2,"b":1}\n'),
    )
  })

  it('orders files by the bytes of their names, not by locale', () => {
    // 'B' (0x42) sorts before 'a' (0x61) in bytes; a locale compare would put a first.
    const files = [file('sensor-a.json', '1'), file('sensor-B.json', '2')]
    const expected = '@@ sensor-B.json 2\n2\n@@ sensor-a.json 2\n1\n'
    expect(worldHash(files)).toBe(sha256(expected))
    expect(worldHash([...files].reverse())).toBe(sha256(expected))
  })

  it('leaves out files that are not sensor-*.json or sys-*.json', () => {
    const snapshot = file('sensor-x.json', '{"signal":1}')
    expect(
      worldHash([
        snapshot,
        file('index.json', '{"version":1}'),
        file('sensor-x.err', 'boom'),
        file('other.json', '{}'),
      ]),
    ).toBe(worldHash([snapshot]))
  })

  it('refuses one file name twice', () => {
    expect(() => worldHash([file('sensor-x.json', '1'), file('sensor-x.json', '2')])).toThrow(
      /sensor-x\.json/,
    )
  })
})
