/**
 * The bundle as the runner runs it (`node dist/index.js`, inputs in INPUT_* variables, the
 * file commands as files). `npm test` bundles first, so these test what is shipped.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commands, jsonSensor, type Workspace, workspace } from './fixtures/action.js'
import { recomputeWorldHash } from './fixtures/oracle.js'
import { settledAlive } from './fixtures/processes.js'

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
})
afterEach(async () => {
  await ws.cleanup()
})

describe('the bundled action in a runner', () => {
  it('senses, writes snapshots and index.json, sets every output, and succeeds', async () => {
    await ws.write('sensors/today.sh', jsonSensor({ signal: { day: 'fri' }, detail: { n: 1 } }))
    await ws.write('sensors/net/ping.sh', jsonSensor({ signal: 'up' }))
    const run = await ws.run({ sensors: 'sensors/**/*.sh' })

    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const snapshots = path.join(ws.dir, 'snapshots')
    expect((await readdir(snapshots)).sort()).toEqual([
      'index.json',
      'sensor-net.ping.json',
      'sensor-today.json',
      'sys-claims.json',
      'sys-runner.json',
      'sys-workflow.json',
    ])
    const index = JSON.parse(await readFile(path.join(snapshots, 'index.json'), 'utf8'))
    expect(run.outputs).toMatchObject({
      total: '2',
      ok: '2',
      failed: '0',
      fresh: '0',
      'failed-sensors': '[]',
      'world-hash': index.world_hash,
      changed: '',
      'snapshots-dir': snapshots,
      index: path.join(snapshots, 'index.json'),
      'artifact-id': '',
    })
    expect(run.outputs['world-hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(run.outputs['world-hash']).toBe(await recomputeWorldHash(snapshots))
    // @actions/core writes every value in the multi-line heredoc form.
    expect(run.outputFile).toMatch(/^world-hash<<ghadelimiter_[0-9a-f-]+$/m)
    expect(run.stdout).not.toContain('::set-output')
    expect(commands(run.stdout, 'error')).toEqual([])
  })

  it('fails the step naming the failed sensors, after writing everything else', async () => {
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    await ws.write('sensors/bad.sh', '#!/bin/sh\necho nope >&2\nexit 7\n')
    await ws.write('sensors/slow.sh', '#!/bin/sh\nsleep 300\n')
    // Ample for the healthy sensors on a loaded machine; `slow` can never make it.
    const run = await ws.run({ timeout: '5', probes: 'none' })

    expect(run.code).toBe(1)
    const failure = commands(run.stdout, 'error').at(-1)
    expect(failure).toContain('2 of 3 sensors failed')
    expect(failure).toContain('sensor-bad (failed)')
    expect(failure).toContain('sensor-slow (timeout)')
    expect(run.outputs).toMatchObject({
      total: '3',
      ok: '1',
      failed: '2',
      'failed-sensors': '["sensor-bad","sensor-slow"]',
    })
    const snapshots = path.join(ws.dir, 'snapshots')
    expect(JSON.parse(await readFile(path.join(snapshots, 'sensor-good.json'), 'utf8'))).toEqual({
      signal: 1,
    })
    expect(
      JSON.parse(await readFile(path.join(snapshots, 'sensor-slow.json'), 'utf8')).signal,
    ).toEqual({
      error: 'timeout',
      exit_code: 124,
    })
    expect(run.summary).toContain('2 of 3 sensors failed')
  })

  it('succeeds with fail-on-error: false, everything else the same', async () => {
    await ws.write('sensors/bad.sh', '#!/bin/sh\nexit 2\n')
    const run = await ws.run({ 'fail-on-error': 'false', probes: 'none' })
    expect(run.code).toBe(0)
    expect(run.outputs['failed-sensors']).toBe('["sensor-bad"]')
  })

  it('passes only the sanitized environment to sensors', async () => {
    const githubEnv = path.join(ws.base, 'github-env')
    await ws.write(
      'sensors/env.sh',
      `#!/usr/bin/env bash\nnode -e 'process.stdout.write(JSON.stringify({signal: Object.keys(process.env).filter(k => /^(INPUT_|ACTIONS_|GITHUB_(OUTPUT|STEP_SUMMARY|ENV|PATH|STATE)$|GITHUB_TOKEN$|SENSOR_NAME$)/.test(k)).sort()}))'\n`,
    )
    const run = await ws.run(
      { probes: 'none' },
      {
        ACTIONS_RUNTIME_TOKEN: 'tok',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1',
        GITHUB_TOKEN: 'gh',
        GITHUB_ENV: githubEnv,
      },
    )
    expect(run.code).toBe(0)
    const snap = JSON.parse(await readFile(path.join(ws.dir, 'snapshots/sensor-env.json'), 'utf8'))
    expect(snap.signal).toEqual(['GITHUB_TOKEN', 'SENSOR_NAME'])
    expect(existsSync(githubEnv)).toBe(false)
  })

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s (a cancelled run) kills running sensors, writes what finished, marks the rest cancelled, exits 1',
    async (signal) => {
      const pids = path.join(ws.base, 'pids')
      await ws.write('sensors/done.sh', jsonSensor({ signal: 'done' }))
      await ws.write(
        'sensors/slow.sh',
        // Signalled only once `done` has published: the cancel must find one finished sensor.
        `#!/bin/sh\ni=0\nwhile [ ! -f "$SNAPSHOTS_DIR/sensor-done.json" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done\nsleep 300 &\necho "$$ $!" > "${pids}.tmp"\nmv "${pids}.tmp" "${pids}"\nwait\n`,
      )
      const run = await ws.run({ probes: 'none' }, {}, { signalWhen: { file: pids, signal } })
      expect(run.code).toBe(1)
      const index = JSON.parse(await readFile(path.join(ws.dir, 'snapshots/index.json'), 'utf8'))
      expect(
        index.sensors.map((e: { name: string; status: string }) => [e.name, e.status]),
      ).toEqual([
        ['sensor-done', 'ok'],
        ['sensor-slow', 'cancelled'],
      ])
      expect(existsSync(path.join(ws.dir, 'snapshots/sensor-slow.json'))).toBe(false)
      expect(run.outputs.total).toBe('2')
      expect(commands(run.stdout, 'error').at(-1)).toContain('The run was cancelled')
      // The sensor and what it started are gone: the group was killed, not left to the runner.
      for (const pid of (await readFile(pids, 'utf8')).trim().split(' ').map(Number)) {
        expect(await settledAlive(pid), `pid ${pid}`).toBe(false)
      }
    },
  )

  it('fails on a sensor name collision, listing both paths, before anything runs', async () => {
    await ws.write('a/x.sh', jsonSensor({ signal: 1 }))
    await ws.write('b/x.sh', jsonSensor({ signal: 2 }))
    const run = await ws.run({ sensors: 'a/*.sh\nb/*.sh' })
    expect(run.code).toBe(1)
    const error = commands(run.stdout, 'error').join('\n')
    expect(error).toContain('a/x.sh')
    expect(error).toContain('b/x.sh')
    expect(existsSync(path.join(ws.dir, 'snapshots'))).toBe(false)
  })

  describe('if-no-sensors', () => {
    it.each([
      ['warn', 0, 1],
      ['error', 1, 0],
      ['ignore', 0, 0],
    ])('%s → exit %i, %i warning(s)', async (mode, code, warnings) => {
      const run = await ws.run({ 'if-no-sensors': mode, probes: 'none' })
      expect(run.code).toBe(code)
      expect(
        commands(run.stdout, 'warning').filter((l) => l.includes('No sensor matched')),
      ).toHaveLength(warnings)
      expect(run.outputs.total).toBe('0')
      if (mode === 'error') {
        expect(commands(run.stdout, 'error').join('\n')).toContain('No sensor matched `sensors`')
      }
    })
  })

  it('runs sensors in working-directory, resolves paths against it, names files from the workspace', async () => {
    await ws.write('sub/sensors/pwd.sh', `#!/bin/sh\nprintf '{"signal":"%s"}' "$PWD"\n`)
    await ws.write('sub/sensors/plain.sh', jsonSensor({ signal: 1 }), 0o644)
    await ws.write('sub/sensors/bad.sh', '#!/bin/sh\nexit 3\n')
    const run = await ws.run({
      'working-directory': 'sub',
      probes: 'none',
      'fail-on-error': 'false',
    })

    expect(run.code).toBe(0)
    const snapshots = path.join(ws.dir, 'sub/snapshots')
    expect(run.outputs['snapshots-dir']).toBe(snapshots)
    const pwd = JSON.parse(await readFile(path.join(snapshots, 'sensor-pwd.json'), 'utf8'))
    expect(pwd.signal).toBe(path.join(ws.dir, 'sub'))
    const index = JSON.parse(await readFile(path.join(snapshots, 'index.json'), 'utf8'))
    expect(index.sensors.map((e: { script: string }) => e.script)).toEqual([
      'sensors/bad.sh',
      'sensors/plain.sh',
      'sensors/pwd.sh',
    ])
    // Annotations point at the repository file, as GitHub shows it.
    expect(commands(run.stdout, 'error')[0]).toMatch(
      /^::error title=sensor-bad%3A failed,file=sub\/sensors\/bad.sh::/,
    )
    expect(commands(run.stdout, 'warning')[0]).toContain(
      'git update-index --chmod=+x sub/sensors/plain.sh',
    )
  })
})

