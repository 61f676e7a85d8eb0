import { describe, expect, it } from 'vitest'
import {
  nagiosSnapshot,
  nagiosState,
  type Perfdatum,
  parsePerfdata,
  parsePluginOutput,
} from '../src/sense/nagios.js'

/** A perfdata item with the fields a case does not name left null / "". */
function p(label: string, value: number | null, rest: Partial<Perfdatum> = {}): Perfdatum {
  return { label, value, uom: '', warn: null, crit: null, min: null, max: null, ...rest }
}

describe('parsePerfdata', () => {
  // Shapes from the monitoring-plugins documentation, the plugin development guidelines and
  // the plugins themselves (Debian's monitoring-plugins-basic, as printed on a real machine).
  const cases: [name: string, text: string, expected: Perfdatum[]][] = [
    [
      'check_load: three items, trailing empty max',
      'load1=0.150;5.000;10.000;0; load5=0.060;4.000;6.000;0; load15=0.010;3.000;4.000;0; ',
      [
        p('load1', 0.15, { warn: '5.000', crit: '10.000', min: 0 }),
        p('load5', 0.06, { warn: '4.000', crit: '6.000', min: 0 }),
        p('load15', 0.01, { warn: '3.000', crit: '4.000', min: 0 }),
      ],
    ],
    [
      'check_disk: every field, a unit, a label that is a path',
      '/=2643MB;5948;5958;0;5968',
      [p('/', 2643, { uom: 'MB', warn: '5948', crit: '5958', min: 0, max: 5968 })],
    ],
    [
      'check_disk as printed by monitoring-plugins 2.3: several mount points',
      '/dev=0B;11367088128;11998593024;0;12630097920 /=25366102016B;243497277849;257024904396;0;270552530944',
      [
        p('/dev', 0, {
          uom: 'B',
          warn: '11367088128',
          crit: '11998593024',
          min: 0,
          max: 12630097920,
        }),
        p('/', 25366102016, {
          uom: 'B',
          warn: '243497277849',
          crit: '257024904396',
          min: 0,
          max: 270552530944,
        }),
      ],
    ],
    [
      'check_http: empty warn and crit, min only',
      'time=0.011s;;;0.000000 size=1234B;;;0',
      [p('time', 0.011, { uom: 's', min: 0 }), p('size', 1234, { uom: 'B', min: 0 })],
    ],
    [
      'check_http as printed by monitoring-plugins 2.3: min and max, trailing semicolon',
      'time=0.024056s;;;0.000000;10.000000 size=1309B;;;0;',
      [p('time', 0.024056, { uom: 's', min: 0, max: 10 }), p('size', 1309, { uom: 'B', min: 0 })],
    ],
    [
      'check_ping: ms and %',
      'rta=0.080000ms;100.000000;500.000000;0.000000 pl=0%;20;60;0',
      [
        p('rta', 0.08, { uom: 'ms', warn: '100.000000', crit: '500.000000', min: 0 }),
        p('pl', 0, { uom: '%', warn: '20', crit: '60', min: 0 }),
      ],
    ],
    [
      'check_ntp: a negative value in seconds',
      'offset=-0.000123s;60.000000;120.000000;',
      [p('offset', -0.000123, { uom: 's', warn: '60.000000', crit: '120.000000' })],
    ],
    ['a continuous counter', 'eth0_in=123456c', [p('eth0_in', 123456, { uom: 'c' })]],
    ['value only: trailing unfilled semicolons dropped', 'users=3', [p('users', 3)]],
    [
      'a quoted label with spaces (NSClient++), backslash kept',
      "'C:\\ Used Space'=10.5GB;20;25;0;30",
      [p('C:\\ Used Space', 10.5, { uom: 'GB', warn: '20', crit: '25', min: 0, max: 30 })],
    ],
    [
      "a quoted label with '' for a quote",
      "'it''s here'=1 'a ''b'' c'=2",
      [p("it's here", 1), p("a 'b' c", 2)],
    ],
    ['a quoted label holding = and |', "'a=b|c'=2", [p('a=b|c', 2)]],
    [
      'a percentage without min and max',
      "'/home used'=85%;80;90",
      [p('/home used', 85, { uom: '%', warn: '80', crit: '90' })],
    ],
    [
      'U: an undetermined value, other fields kept',
      "rta=U;100;500;0 'packet loss'=U",
      [p('rta', null, { warn: '100', crit: '500', min: 0 }), p('packet loss', null)],
    ],
    ['U in min and max', 'x=1;;;U;U', [p('x', 1)]],
    [
      'ranges kept exactly as written',
      'a=5;10:;~:10 b=7;@5:10;@~:20;0;100 c=1;10;20',
      [
        p('a', 5, { warn: '10:', crit: '~:10' }),
        p('b', 7, { warn: '@5:10', crit: '@~:20', min: 0, max: 100 }),
        p('c', 1, { warn: '10', crit: '20' }),
      ],
    ],
    [
      'a comma as decimal separator (comma locale); ranges stay as written',
      'x=0,5s;1,0;2,0;0,0;9,5',
      [p('x', 0.5, { uom: 's', warn: '1,0', crit: '2,0', min: 0, max: 9.5 })],
    ],
    [
      'exponents and signs',
      'big=1e3B;;;0;1.5E+4 small=2.5e-3 plus=+5 half=.5 trail=5.',
      [
        p('big', 1000, { uom: 'B', min: 0, max: 15000 }),
        p('small', 0.0025),
        p('plus', 5),
        p('half', 0.5),
        p('trail', 5),
      ],
    ],
    [
      'a negative temperature with a unit and negative ranges',
      'temp=-12.5C;-20:;-30:;-50;50',
      [p('temp', -12.5, { uom: 'C', warn: '-20:', crit: '-30:', min: -50, max: 50 })],
    ],
    [
      'a unicode label and unit',
      "'Température salle'=21,5°C;25;30",
      [p('Température salle', 21.5, { uom: '°C', warn: '25', crit: '30' })],
    ],
    ['-0 is 0', 'x=-0;;;-0', [p('x', 0, { min: 0 })]],
    [
      'no value: empty or -, the label and other fields kept',
      'a=;1;2 b=- c=',
      [p('a', null, { warn: '1', crit: '2' }), p('b', null), p('c', null)],
    ],
    [
      'an unreadable value is null, never a wrong number',
      'temp=hot v=1.2.3 n=1,234,567 i=inf r=1-2',
      [p('temp', null), p('v', null), p('n', null), p('i', null), p('r', null)],
    ],
    ['a number out of double range is null', 'x=1e999;;;1e999;-1e999', [p('x', null)]],
    ['unreadable min and max are null', 'x=1;;;zero;1.2.3', [p('x', 1)]],
    [
      'a unit on min and max is ignored',
      'x=5%;80;90;0%;100%',
      [p('x', 5, { uom: '%', warn: '80', crit: '90', min: 0, max: 100 })],
    ],
    [
      'fields after max are ignored',
      'x=1;2;3;4;5;6;7',
      [p('x', 1, { warn: '2', crit: '3', min: 4, max: 5 })],
    ],
    ['a word without = is dropped', 'garbage x=1 more', [p('x', 1)]],
    ['an empty label is dropped', "=5 ''=6 y=1", [p('y', 1)]],
    ['a quoted label not followed by = is dropped', "'a b'x=1 'c d' =2 e=3", [p('e', 3)]],
    ['an unterminated quote is taken literally', "'abc=1 b=2", [p("'abc", 1), p('b', 2)]],
    [
      'a quote open at the end of its line does not swallow the next line',
      "'abc def\nb=2",
      [p('b', 2)],
    ],
    ['an unquoted label may hold a quote', "a'b=1", [p("a'b", 1)]],
    [
      'tabs, runs of spaces, line breaks and | separate items',
      '  a=1\t\tb=2   \r\nc=3 | d=4|e=5  ',
      [p('a', 1), p('b', 2), p('c', 3), p('d', 4), p('e', 5)],
    ],
    ['duplicate labels are all kept, in order', 'x=1 x=2', [p('x', 1), p('x', 2)]],
    ['empty text', '', []],
    ['only whitespace', ' \t\n ', []],
  ]

  it.each(cases)('%s', (_name, text, expected) => {
    expect(parsePerfdata(text)).toEqual(expected)
  })

  it('keeps the SPEC key order in every item', () => {
    const [item] = parsePerfdata('/=2643MB;5948;5958;0;5968')
    expect(JSON.stringify(item)).toBe(
      '{"label":"/","value":2643,"uom":"MB","warn":"5948","crit":"5958","min":0,"max":5968}',
    )
  })
})

