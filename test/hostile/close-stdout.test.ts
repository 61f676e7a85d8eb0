/**
 * A sensor that closes its stdout and runs on: end of file is not the end of the sensor. The
 * action waits for its exit (its exit code decides), and a sensor that never exits after
 * closing stdout is ended by the timeout.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { recordedPids } from '../fixtures/sensors.js'
import { expectBeatIntact, expectNoStray, hostileWorkspace } from './fixture.js'

const hostile = hostileWorkspace()

describe('hostile: a sensor closes stdout and runs on', () => {
  it('is judged by its exit, not by the end of its stdout', async () => {
    const ws = hostile.ws
    const pids = path.join(ws.base, 'pids')
    await ws.write(
      'sensors/closes.sh',
      `#!/usr/bin/env bash\necho '{"signal":"printed"}'\nexec 1>&- 2>&-\nsleep 1\nexit 3\n`,
    )
    await ws.write(
      'sensors/closes-ok.sh',
      `#!/usr/bin/env bash\necho '{"signal":"printed"}'\nexec 1>&-\nsleep 1\n`,
    )
    await ws.write(
      'sensors/closes-hangs.sh',
      `#!/usr/bin/env bash\necho $$ >> '${pids}'\nexec 1>&- 2>&-\nsleep 300\n`,
    )
    const run = await ws.run({ probes: 'none', timeout: '3' })
    await recordedPids(pids, 1)
    const index = await expectBeatIntact(ws, run, {
      'sensor-closes': 'failed',
      'sensor-closes-ok': 'ok',
      'sensor-closes-hangs': 'timeout',
    })
    expect(index.sensors.find((e) => e.name === 'sensor-closes')?.exit_code).toBe(3)
    expect(run.code).toBe(1)
    await expectNoStray(pids)
  })
})