describe('bad inputs fail before any sensor runs', () => {
  // Each rejection is a unit test of getInputs (inputs.test.ts); these prove the bundle turns
  // one into a failed step before anything runs, and never echoes a secret.
  const cases: [string, string, RegExp][] = [
    ['timeout', '-1', /`timeout` is "-1".*0 to/],
    ['redact', 'ab', /`redact` has 1 value\(s\) under 4 characters/],
  ]
  it.each(cases)('%s: %s', async (input, value, expected) => {
    const marker = path.join(ws.dir, 'ran')
    await ws.write('sensors/a.sh', `#!/bin/sh\ntouch "${marker}"\necho '{}'\n`)
    const run = await ws.run({ [input]: value })
    expect(run.code).toBe(1)
    const errors = commands(run.stdout, 'error')
    expect(errors).toHaveLength(1)
    expect(decodeURIComponent(errors[0] as string)).toMatch(expected)
    expect(existsSync(marker)).toBe(false)
    expect(existsSync(path.join(ws.dir, 'snapshots'))).toBe(false)
    // A bad redact value is a secret: it is never echoed.
    if (input === 'redact') expect(run.stdout).not.toContain('"ab"')
  })

  it('reports every bad input at once', async () => {
    const run = await ws.run({ timeout: 'x', 'max-bytes': 'y' })
    expect(run.code).toBe(1)
    const error = decodeURIComponent(commands(run.stdout, 'error')[0] as string)
    expect(error).toContain('2 invalid inputs')
    expect(error).toContain('`timeout` is "x"')
    expect(error).toContain('`max-bytes` is "y"')
  })
})