describe('parsePluginOutput', () => {
  it('reads the Nagios plugin API example: long output and perfdata continued on later lines', () => {
    const stdout = Buffer.from(
      [
        'DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968',
        '/ 15272 MB (77%);',
        '/boot 68 MB (69%);',
        '/home 69357 MB (27%);',
        '/var/log 819 MB (84%); | /boot=68MB;88;93;0;98',
        '/home=69357MB;253404;253409;0;253414 ',
        '/var/log=818MB;970;975;0;980',
        '',
      ].join('\n'),
    )
    expect(parsePluginOutput(stdout)).toEqual({
      output: 'DISK OK - free space: / 3326 MB (56%);',
      long_output:
        '/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);',
      perfdata: [
        p('/', 2643, { uom: 'MB', warn: '5948', crit: '5958', min: 0, max: 5968 }),
        p('/boot', 68, { uom: 'MB', warn: '88', crit: '93', min: 0, max: 98 }),
        p('/home', 69357, { uom: 'MB', warn: '253404', crit: '253409', min: 0, max: 253414 }),
        p('/var/log', 818, { uom: 'MB', warn: '970', crit: '975', min: 0, max: 980 }),
      ],
    })
  })

  it('reads the same output with CRLF line ends', () => {
    const stdout = Buffer.from(
      'WARNING - 2 of 3 | a=1;2;3\r\n  line two\r\nline three | b=2\r\nc=3\r\n',
    )
    expect(parsePluginOutput(stdout)).toEqual({
      output: 'WARNING - 2 of 3',
      long_output: '  line two\nline three',
      perfdata: [p('a', 1, { warn: '2', crit: '3' }), p('b', 2), p('c', 3)],
    })
  })

  it('starts perfdata at a | on a later line when line 1 has none', () => {
    expect(parsePluginOutput(Buffer.from('OK\nall good | x=1s\ny=2\n'))).toEqual({
      output: 'OK',
      long_output: 'all good',
      perfdata: [p('x', 1, { uom: 's' }), p('y', 2)],
    })
  })

  it('gives a line that starts with | no long output of its own', () => {
    expect(parsePluginOutput(Buffer.from('OK\n| x=1\n'))).toEqual({
      output: 'OK',
      long_output: null,
      perfdata: [p('x', 1)],
    })
  })

  it('reads text only: no perfdata, no long output', () => {
    expect(parsePluginOutput(Buffer.from('OK: hello\n'))).toEqual({
      output: 'OK: hello',
      long_output: null,
      perfdata: [],
    })
  })

  it('reads long output without perfdata (check_http refused: two lines)', () => {
    const stdout = Buffer.from(
      'connect to address 127.0.0.1 and port 80: Connection refused\nHTTP CRITICAL - Unable to open TCP socket\n',
    )
    expect(parsePluginOutput(stdout)).toEqual({
      output: 'connect to address 127.0.0.1 and port 80: Connection refused',
      long_output: 'HTTP CRITICAL - Unable to open TCP socket',
      perfdata: [],
    })
  })

  it('keeps indentation and inner blank lines of long output, drops blank ends', () => {
    const stdout = Buffer.from('OK\n\n  \nfirst\n\n  indented  \n\n \t\n')
    expect(parsePluginOutput(stdout).long_output).toBe('first\n\n  indented')
  })

  it('allows empty output', () => {
    for (const stdout of ['', '\n', '\n\n \n', '   ']) {
      expect(parsePluginOutput(Buffer.from(stdout))).toEqual({
        output: '',
        long_output: null,
        perfdata: [],
      })
    }
  })

  it('allows perfdata without text', () => {
    expect(parsePluginOutput(Buffer.from('|x=1\n'))).toEqual({
      output: '',
      long_output: null,
      perfdata: [p('x', 1)],
    })
  })

  it('takes the first line after an empty one as long output, not as output', () => {
    expect(parsePluginOutput(Buffer.from('\nOK late\n'))).toEqual({
      output: '',
      long_output: 'OK late',
      perfdata: [],
    })
  })

  it('splits line 1 at its first |; more | there separate perfdata items', () => {
    expect(parsePluginOutput(Buffer.from('  OK - a  |a=1 | b=2\n'))).toEqual({
      output: 'OK - a',
      long_output: null,
      perfdata: [p('a', 1), p('b', 2)],
    })
  })

  it('reads everything after the first | of later lines as perfdata, more | included', () => {
    expect(parsePluginOutput(Buffer.from('OK\nlong | a=1\nnot long | b=2\n'))).toEqual({
      output: 'OK',
      long_output: 'long',
      perfdata: [p('a', 1), p('b', 2)],
    })
  })

  it('replaces invalid UTF-8 and keeps valid multibyte text', () => {
    const stdout = Buffer.concat([
      Buffer.from('OK caf\u00e9 '),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(' | x=1\n'),
      Buffer.from([0x80, 0x41]),
      Buffer.from('\n'),
    ])
    expect(parsePluginOutput(stdout)).toEqual({
      output: 'OK caf\u00e9 \ufffd\ufffd\ufffd',
      long_output: '\ufffdA',
      perfdata: [p('x', 1)],
    })
  })

  it('takes a string as well as bytes', () => {
    expect(parsePluginOutput('OK | x=1')).toEqual(parsePluginOutput(Buffer.from('OK | x=1')))
  })

  it('never throws, and always gives JSON-safe data, whatever the bytes', () => {
    // A fixed-seed generator over an alphabet rich in the characters the grammar cares about.
    let seed = 12345
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed
    }
    const alphabet = Buffer.from("|=;' \t\r\n,.-+eEU0123456789abc%:@~")
    for (let run = 0; run < 2000; run++) {
      const bytes = Buffer.alloc(next() % 120)
      for (let i = 0; i < bytes.length; i++) {
        bytes[i] = next() % 5 === 0 ? next() % 256 : alphabet[next() % alphabet.length]
      }
      const parsed = parsePluginOutput(bytes)
      expect(JSON.parse(JSON.stringify(parsed))).toEqual(parsed)
      for (const item of parsed.perfdata) {
        expect(item.label).not.toBe('')
        for (const n of [item.value, item.min, item.max]) {
          expect(n === null || Number.isFinite(n)).toBe(true)
        }
      }
    }
  })
})

