/**
 * Memory across runs, end to end: sequences of real runs of the bundle (`node dist/index.js`)
 * against the same `previous` folder, as a cron workflow with actions/cache (previous =
 * snapshots-dir) or download-artifact (another folder) makes them.
 *
 * Sensors read their signal from files under `state/`, so a test changes the world between
 * runs by writing a file, and a sensor's own run count is a line per run in a log file.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ActionRun, commands, type Workspace, workspace } from './fixtures/action.js'
import { recomputeWorldHash } from './fixtures/oracle.js'

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
})
afterEach(async () => {
  await ws.cleanup()
})

/** The usual cache setup: the snapshots folder is its own `previous`. */
const CACHED = { previous: 'snapshots', probes: 'none', upload: 'false' }

/** A sensor that prints `state/<name>.json` and logs each run to `state/<name>.runs`. */
async function stateSensor(name: string, snapshot: unknown, head = ''): Promise<void> {
  await ws.write(
    `sensors/${name}.sh`,
    `#!/usr/bin/env bash\n${head}echo run >> state/${name}.runs\ncat state/${name}.json\n`,
  )
  await setState(name, snapshot)
}

async function setState(name: string, snapshot: unknown): Promise<void> {
  await ws.write(`state/${name}.json`, JSON.stringify(snapshot), 0o644)
}

async function runsOf(name: string): Promise<number> {
  const text = await readFile(path.join(ws.dir, `state/${name}.runs`), 'utf8').catch(() => '')
  return text.split('\n').filter(Boolean).length
}

async function readIndex(folder = 'snapshots'): Promise<{
  sensors: { name: string; status: string; sensed_at: string; streak: number }[]
  previous: unknown
  history: { run_id: number | null; world_hash: string; statuses: Record<string, string> }[]
}> {
  return JSON.parse(await readFile(path.join(ws.dir, folder, 'index.json'), 'utf8'))
}

const rowOf = async (name: string) => (await readIndex()).sensors.find((s) => s.name === name)

function expectOk(run: ActionRun): void {
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
}

const json = (s: string | undefined) => JSON.parse(s ?? 'null') as unknown

