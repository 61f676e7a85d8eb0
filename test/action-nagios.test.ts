/**
 * Nagios plugins as sensors (`# looop:format=nagios`), through the bundle as the runner runs
 * it. The plugins are small bash scripts printing the output shapes of the Nagios plugin
 * development guidelines and of monitoring-plugins (check_disk's long output with perfdata on
 * later lines, check_http's perfdata with every field, quoted labels, `U`), so every byte they
 * print is known; one more test runs the real monitoring-plugins when the machine has them.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commands, indexRows, jsonSensor, type Workspace, workspace } from './fixtures/action.js'
import { recomputeWorldHash } from './fixtures/oracle.js'

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
})
afterEach(async () => {
  await ws.cleanup()
})

/** A plugin script that prints exactly `stdout` (any bytes) and exits with `exit`. */
function plugin(stdout: string | Buffer, exit: number, before = ''): string {
  const b64 = Buffer.from(stdout).toString('base64')
  return `#!/usr/bin/env bash\n# looop:format=nagios\n${before}printf '%s' '${b64}' | base64 -d\nexit ${exit}\n`
}

/** A `# looop:format=nagios` wrapper around a real plugin, as the README shows one. */
function wrapper(command: string): string {
  return `#!/bin/sh\n# looop:format=nagios\nexec ${command}\n`
}

async function snapshot(name: string): Promise<{ signal: unknown; detail: unknown }> {
  return JSON.parse(await readFile(path.join(ws.dir, 'snapshots', `${name}.json`), 'utf8'))
}

const readRows = () => indexRows(ws)

/** A perfdata item with every field SPEC names; nulls where the plugin left a field out. */
function perf(
  label: string,
  value: number | null,
  uom = '',
  warn: string | null = null,
  crit: string | null = null,
  min: number | null = null,
  max: number | null = null,
) {
  return { label, value, uom, warn, crit, min, max }
}

/** check_disk -w 10% -c 5%, verbose, as the plugin guidelines show it: perfdata on later lines. */
const DISK_LONG = [
  'DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968',
  '/ 15272 MB (77%);',
  '/boot 68 MB (69%);',
  '/home 69357 MB (27%);',
  '/var/log 819 MB (84%); | /boot=68MB;88;93;0;98',
  '/home=69357MB;253404;253409;0;253414 ',
  '/var/log=818MB;970;975;0;980',
  '',
].join('\n')