describe('nagiosState', () => {
  it.each([
    [0, 'ok'],
    [1, 'warning'],
    [2, 'critical'],
    [3, 'unknown'],
    [4, 'unknown'],
    [124, 'unknown'],
    [255, 'unknown'],
    [-1, 'unknown'],
    [1.5, 'unknown'],
  ])('exit %d is %s', (code, state) => {
    expect(nagiosState(code)).toBe(state)
  })
})

describe('nagiosSnapshot', () => {
  it('writes SPEC shape and key order, the state alone in signal', () => {
    const stdout = Buffer.from(
      'LOAD WARNING - total load average: 5.06, 1.38, 0.47|load1=5.060;5.000;10.000;0; load5=1.380;4.000;8.000;0; load15=0.470;3.000;6.000;0; \n',
    )
    expect(JSON.stringify(nagiosSnapshot(stdout, 1))).toBe(
      JSON.stringify({
        signal: { state: 'warning' },
        detail: {
          output: 'LOAD WARNING - total load average: 5.06, 1.38, 0.47',
          long_output: null,
          perfdata: [
            {
              label: 'load1',
              value: 5.06,
              uom: '',
              warn: '5.000',
              crit: '10.000',
              min: 0,
              max: null,
            },
            {
              label: 'load5',
              value: 1.38,
              uom: '',
              warn: '4.000',
              crit: '8.000',
              min: 0,
              max: null,
            },
            {
              label: 'load15',
              value: 0.47,
              uom: '',
              warn: '3.000',
              crit: '6.000',
              min: 0,
              max: null,
            },
          ],
          exit_code: 1,
        },
      }),
    )
  })

  it('gives two runs with moving figures the same signal', () => {
    const a = nagiosSnapshot(Buffer.from('LOAD OK - 0.15|load1=0.150;5;10;0;\n'), 0)
    const b = nagiosSnapshot(Buffer.from('LOAD OK - 0.42|load1=0.420;5;10;0;\n'), 0)
    expect(a.signal).toEqual(b.signal)
    expect(a.detail).not.toEqual(b.detail)
  })

  it('keeps the exit code as given for unknown states', () => {
    const snapshot = nagiosSnapshot(Buffer.from(''), 7)
    expect(snapshot).toEqual({
      signal: { state: 'unknown' },
      detail: { output: '', long_output: null, perfdata: [], exit_code: 7 },
    })
  })
})