describe('previous: a folder', () => {
  it('first run: changed=true with a notice; an unchanged world then: same hash, changed=false', async () => {
    await stateSensor('a', { signal: { up: true }, detail: { ms: 1 } })
    await stateSensor('b', { signal: [1, 2] })
    const first = await ws.run(CACHED)
    expectOk(first)
    expect(first.outputs.changed).toBe('true')
    expect(json(first.outputs['changed-sensors'])).toEqual(['sensor-a', 'sensor-b'])
    expect(commands(first.stdout, 'notice')).toEqual([
      expect.stringMatching(
        /`previous` \(.*snapshots\) does not exist: there is nothing to compare/,
      ),
    ])
    expect(commands(first.stdout, 'warning')).toEqual([])
    expect((await readIndex()).previous).toBeNull()

    const second = await ws.run(CACHED)
    expectOk(second)
    expect(second.outputs['world-hash']).toBe(first.outputs['world-hash'])
    expect(second.outputs).toMatchObject({
      changed: 'false',
      'changed-sensors': '[]',
      changes: '[]',
      'flapping-sensors': '[]',
    })
    expect(commands(second.stdout, 'notice')).toEqual([])
    expect(second.summary).toContain('Nothing changed since `previous`.')
    const index = await readIndex()
    expect(index.previous).toEqual({ source: 'path', sensed_at: expect.any(String) })
    expect(index.sensors.map((s) => s.streak)).toEqual([0, 0])
    expect(index.history.map((h) => h.world_hash)).toEqual([
      first.outputs['world-hash'],
      second.outputs['world-hash'],
    ])
    expect(index.history.map((h) => h.run_id)).toEqual([4242, 4242])
    expect(index.history[1]?.statuses).toEqual({ 'sensor-a': 'ok', 'sensor-b': 'ok' })
  })

  it('a change in detail only is no change', async () => {
    await stateSensor('a', { signal: { up: true }, detail: { ms: 1 } })
    expectOk(await ws.run(CACHED))
    await setState('a', { detail: { ms: 999 }, signal: { up: true } })
    const run = await ws.run(CACHED)
    expectOk(run)
    expect(run.outputs.changed).toBe('false')
    expect(run.outputs['changed-sensors']).toBe('[]')
  })

  it('a signal change names exactly that sensor, with its signal before and after', async () => {
    await stateSensor('a', { signal: { up: true } })
    await stateSensor('b', { signal: { n: 1, tag: 'x' }, detail: 'd' })
    await stateSensor('c', { signal: 'same' })
    expectOk(await ws.run(CACHED))
    await setState('b', { signal: { tag: 'x', n: 2 }, detail: 'd' })
    const run = await ws.run(CACHED)
    expectOk(run)
    expect(run.outputs.changed).toBe('true')
    expect(json(run.outputs['changed-sensors'])).toEqual(['sensor-b'])
    expect(json(run.outputs.changes)).toEqual([
      { name: 'sensor-b', before: '{"n":1,"tag":"x"}', after: '{"n":2,"tag":"x"}' },
    ])
    expect(run.summary).toContain('**Changed since `previous`:** 1 snapshot')
    expect(run.summary).toContain(
      '| <code>sensor-b</code> | <code>{"n":1,"tag":"x"}</code> | <code>{"n":2,"tag":"x"}</code> |',
    )
    // Appearing on the first run was its first change, this is its second in a row.
    expect((await rowOf('sensor-b'))?.streak).toBe(2)
    expect((await rowOf('sensor-a'))?.streak).toBe(0)
    expect(run.outputs['world-hash']).toBe(await recomputeWorldHash(path.join(ws.dir, 'snapshots')))
  })

  it('added and removed sensors are changes, with null on the side where they are absent', async () => {
    await stateSensor('keep', { signal: 1 })
    await stateSensor('old', { signal: 'bye' })
    expectOk(await ws.run(CACHED))
    await rm(path.join(ws.dir, 'sensors/old.sh'))
    await stateSensor('new', { signal: 'hi' })
    const run = await ws.run(CACHED)
    expectOk(run)
    expect(json(run.outputs['changed-sensors'])).toEqual(['sensor-new', 'sensor-old'])
    expect(json(run.outputs.changes)).toEqual([
      { name: 'sensor-new', before: null, after: '"hi"' },
      { name: 'sensor-old', before: '"bye"', after: null },
    ])
    expect(run.summary).toMatch(/\| <code>sensor-new<\/code> \| _new_ \| <code>"hi"<\/code> \|/)
    expect(run.summary).toMatch(/\| <code>sensor-old<\/code> \| <code>"bye"<\/code> \| _gone_ \|/)
  })

  it('a sensor that changes every run is flapping on the third: a warning and the output', async () => {
    await ws.write(
      'sensors/tick.sh',
      '#!/usr/bin/env bash\necho run >> state/tick.runs\nprintf \'{"signal":{"n":%s}}\' "$(wc -l < state/tick.runs)"\n',
    )
    await ws.write('state/.keep', '', 0o644)
    await stateSensor('calm', { signal: 'calm' })
    const runs: ActionRun[] = []
    for (let i = 0; i < 3; i++) {
      const run = await ws.run(CACHED)
      expectOk(run)
      runs.push(run)
    }
    const flappingWarnings = (run: ActionRun) =>
      commands(run.stdout, 'warning').filter((w) => w.includes('flapping'))
    expect(runs.map((r) => r.outputs['flapping-sensors'])).toEqual(['[]', '[]', '["sensor-tick"]'])
    expect(flappingWarnings(runs[1] as ActionRun)).toEqual([])
    expect(flappingWarnings(runs[2] as ActionRun)).toEqual([
      expect.stringMatching(
        /^::warning title=sensor-tick%3A flapping,file=sensors\/tick\.sh::The signal of sensor-tick changed 3 runs in a row, so it wakes the loop every time\. Fix: move volatile values .* into `detail`/,
      ),
    ])
    expect((await rowOf('sensor-tick'))?.streak).toBe(3)
    expect((await rowOf('sensor-calm'))?.streak).toBe(0)
    expect(runs[2]?.summary).toContain('flapping: signal changed 3 runs in a row')
  })

  it('interval: a recent ok snapshot is reused (fresh, sensed_at kept); expired or edited, it runs', async () => {
    await stateSensor('slow', { signal: 'v1' }, '# looop:interval=3600\n')
    const first = await ws.run(CACHED)
    expectOk(first)
    const taken = (await rowOf('sensor-slow'))?.sensed_at
    const bytes = await readFile(path.join(ws.dir, 'snapshots/sensor-slow.json'))

    // Reused: the sensor does not run, its snapshot and time stay, and the world is the same.
    await setState('slow', { signal: 'v2' })
    const reused = await ws.run(CACHED)
    expectOk(reused)
    expect(await runsOf('slow')).toBe(1)
    expect(reused.outputs).toMatchObject({ fresh: '1', ok: '0', failed: '0', changed: 'false' })
    expect(await rowOf('sensor-slow')).toMatchObject({ status: 'fresh', sensed_at: taken })
    expect(await readFile(path.join(ws.dir, 'snapshots/sensor-slow.json'))).toEqual(bytes)
    expect(reused.outputs['world-hash']).toBe(first.outputs['world-hash'])

    // Reused again from a fresh snapshot: still the time it was really taken.
    expectOk(await ws.run(CACHED))
    expect(await rowOf('sensor-slow')).toMatchObject({ status: 'fresh', sensed_at: taken })
    expect(await runsOf('slow')).toBe(1)

    // Expired: the index says it was taken two hours ago, past the interval.
    const index = await readIndex()
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString()
    for (const row of index.sensors) row.sensed_at = twoHoursAgo
    await writeFile(path.join(ws.dir, 'snapshots/index.json'), JSON.stringify(index))
    const expired = await ws.run(CACHED)
    expectOk(expired)
    expect(await runsOf('slow')).toBe(2)
    expect(expired.outputs).toMatchObject({ fresh: '0', ok: '1', changed: 'true' })
    expect(json(expired.outputs.changes)).toEqual([
      { name: 'sensor-slow', before: '"v1"', after: '"v2"' },
    ])

    // Edited script: runs again at once, although its snapshot is recent.
    expectOk(await ws.run(CACHED))
    expect(await runsOf('slow')).toBe(2)
    await stateSensor('slow', { signal: 'v3' }, '# looop:interval=3600\n# edited\n')
    const edited = await ws.run(CACHED)
    expectOk(edited)
    expect(await runsOf('slow')).toBe(3)
    expect(edited.outputs).toMatchObject({ fresh: '0', ok: '1' })
  })

  it('a bad interval directive is a warning naming file and line, and the sensor runs', async () => {
    await stateSensor('typo', { signal: 1 }, '# looop:interval=5m\n')
    const run = await ws.run(CACHED)
    expectOk(run)
    expect(await runsOf('typo')).toBe(1)
    expect(commands(run.stdout, 'warning')).toEqual([
      expect.stringMatching(
        /^::warning title=sensor-typo%3A directive ignored,file=sensors\/typo\.sh.*::sensors\/typo\.sh:2: `interval` is "5m".*write `300`/,
      ),
    ])
  })

  it('a corrupt previous index.json: one warning, no crash, snapshots still compared', async () => {
    await stateSensor('a', { signal: 1 })
    expectOk(await ws.run(CACHED))
    await writeFile(path.join(ws.dir, 'snapshots/index.json'), '{"version":1,"sensors":[')
    await writeFile(path.join(ws.dir, 'snapshots/sensor-gone.json'), 'not json at all')
    const run = await ws.run(CACHED)
    expectOk(run)
    const warnings = commands(run.stdout, 'warning')
    expect(warnings).toEqual([
      expect.stringMatching(/title=previous%3A index.json unreadable::.*index\.json is not JSON/),
      expect.stringMatching(
        /title=previous%3A a snapshot is unreadable::.*sensor-gone\.json \(not JSON/,
      ),
    ])
    expect(run.outputs.changed).toBe('false')
    // The run wrote a good index again, with a history that starts over.
    expect((await readIndex()).history).toHaveLength(1)
  })

  it('previous equal to snapshots-dir: PREVIOUS_SNAPSHOT holds the previous content, not this run’s', async () => {
    await ws.write(
      'sensors/echo.sh',
      '#!/usr/bin/env bash\nn=$(cat state/n)\nprev=null\n[ -n "$PREVIOUS_SNAPSHOT" ] && prev=$(cat "$PREVIOUS_SNAPSHOT")\nprintf \'{"signal":%s,"detail":{"previous":%s}}\' "$n" "$prev"\n',
    )
    await ws.write('state/n', '1', 0o644)
    expectOk(await ws.run(CACHED))
    const first = await readFile(path.join(ws.dir, 'snapshots/sensor-echo.json'), 'utf8')
    expect(JSON.parse(first)).toEqual({ signal: 1, detail: { previous: null } })
    await ws.write('state/n', '2', 0o644)
    const run = await ws.run(CACHED)
    expectOk(run)
    const second = JSON.parse(
      await readFile(path.join(ws.dir, 'snapshots/sensor-echo.json'), 'utf8'),
    )
    expect(second).toEqual({ signal: 2, detail: { previous: JSON.parse(first) } })
    expect(json(run.outputs.changes)).toEqual([{ name: 'sensor-echo', before: '1', after: '2' }])
  })

  it('previous in another folder (download-artifact): compared, and that folder is left as it was', async () => {
    await stateSensor('a', { signal: 'one' })
    await stateSensor('b', { signal: 'two' })
    expectOk(await ws.run({ probes: 'none' }))
    await cp(path.join(ws.dir, 'snapshots'), path.join(ws.dir, 'restored'), { recursive: true })
    const before = await readFile(path.join(ws.dir, 'restored/index.json'), 'utf8')
    await setState('a', { signal: 'uno' })
    await rm(path.join(ws.dir, 'sensors/b.sh'))
    const run = await ws.run({ previous: 'restored', probes: 'none' })
    expectOk(run)
    expect(json(run.outputs['changed-sensors'])).toEqual(['sensor-a', 'sensor-b'])
    expect(await readFile(path.join(ws.dir, 'restored/index.json'), 'utf8')).toBe(before)
    expect(await readFile(path.join(ws.dir, 'restored/sensor-b.json'), 'utf8')).toBe(
      '{"signal":"two"}',
    )
    expect((await readIndex()).history).toHaveLength(2)
  })

  it('the workflow probe: a pull request compared with a scheduled beat is no change', async () => {
    const scheduled = {
      GITHUB_EVENT_NAME: 'schedule',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_WORKFLOW: 'watch',
    }
    const pr = {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_WORKFLOW: 'watch',
    }
    expectOk(await ws.run({ previous: 'snapshots', probes: 'workflow' }, scheduled))
    const run = await ws.run({ previous: 'snapshots', probes: 'workflow' }, pr)
    expectOk(run)
    expect(run.outputs.changed).toBe('false')
    const probe = JSON.parse(
      await readFile(path.join(ws.dir, 'snapshots/sys-workflow.json'), 'utf8'),
    )
    expect(probe.signal).toEqual({ repository: 'looop/sense-test', workflow: 'watch' })
    expect(probe.detail).toMatchObject({ event: 'pull_request', ref: 'refs/pull/7/merge' })
  })

  it('the summary shows the history strip from the second run on', async () => {
    await stateSensor('steady', { signal: 1 })
    await ws.write(
      'sensors/shaky.sh',
      '#!/usr/bin/env bash\n[ -f state/fail ] && exit 3\necho \'{"signal":1}\'\n',
    )
    const first = await ws.run(CACHED)
    expectOk(first)
    expect(first.summary).not.toContain('**History**')
    await ws.write('state/fail', '', 0o644)
    const second = await ws.run({ ...CACHED, 'fail-on-error': 'false' })
    expect(second.code).toBe(0)
    expect(second.summary).toContain('**History** (last 2 beats, oldest first)')
    expect(second.summary).toContain('| <code>sensor-shaky</code> | ✅❌ | 50 % |')
    expect(second.summary).toContain('✅ 1 sensor ok in every beat: 100 %.')

    // Appeared, failed, recovered: three changes in a row, from a flaky check.
    await rm(path.join(ws.dir, 'state/fail'))
    const third = await ws.run(CACHED)
    expectOk(third)
    expect(third.summary).toContain('| <code>sensor-shaky</code> | ✅❌✅ | 66 % |')
    expect(third.outputs['flapping-sensors']).toBe('["sensor-shaky"]')
    expect(commands(third.stdout, 'warning')).toEqual([
      expect.stringMatching(
        /title=sensor-shaky%3A flapping,.*It failed in one of the last two beats: if the check is flaky, set `retries`/,
      ),
    ])
  })
})

describe('2,000 sensors with a 100-beat history', () => {
  it('keeps the summary under 1 MiB and index.json under 4 MiB', { timeout: 240_000 }, async () => {
    const names = Array.from({ length: 2000 }, (_, i) => `s${String(i).padStart(4, '0')}`)
    // Cheap sensors: `sh` and one `echo`; every tenth one fails.
    for (const [i, name] of names.entries()) {
      await ws.write(
        `sensors/${name}.sh`,
        i % 10 === 0
          ? '#!/bin/sh\necho oops >&2\nexit 3\n'
          : `#!/bin/sh\necho '{"signal":${i % 7}}'\n`,
      )
    }
    // A previous folder built by hand: 100 beats of every sensor, half of them failing once.
    const statuses = (beat: number) =>
      Object.fromEntries(
        names.map((n, i) => [`sensor-${n}`, i % 2 === 0 && beat % 10 === i % 10 ? 'failed' : 'ok']),
      )
    const history = Array.from({ length: 100 }, (_, beat) => ({
      sensed_at: new Date(Date.UTC(2026, 0, 1, beat)).toISOString(),
      run_id: 1000 + beat,
      world_hash: String(beat).padStart(64, '0'),
      statuses: statuses(beat),
    }))
    const sensors = names.map((n) => ({
      name: `sensor-${n}`,
      kind: 'sensor',
      status: 'ok',
      sensed_at: history[99]?.sensed_at,
      signal_sha256: '0'.repeat(64),
      streak: 1,
    }))
    await ws.write(
      'prev/index.json',
      JSON.stringify({ version: 1, started_at: history[99]?.sensed_at, sensors, history }),
      0o644,
    )
    for (const [i, n] of names.entries()) {
      await ws.write(`prev/sensor-${n}.json`, `{"signal":${(i + 1) % 7}}`, 0o644)
    }
    const run = await ws.run({
      previous: 'prev',
      probes: 'none',
      concurrency: '32',
      'fail-on-error': 'false',
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs.total).toBe('2000')
    expect(json(run.outputs['changed-sensors'])).toHaveLength(2000)
    expect(Buffer.byteLength(run.outputs.changes ?? '')).toBeLessThanOrEqual(64 * 1024)

    const summaryBytes = Buffer.byteLength(run.summary)
    expect(summaryBytes).toBeLessThan(1024 * 1024)
    expect(run.summary).toContain('**History** (last 30 beats, oldest first)')
    expect(run.summary).toMatch(/more sensors that failed or warned are not listed/)

    const indexText = await readFile(path.join(ws.dir, 'snapshots/index.json'))
    expect(indexText.length).toBeLessThan(4 * 1024 * 1024)
    const index = JSON.parse(indexText.toString('utf8'))
    // As many of the newest beats as fit, this run last.
    expect(index.history.length).toBeGreaterThan(30)
    expect(index.history.length).toBeLessThan(101)
    expect(index.history.at(-1).run_id).toBe(4242)
    expect(index.history.at(-2).run_id).toBe(1099)
    expect(index.history.at(-1).statuses['sensor-s0000']).toBe('failed')
  })
})
