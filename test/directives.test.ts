import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DIRECTIVE_HEAD_BYTES,
  type DirectivesResult,
  parseDirectives,
  readDirectives,
  readScriptHead,
} from '../src/sense/directives.js'

/** A script: a shebang, then `lines`, joined by `\n`, ending with one. */
const script = (...lines: string[]) => ['#!/usr/bin/env bash', ...lines, 'echo "{}"', ''].join('\n')

/** The result when nothing was declared and nothing is wrong. */
const NONE: DirectivesResult = { directives: { format: 'json' }, problems: [] }

describe('parseDirectives: what is applied', () => {
  const cases: [name: string, content: string, expected: DirectivesResult['directives']][] = [
    ['nothing declared', script('# a comment'), { format: 'json' }],
    [
      'both keys',
      script('# looop:interval=3600', '# looop:format=nagios'),
      {
        intervalS: 3600,
        format: 'nagios',
      },
    ],
    ['no space after #', script('#looop:interval=60'), { intervalS: 60, format: 'json' }],
    [
      'spaces around key, = and value',
      script('# looop: interval = 60 '),
      {
        intervalS: 60,
        format: 'json',
      },
    ],
    ['tabs and indentation', script('\t#\tlooop:\tformat\t=\tnagios\t'), { format: 'nagios' }],
    ['decimal seconds', script('# looop:interval=0.5'), { intervalS: 0.5, format: 'json' }],
    [
      'a leading or trailing point',
      script('# looop:interval=.5'),
      { intervalS: 0.5, format: 'json' },
    ],
    ['a trailing point', script('# looop:interval=90.'), { intervalS: 90, format: 'json' }],
    ['format=json explicitly', script('# looop:format=json'), { format: 'json' }],
    [
      'on line 1, without a shebang',
      '# looop:interval=5\necho "{}"\n',
      {
        intervalS: 5,
        format: 'json',
      },
    ],
    [
      'CRLF line ends',
      '#!/bin/bash\r\n# looop:interval=60\r\n# looop:format=nagios\r\n',
      {
        intervalS: 60,
        format: 'nagios',
      },
    ],
    ['a UTF-8 byte order mark', '\uFEFF# looop:interval=7\n', { intervalS: 7, format: 'json' }],
    ['no line break at the end', '# looop:format=nagios', { format: 'nagios' }],
    [
      'on line 20, the last line read',
      [...Array(19).fill('#'), '# looop:interval=20', ''].join('\n'),
      { intervalS: 20, format: 'json' },
    ],
    [
      'on line 21: not read',
      [...Array(20).fill('#'), '# looop:interval=21', ''].join('\n'),
      { format: 'json' },
    ],
    [
      'after code, further down: still a directive',
      script('set -eu', 'cd /tmp', '# looop:interval=9'),
      { intervalS: 9, format: 'json' },
    ],
    [
      'after code on the same line: none',
      script('echo hi # looop:interval=60'),
      { format: 'json' },
    ],
    ['inside a longer comment: none', script('# see looop:interval=60'), { format: 'json' }],
    ['without the colon: none', script('# looop interval=60'), { format: 'json' }],
  ]

  it.each(cases)('%s', (_name, content, directives) => {
    expect(parseDirectives(content)).toEqual({ directives, problems: [] })
  })

  it('reads a Buffer as it reads a string', () => {
    const content = script('# looop:interval=60', '# looop:format=nagios')
    expect(parseDirectives(Buffer.from(content))).toEqual(parseDirectives(content))
    expect(parseDirectives(Buffer.from(content)).directives).toEqual({
      intervalS: 60,
      format: 'nagios',
    })
  })
})

