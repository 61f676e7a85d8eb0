/**
 * A sensor whose children leave its group with `setsid` (a new session, out of reach of the
 * group kill), one of them holding stdout open: the action does not wait for them, and sweeps
 * them at the end of the beat by the run token they inherited.
 * Engine-level twin: test/run-sensor.test.ts "returns when a process that left the group holds
 * stdout open".
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { recordedPids } from '../fixtures/sensors.js'
import { expectBeatIntact, expectNoStray, hostileWorkspace } from './fixture.js'

const hostile = hostileWorkspace()

describe('hostile: setsid escapes', () => {
  it('returns, keeps every result, and leaves no escaped process running', async () => {
    const ws = hostile.ws
    const pids = path.join(ws.base, 'pids')
    await ws.write(
      'sensors/escape.sh',
      `#!/usr/bin/env bash
# Holds stdout (inherited) open, in a session of its own.
setsid bash -c 'echo $$ >> "$0"; exec sleep 300' '${pids}' &
# Double fork: the grandchild's parent is gone before the sensor ends.
setsid bash -c '(echo $BASHPID >> "$0"; exec sleep 300) & exit 0' '${pids}' >/dev/null 2>&1 < /dev/null &
while [ "$(wc -l < '${pids}' 2>/dev/null || echo 0)" -lt 2 ]; do sleep 0.05; done
echo '{"signal":"escaped"}'
`,
    )
    const run = await ws.run({ probes: 'none' })
    expect(await recordedPids(pids, 2)).toHaveLength(2)
    await expectBeatIntact(ws, run, { 'sensor-escape': 'ok' })
    expect(run.code).toBe(0)
    await expectNoStray(pids)
  })
})
