/**
 * A sensor that starts many children (some with children of their own), then hangs: at the
 * timeout its whole group goes, grandchildren included, and the rest of the beat is untouched.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { recordedPids } from '../fixtures/sensors.js'
import { expectBeatIntact, expectNoStray, hostileWorkspace } from './fixture.js'

const hostile = hostileWorkspace()

describe('hostile: many children, then a hang', () => {
  it('kills the whole group at the timeout and keeps every other result', async () => {
    const ws = hostile.ws
    const pids = path.join(ws.base, 'pids')
    await ws.write(
      'sensors/breeder.sh',
      `#!/usr/bin/env bash
for i in $(seq 1 40); do sleep 300 & echo $! >> '${pids}'; done
for i in $(seq 1 5); do bash -c 'sleep 300 & echo $! >> "$0"; sleep 300' '${pids}' & echo $! >> '${pids}'; done
trap '' TERM
sleep 300
`,
    )
    const run = await ws.run({ timeout: '2', probes: 'none' })
    expect(await recordedPids(pids, 50)).toHaveLength(50)
    const index = await expectBeatIntact(ws, run, { 'sensor-breeder': 'timeout' })
    expect(index.sensors.find((e) => e.name === 'sensor-breeder')?.exit_code).toBe(124)
    expect(run.code).toBe(1)
    await expectNoStray(pids)
  })
})