describe('parseDirectives: problems, and the sensor still runs', () => {
  const cases: [
    name: string,
    line: string,
    messageParts: string[],
    applied?: DirectivesResult['directives'],
  ][] = [
    ['an unknown key', '# looop:cadence=60', ['"cadence"', 'known keys: interval, format']],
    ['a key in upper case', '# looop:Interval=60', ['"Interval"', 'write `interval`']],
    ['an empty key', '# looop:=60', ['""', 'known keys']],
    ['no =', '# looop:interval', ['no `=`', '`# looop:interval=3600`']],
    ['nothing after the colon', '# looop:', ['no `=`']],
    ['looop: not in lower case', '# Looop:interval=60', ['`Looop:`', 'lower case']],
    ['interval zero', '# looop:interval=0', ['`interval` is "0"', 'a positive number of seconds']],
    ['interval 0.0', '# looop:interval=0.0', ['"0.0"', 'positive']],
    ['interval negative', '# looop:interval=-5', ['"-5"', 'positive']],
    ['interval empty', '# looop:interval=', ['`interval` is ""']],
    ['interval not a number', '# looop:interval=hourly', ['"hourly"']],
    ['interval with an exponent', '# looop:interval=1e3', ['"1e3"']],
    ['interval with a comma', '# looop:interval=1,5', ['"1,5"']],
    ['interval in minutes', '# looop:interval=5m', ['"5m"', 'write `300`']],
    ['interval in hours', '# looop:interval=1.5 hours', ['"1.5 hours"', 'write `5400`']],
    ['interval in seconds with a unit', '# looop:interval=30s', ['"30s"', 'write `30`']],
    ['a tenth of a minute', '# looop:interval=0.1m', ['write `6`.']],
    ['text after the value', '# looop:interval=60 # hourly', ['"60 # hourly"', 'alone after']],
    ['interval beyond a double', `# looop:interval=${'9'.repeat(400)}`, ['positive number']],
    ['an unknown format', '# looop:format=prometheus', ['"prometheus"', '`nagios`', '`json`']],
    ['a format in upper case', '# looop:format=NAGIOS', ['"NAGIOS"']],
    [
      'a bad value next to a good directive',
      '# looop:format=xml\n# looop:interval=60',
      ['"xml"'],
      { intervalS: 60, format: 'json' },
    ],
  ]

  it.each(cases)('%s', (_name, line, messageParts, applied = { format: 'json' }) => {
    const result = parseDirectives(script('# checks the thing', line))
    expect(result.directives).toEqual(applied)
    expect(result.problems).toHaveLength(1)
    const [problem] = result.problems
    expect(problem.line).toBe(3)
    const written = line.split('\n')[0]
    expect(problem.text).toBe(written.length > 200 ? `${written.slice(0, 200)}…` : written)
    for (const part of messageParts) expect(problem.message).toContain(part)
  })

  it('reports a duplicate key; the first line decides', () => {
    const result = parseDirectives(
      script('# looop:interval=60', '# looop:format=nagios', '# looop:interval=120'),
    )
    expect(result.directives).toEqual({ intervalS: 60, format: 'nagios' })
    expect(result.problems).toEqual([
      {
        line: 4,
        text: '# looop:interval=120',
        message: '`interval` is already declared on line 2, which decides; remove this line.',
      },
    ])
  })

  it('lets a bad first line decide too: a later good one is a duplicate', () => {
    const result = parseDirectives(script('# looop:interval=soon', '# looop:interval=60'))
    expect(result.directives).toEqual({ format: 'json' })
    expect(result.problems.map((p) => p.line)).toEqual([2, 3])
    expect(result.problems[1].message).toContain('already declared on line 2')
  })

  it('reports every problem, in line order, with the text as written (CR dropped)', () => {
    const content = '#!/bin/sh\r\n# looop:what=1\r\n# looop:interval=x\r\n# looop:format=nagios\r\n'
    const result = parseDirectives(content)
    expect(result.directives).toEqual({ format: 'nagios' })
    expect(result.problems.map(({ line, text }) => ({ line, text }))).toEqual([
      { line: 2, text: '# looop:what=1' },
      { line: 3, text: '# looop:interval=x' },
    ])
  })

  it('reports a stray carriage return inside a value as a bad value', () => {
    const result = parseDirectives('# looop:interval=60\r\r\n')
    expect(result.directives).toEqual({ format: 'json' })
    expect(result.problems[0].message).toContain('"60\\r"')
  })

  it('cuts the text of a very long line', () => {
    const line = `# looop:interval=${'x'.repeat(10_000)}`
    const [problem] = parseDirectives(`${line}\n`).problems
    expect(problem.text).toBe(`${line.slice(0, 200)}…`)
    expect(problem.message).toContain(`"${'x'.repeat(200)}…"`)
    expect(problem.message.length).toBeLessThan(600)
  })

  it('ignores problems after line 20', () => {
    expect(parseDirectives([...Array(20).fill('echo'), '# looop:bad=1', ''].join('\n'))).toEqual(
      NONE,
    )
  })
})