describe('outside a runner', () => {
  it('prints outputs as name=value lines and a text summary, and exits 1 on failure', async () => {
    await ws.write('sensors/bad.sh', '#!/bin/sh\nexit 1\n')
    await ws.write('sensors/good.sh', jsonSensor({ signal: 'ok' }))
    const run = await ws.run(
      { probes: 'none' },
      { GITHUB_ACTIONS: undefined, GITHUB_OUTPUT: undefined, GITHUB_STEP_SUMMARY: undefined },
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^failed-sensors=\["sensor-bad"\]$/m)
    expect(run.stdout).toMatch(/^world-hash=[0-9a-f]{64}$/m)
    expect(run.stdout).toContain('1 of 2 sensors failed')
    expect(run.stdout).not.toContain('::set-output')
    expect(run.stdout).toMatch(
      /^Artifact upload skipped: the Actions runtime is not available here\.$/m,
    )
    expect(run.stderr).toContain('sensor-bad (failed)')
  })

  it('prints warnings as plain lines and never echoes a redact value', async () => {
    await ws.write('sensors/plain.sh', jsonSensor({ signal: 1 }), 0o644)
    const run = await ws.run(
      { redact: 'hunter22', probes: 'none' },
      { GITHUB_ACTIONS: undefined, GITHUB_OUTPUT: undefined, GITHUB_STEP_SUMMARY: undefined },
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^warning: sensor-plain: not executable \(sensors\/plain.sh\): /m)
    expect(run.stdout).not.toContain('hunter22')
    expect(run.stdout).not.toMatch(/^::/m)
  })
})
