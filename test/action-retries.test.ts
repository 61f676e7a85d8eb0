/**
 * `retries`, through the bundle as the runner runs it: a sensor that ended in a failure status
 * runs again, 1 s from the end of one attempt to the start of the next, and the last attempt
 * decides. The sensors record each attempt in files outside the workspace, so what ran, and
 * when, is observed rather than inferred from the action's own report.
 */
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commands, indexRows, type Workspace, workspace } from './fixtures/action.js'

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
})
afterEach(async () => {
  await ws.cleanup()
})

const readRows = () => indexRows(ws)

/** The lines a sensor appended to `file`, one per event it recorded. */
async function lines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean)
}

describe('retries', () => {
  it('retries failures only, 1 s apart, and the last attempt decides', async () => {
    const flakyState = path.join(ws.base, 'flaky-state')
    const brokenLog = path.join(ws.base, 'broken-log')
    const warnLog = path.join(ws.base, 'warn-log')
    const okLog = path.join(ws.base, 'ok-log')
    // Fails once (its state in a file), then succeeds.
    await ws.write(
      'sensors/flaky.sh',
      `#!/usr/bin/env bash\nif [ ! -f '${flakyState}' ]; then touch '${flakyState}'; echo 'first attempt failed' >&2; exit 1; fi\necho '{"signal":"up"}'\n`,
    )
    // Always fails; records when each attempt starts and ends (ns since the epoch).
    await ws.write(
      'sensors/broken.sh',
      `#!/usr/bin/env bash\necho "start $(date +%s%N)" >> '${brokenLog}'\nn=$(grep -c start '${brokenLog}')\necho "attempt $n failed" >&2\necho "end $(date +%s%N)" >> '${brokenLog}'\nexit 7\n`,
    )
    // A plugin's warning is a state, not a hiccup: never retried.
    await ws.write(
      'sensors/warm.sh',
      `#!/usr/bin/env bash\n# looop:format=nagios\necho run >> '${warnLog}'\necho 'WARNING - 71 C'\nexit 1\n`,
    )
    await ws.write(
      'sensors/fine.sh',
      `#!/usr/bin/env bash\necho run >> '${okLog}'\necho '{"signal":"fine"}'\n`,
    )

    const run = await ws.run({ probes: 'none', retries: '2' })

    expect(run.code).toBe(1)
    const rows = await readRows()
    expect(rows['sensor-flaky']).toMatchObject({ status: 'ok', attempts: 2, exit_code: 0 })
    expect(rows['sensor-broken']).toMatchObject({ status: 'failed', attempts: 3, exit_code: 7 })
    expect(rows['sensor-warm']).toMatchObject({ status: 'warning', attempts: 1 })
    expect(rows['sensor-fine']).toMatchObject({ status: 'ok', attempts: 1 })
    expect(await lines(warnLog)).toHaveLength(1)
    expect(await lines(okLog)).toHaveLength(1)

    // The last attempt decides: its snapshot, and its stderr (the first attempt's is gone).
    const snapshots = path.join(ws.dir, 'snapshots')
    expect(JSON.parse(await readFile(path.join(snapshots, 'sensor-flaky.json'), 'utf8'))).toEqual({
      signal: 'up',
    })
    expect(existsSync(path.join(snapshots, 'sensor-flaky.err'))).toBe(false)
    expect(await readFile(path.join(snapshots, 'sensor-broken.err'), 'utf8')).toBe(
      'attempt 3 failed\n',
    )

    // Attempts are spaced by at least 1 s, end of one to start of the next.
    const events = (await lines(brokenLog)).map((l) => l.split(' ') as [string, string])
    expect(events.map(([kind]) => kind)).toEqual(['start', 'end', 'start', 'end', 'start', 'end'])
    const ns = events.map(([, t]) => BigInt(t))
    for (const i of [1, 3]) {
      const gapMs = Number(((ns[i + 1] as bigint) - (ns[i] as bigint)) / 1_000_000n)
      expect(gapMs, `pause after attempt ${(i + 1) / 2}`).toBeGreaterThanOrEqual(1000)
    }

    // Reports: attempts shown when above 1.
    expect(run.summary).toMatch(/\| ✅ ok \| <code>sensor-flaky<\/code> \|[^\n]*\| 2 attempts \|/)
    expect(run.summary).toMatch(
      /\| ❌ failed \| <code>sensor-broken<\/code> \|[^\n]*\| exited with code 7 · 3 attempts \|/,
    )
    expect(run.summary).toMatch(/\| ✅ ok \| <code>sensor-fine<\/code> \|[^|]*\|[^|]*\| 0 \| {2}\|/)
    expect(run.stdout).toMatch(/^failed\s+sensor-broken\s+.* \(3 attempts\) - exited with code 7$/m)
    expect(commands(run.stdout, 'warning').join('\n')).not.toContain('no effect yet')
    expect(commands(run.stdout, 'error')).toContainEqual(
      expect.stringMatching(/^::error title=sensor-broken%3A failed,.*::attempt 3 failed$/),
    )
  })

  it('a cancel during the pause stops the retries: no attempt starts after it', async () => {
    const log = path.join(ws.base, 'log')
    const ended = path.join(ws.base, 'ended')
    const trigger = path.join(ws.base, 'trigger')
    await ws.write(
      'sensors/broken.sh',
      `#!/usr/bin/env bash\necho start >> '${log}'\ntouch '${ended}'\nexit 1\n`,
    )
    // The action is signalled once the first attempt has ended and the pause has begun.
    const signalled = (async () => {
      while (!existsSync(ended)) await sleep(20)
      await sleep(300)
      await writeFile(trigger, '')
    })()
    const run = await ws.run(
      { probes: 'none', retries: '5' },
      {},
      { signalWhen: { file: trigger, signal: 'SIGTERM' } },
    )
    await signalled

    expect(run.code).toBe(1)
    expect(await lines(log)).toEqual(['start'])
    // The attempt that finished stands; nothing was running when the cancel came.
    expect((await readRows())['sensor-broken']).toMatchObject({ status: 'failed', attempts: 1 })
    expect(commands(run.stdout, 'error').at(-1)).toContain('The run was cancelled')
  })
})