describe('a Nagios plugin as a sensor', () => {
  it('maps every exit code and output shape to its status and snapshot, and reports warnings apart', async () => {
    await ws.write('sensors/disk.sh', plugin(DISK_LONG, 0))
    await ws.write(
      'sensors/http.sh',
      plugin(
        'HTTP OK: HTTP/1.1 200 OK - 1234 bytes in 0.123 second response time |time=0.123456s;1.000000;5.000000;0.000000;10.000000 size=1234B;@5:10;10:;0;\n',
        0,
      ),
    )
    await ws.write(
      'sensors/quoted.sh',
      plugin(
        "WARNING - C: used 10.5 GB of 20 GB|'C:\\ used space'=10.5GB;15;18;0;20 'it''s'=3c;;;;\n",
        1,
      ),
    )
    await ws.write('sensors/dummy.sh', plugin('WARNING: disk at 85%\n', 1))
    await ws.write('sensors/undetermined.sh', plugin("UNKNOWN - no reading|'load 1'=U;;;;\n", 3))
    await ws.write('sensors/critical.sh', plugin('CHECK_DUMMY CRITICAL: down\n', 2))
    await ws.write('sensors/odd-exit.sh', plugin('weird\n', 4))
    await ws.write('sensors/empty.sh', plugin('', 0))
    await ws.write(
      'sensors/latin1.sh',
      plugin(
        Buffer.concat([Buffer.from('OK - caf'), Buffer.from([0xe9]), Buffer.from('|t=1s\n')]),
        0,
      ),
    )
    // Hangs until the timeout: the process group is ended as for any sensor.
    await ws.write('sensors/hung.sh', plugin('', 0, 'sleep 300\n'))
    // Over the cap with exit 1: too-large is decided before the output is read.
    await ws.write('sensors/huge.sh', plugin(`WARNING - ${'x'.repeat(5000)}\n`, 1))
    await ws.write('sensors/plain.sh', jsonSensor({ signal: 'json' }))

    const run = await ws.run({
      probes: 'none',
      timeout: '2',
      'max-bytes': '2048',
      concurrency: '0',
    })

    // fail-on-error (the default) fails the step for the failures, and only for them.
    expect(run.code).toBe(1)
    const rows = await readRows()
    expect(Object.fromEntries(Object.values(rows).map((r) => [r.name, r.status]))).toEqual({
      'sensor-critical': 'failed',
      'sensor-disk': 'ok',
      'sensor-dummy': 'warning',
      'sensor-empty': 'ok',
      'sensor-http': 'ok',
      'sensor-huge': 'too-large',
      'sensor-hung': 'timeout',
      'sensor-latin1': 'ok',
      'sensor-odd-exit': 'failed',
      'sensor-plain': 'ok',
      'sensor-quoted': 'warning',
      'sensor-undetermined': 'failed',
    })
    expect(rows['sensor-odd-exit']?.exit_code).toBe(4)
    expect(rows['sensor-huge']?.exit_code).toBe(1)
    for (const row of Object.values(rows)) expect(row.attempts).toBe(1)

    expect(await snapshot('sensor-disk')).toEqual({
      signal: { state: 'ok' },
      detail: {
        output: 'DISK OK - free space: / 3326 MB (56%);',
        long_output:
          '/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);',
        perfdata: [
          perf('/', 2643, 'MB', '5948', '5958', 0, 5968),
          perf('/boot', 68, 'MB', '88', '93', 0, 98),
          perf('/home', 69357, 'MB', '253404', '253409', 0, 253414),
          perf('/var/log', 818, 'MB', '970', '975', 0, 980),
        ],
        exit_code: 0,
      },
    })
    expect(await snapshot('sensor-http')).toEqual({
      signal: { state: 'ok' },
      detail: {
        output: 'HTTP OK: HTTP/1.1 200 OK - 1234 bytes in 0.123 second response time',
        long_output: null,
        perfdata: [
          perf('time', 0.123456, 's', '1.000000', '5.000000', 0, 10),
          perf('size', 1234, 'B', '@5:10', '10:', 0, null),
        ],
        exit_code: 0,
      },
    })
    expect(await snapshot('sensor-quoted')).toEqual({
      signal: { state: 'warning' },
      detail: {
        output: 'WARNING - C: used 10.5 GB of 20 GB',
        long_output: null,
        perfdata: [perf('C:\\ used space', 10.5, 'GB', '15', '18', 0, 20), perf("it's", 3, 'c')],
        exit_code: 1,
      },
    })
    expect(await snapshot('sensor-dummy')).toEqual({
      signal: { state: 'warning' },
      detail: { output: 'WARNING: disk at 85%', long_output: null, perfdata: [], exit_code: 1 },
    })
    expect(await snapshot('sensor-undetermined')).toEqual({
      signal: { state: 'unknown' },
      detail: {
        output: 'UNKNOWN - no reading',
        long_output: null,
        perfdata: [perf('load 1', null)],
        exit_code: 3,
      },
    })
    expect((await snapshot('sensor-critical')).signal).toEqual({ state: 'critical' })
    expect((await snapshot('sensor-odd-exit')).signal).toEqual({ state: 'unknown' })
    expect(await snapshot('sensor-empty')).toEqual({
      signal: { state: 'ok' },
      detail: { output: '', long_output: null, perfdata: [], exit_code: 0 },
    })
    expect(await snapshot('sensor-latin1')).toEqual({
      signal: { state: 'ok' },
      detail: {
        output: 'OK - caf\uFFFD',
        long_output: null,
        perfdata: [perf('t', 1, 's')],
        exit_code: 0,
      },
    })
    expect((await snapshot('sensor-hung')).signal).toEqual({ error: 'timeout', exit_code: 124 })
    expect((await snapshot('sensor-huge')).signal).toEqual({ error: 'too-large', cap: 2048 })
    expect(await snapshot('sensor-plain')).toEqual({ signal: 'json' })
    expect(run.outputs['world-hash']).toBe(await recomputeWorldHash(path.join(ws.dir, 'snapshots')))

    // Outputs: warnings are counted apart, never as failures.
    expect(run.outputs).toMatchObject({
      total: '12',
      ok: '5',
      warning: '2',
      failed: '5',
      'warning-sensors': '["sensor-dummy","sensor-quoted"]',
      'failed-sensors':
        '["sensor-critical","sensor-huge","sensor-hung","sensor-odd-exit","sensor-undetermined"]',
    })

    // One warning annotation per warning sensor, the plugin output as its message.
    const warnings = commands(run.stdout, 'warning')
    expect(warnings).toContain(
      '::warning title=sensor-dummy%3A warning,file=sensors/dummy.sh::WARNING: disk at 85%25',
    )
    expect(warnings).toContain(
      '::warning title=sensor-quoted%3A warning,file=sensors/quoted.sh::WARNING - C: used 10.5 GB of 20 GB',
    )
    const errors = commands(run.stdout, 'error')
    expect(errors).toContain(
      '::error title=sensor-critical%3A failed,file=sensors/critical.sh::critical: CHECK_DUMMY CRITICAL: down',
    )
    expect(errors.filter((e) => e.includes('sensor-dummy'))).toEqual([])
    // The step's failure names the failures, not the warnings.
    const failure = errors.at(-1) ?? ''
    expect(failure).toContain('5 of 12 sensors failed')
    expect(failure).not.toContain('sensor-dummy')

    // Summary: the verdict counts warnings apart; a ⚠️ row per warning sensor.
    expect(run.summary).toContain('### ❌ looop sense: 5 of 12 sensors failed, 2 warnings')
    expect(run.summary).toMatch(
      /\| ⚠️ warning \| <code>sensor-dummy<\/code> \|.*\| 1 \| WARNING: disk at 85% \|/,
    )
    expect(run.summary).toMatch(
      /\| ❌ failed \| <code>sensor-critical<\/code> \|.*\| 2 \| critical: CHECK&#95;DUMMY CRITICAL: down \|/,
    )
    // The log's summary line names failures, then warnings.
    expect(run.stdout).toMatch(
      /^5 of 12 sensors failed, 2 warnings: sensor-critical \(failed\), .*sensor-dummy \(warning\), sensor-quoted \(warning\)$/m,
    )
  })

  it('only the state is signal: moving load figures keep the world hash, a state change moves it', async () => {
    const load = (figure: string, exit: number) =>
      plugin(
        `LOAD OK - total load average: ${figure}, 0.50, 0.40|load1=${figure};5.000;10.000;0; load5=0.500;4.000;8.000;0; load15=0.400;3.000;6.000;0;\n`,
        exit,
      )
    await ws.write('sensors/load.sh', load('0.12', 0))
    const first = await ws.run({ probes: 'none' })
    await ws.write('sensors/load.sh', load('3.97', 0))
    const second = await ws.run({ probes: 'none' })
    expect(first.code).toBe(0)
    expect(second.code).toBe(0)
    expect((await snapshot('sensor-load')).detail).toMatchObject({
      perfdata: [perf('load1', 3.97, '', '5.000', '10.000', 0, null), {}, {}],
    })
    expect(second.outputs['world-hash']).toBe(first.outputs['world-hash'])

    await ws.write('sensors/load.sh', load('7.20', 1))
    const third = await ws.run({ probes: 'none' })
    expect(third.code).toBe(0)
    expect(third.outputs.warning).toBe('1')
    expect(third.outputs['world-hash']).not.toBe(first.outputs['world-hash'])
  })

  it('fail-on-warning fails the step naming the warning sensors, whatever fail-on-error says', async () => {
    await ws.write('sensors/ok.sh', plugin('OK\n', 0))
    await ws.write('sensors/warm.sh', plugin('WARNING - 71 C|temp=71;70;90\n', 1))

    const lenient = await ws.run({ probes: 'none' })
    expect(lenient.code).toBe(0)
    expect(lenient.outputs).toMatchObject({ ok: '1', warning: '1', failed: '0' })
    expect(commands(lenient.stdout, 'error')).toEqual([])
    expect(lenient.summary).toContain('### ⚠️ looop sense: 1 of 2 sensors ok, 1 warning')

    for (const failOnError of ['true', 'false']) {
      const strict = await ws.run({
        probes: 'none',
        'fail-on-warning': 'true',
        'fail-on-error': failOnError,
      })
      expect(strict.code).toBe(1)
      expect(commands(strict.stdout, 'error')).toEqual([
        '::error::1 of 2 sensors ended warning, and `fail-on-warning` is true: sensor-warm (warning)',
      ])
      // Everything was written before the step failed.
      expect(strict.outputs['warning-sensors']).toBe('["sensor-warm"]')
    }
  })

  it('outside a runner: the text summary, the warning line and the exit code', async () => {
    await ws.write('sensors/warm.sh', plugin('WARNING - 71 C\n', 1))
    const terminal = {
      GITHUB_ACTIONS: undefined,
      GITHUB_OUTPUT: undefined,
      GITHUB_STEP_SUMMARY: undefined,
    }
    const run = await ws.run({ probes: 'none' }, terminal)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^looop sense: 0 of 1 sensor ok, 1 warning$/m)
    expect(run.stdout).toMatch(/^warning\s+sensor-warm\s+.*\s1\s+WARNING - 71 C$/m)
    expect(run.stdout).toMatch(
      /^warning: sensor-warm: warning \(sensors\/warm\.sh\): WARNING - 71 C$/m,
    )
    expect(run.stdout).toMatch(/^warning=1$/m)
    expect(run.stdout).toMatch(/^warning-sensors=\["sensor-warm"\]$/m)
    const strict = await ws.run({ probes: 'none', 'fail-on-warning': 'true' }, terminal)
    expect(strict.code).toBe(1)
    expect(strict.stderr).toContain('sensor-warm (warning)')
  })

  it('a bad directive is a warning naming the file and line; the sensor still runs', async () => {
    await ws.write(
      'sensors/typo.sh',
      `#!/usr/bin/env bash\n# a sensor\n# looop:formt=nagios\n# looop:format=xml\necho '{"signal":1}'\n`,
    )
    const run = await ws.run({ probes: 'none' })
    expect(run.code).toBe(0)
    expect((await readRows())['sensor-typo']?.status).toBe('ok')
    const warnings = commands(run.stdout, 'warning').filter((w) => w.includes('directive'))
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(
      /^::warning title=sensor-typo%3A directive ignored,file=sensors\/typo\.sh,line=3::sensors\/typo\.sh:3: Unknown directive key "formt"/,
    )
    expect(warnings[1]).toMatch(/,line=4::sensors\/typo\.sh:4: `format` is "xml"/)
  })
})