describe('parseDirectives: content that is no script', () => {
  it('reads binary content (a NUL byte) as having no directives', () => {
    const elf = Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]),
      Buffer.from('\n# looop:interval=60\n# looop:bogus=1\n'),
    ])
    expect(parseDirectives(elf)).toEqual(NONE)
  })

  it('reads invalid UTF-8 without throwing, and a directive next to it', () => {
    const content = Buffer.concat([
      Buffer.from('#!/bin/bash\n# caf'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('\n# looop:interval=60\n'),
    ])
    expect(parseDirectives(content)).toEqual({
      directives: { intervalS: 60, format: 'json' },
      problems: [],
    })
  })

  it('allows empty content', () => {
    expect(parseDirectives('')).toEqual(NONE)
    expect(parseDirectives(Buffer.alloc(0))).toEqual(NONE)
  })

  it('reads only the first 20 lines of a large buffer, whatever follows them', () => {
    const head = script('# looop:interval=60')
    // A NUL byte past line 20 does not make the script binary.
    const big = Buffer.concat([Buffer.from(head + '\n'.repeat(20)), Buffer.alloc(8 * 1024 * 1024)])
    expect(parseDirectives(big).directives).toEqual({ intervalS: 60, format: 'json' })
  })
})

describe('readScriptHead and readDirectives', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'looop-directives-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function file(name: string, content: string | Buffer): Promise<string> {
    const at = path.join(dir, name)
    await writeFile(at, content)
    return at
  }

  it('returns a small script whole, the last line without a break included', async () => {
    const content = '#!/bin/bash\n# looop:format=nagios\nexec check_dummy 0'
    const at = await file('small.sh', content)
    expect((await readScriptHead(at)).toString()).toBe(content)
    expect((await readDirectives(at)).directives).toEqual({ format: 'nagios' })
  })

  it('returns a script of exactly 64 KiB whole', async () => {
    const content = Buffer.alloc(DIRECTIVE_HEAD_BYTES, 'a')
    content.write('# looop:interval=60\n')
    const at = await file('exact.sh', content)
    expect(await readScriptHead(at)).toEqual(content)
  })

  it('reads at most 64 KiB of a huge script, cut after a whole line', async () => {
    const directive = '# looop:interval=3600\n'
    const filler = `${'#'.repeat(99)}\n`
    const content = directive + filler.repeat(200_000)
    const at = await file('huge.sh', content)
    const head = await readScriptHead(at)
    expect(head.length).toBeLessThanOrEqual(DIRECTIVE_HEAD_BYTES)
    expect(head.length).toBeGreaterThan(DIRECTIVE_HEAD_BYTES - filler.length)
    expect(head.at(-1)).toBe(0x0a)
    expect(head.toString()).toBe(content.slice(0, head.length))
    expect(await readDirectives(at)).toEqual({
      directives: { intervalS: 3600, format: 'json' },
      problems: [],
    })
  })

  it('never hands on half a line: a directive cut at 64 KiB is not read', async () => {
    // Line 2 starts just before the limit, so a cut there would read `interval=36`.
    const first = `# ${'x'.repeat(DIRECTIVE_HEAD_BYTES - 16)}\n`
    const content = `${first}# looop:interval=3600000\necho\n`
    expect(Buffer.byteLength(content)).toBeGreaterThan(DIRECTIVE_HEAD_BYTES)
    const at = await file('cut.sh', content)
    const head = await readScriptHead(at)
    expect(head.toString()).toBe(first)
    expect(await readDirectives(at)).toEqual(NONE)
  })

  it('gives an empty head when the first 64 KiB hold no line break', async () => {
    const at = await file('one-line.js', `// ${'x'.repeat(DIRECTIVE_HEAD_BYTES * 2)}\n`)
    expect((await readScriptHead(at)).length).toBe(0)
    expect(await readDirectives(at)).toEqual(NONE)
  })

  it('gives an empty head for an empty file', async () => {
    const at = await file('empty.sh', '')
    expect((await readScriptHead(at)).length).toBe(0)
  })

  it('rejects with the file system error for a missing script', async () => {
    await expect(readScriptHead(path.join(dir, 'missing.sh'))).rejects.toMatchObject({
      code: 'ENOENT',
    })
  })
})