const PLUGINS = '/usr/lib/nagios/plugins'
const havePlugins = existsSync(path.join(PLUGINS, 'check_dummy'))
if (!havePlugins) {
  console.warn(
    `NOTE: ${PLUGINS}/check_dummy is missing, so the real-plugin test is SKIPPED. ` +
      'Install monitoring-plugins-basic (apt-get install monitoring-plugins-basic) to run it.',
  )
}

describe('real monitoring-plugins', () => {
  it.skipIf(!havePlugins)('check_dummy and check_load through a wrapper', async () => {
    await ws.write('sensors/dummy-ok.sh', wrapper(`${PLUGINS}/check_dummy 0 "all good"`))
    await ws.write('sensors/dummy-warn.sh', wrapper(`${PLUGINS}/check_dummy 1 "getting full"`))
    await ws.write('sensors/dummy-crit.sh', wrapper(`${PLUGINS}/check_dummy 2 "down"`))
    await ws.write('sensors/dummy-unknown.sh', wrapper(`${PLUGINS}/check_dummy 3 "no idea"`))
    // Thresholds no machine reaches: the state stays OK while the figures move.
    await ws.write(
      'sensors/load.sh',
      wrapper(`${PLUGINS}/check_load -w 1000,1000,1000 -c 2000,2000,2000`),
    )
    const first = await ws.run({ probes: 'none' })
    expect(first.code).toBe(1)
    const rows = await readRows()
    expect(Object.fromEntries(Object.values(rows).map((r) => [r.name, r.status]))).toEqual({
      'sensor-dummy-crit': 'failed',
      'sensor-dummy-ok': 'ok',
      'sensor-dummy-unknown': 'failed',
      'sensor-dummy-warn': 'warning',
      'sensor-load': 'ok',
    })
    expect(await snapshot('sensor-dummy-warn')).toEqual({
      signal: { state: 'warning' },
      detail: { output: 'WARNING: getting full', long_output: null, perfdata: [], exit_code: 1 },
    })
    expect((await snapshot('sensor-dummy-unknown')).signal).toEqual({ state: 'unknown' })
    const load = (await snapshot('sensor-load')) as {
      signal: unknown
      detail: { output: string; perfdata: { label: string; value: unknown; warn: unknown }[] }
    }
    expect(load.signal).toEqual({ state: 'ok' })
    expect(load.detail.output).toMatch(/^LOAD OK - /)
    expect(load.detail.perfdata.map((p) => p.label)).toEqual(['load1', 'load5', 'load15'])
    for (const p of load.detail.perfdata) expect(typeof p.value).toBe('number')
    expect(first.outputs['warning-sensors']).toBe('["sensor-dummy-warn"]')

    // The load figures move between runs; the world does not.
    const second = await ws.run({ probes: 'none' })
    expect(second.outputs['world-hash']).toBe(first.outputs['world-hash'])
  })
})
