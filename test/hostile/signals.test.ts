/**
 * Sensors that die by each common signal: each is `killed` with the signal's name in its
 * snapshot, and no signal a sensor receives reaches the action or the other sensors.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectBeatIntact, hostileWorkspace } from './fixture.js'

const SIGNALS = ['HUP', 'INT', 'QUIT', 'ABRT', 'KILL', 'SEGV', 'PIPE', 'TERM', 'USR1'] as const

const hostile = hostileWorkspace()

describe('hostile: exit by each common signal', () => {
  it(`${SIGNALS.join(', ')}: each is killed, named, and nothing else is touched`, async () => {
    const ws = hostile.ws
    for (const sig of SIGNALS) {
      // The process that dies is `sleep`, exec'd in place of the shell (bash ignores QUIT
      // and, in scripts, may defer INT), signalled by a helper once the exec is done.
      await ws.write(
        `sensors/sig-${sig.toLowerCase()}.sh`,
        `#!/usr/bin/env bash\nulimit -c 0\n(sleep 0.3; kill -s ${sig} $$) &\nexec sleep 30\n`,
      )
    }
    const run = await ws.run({ probes: 'none', concurrency: '0' })
    const expected = Object.fromEntries(
      SIGNALS.map((s) => [`sensor-sig-${s.toLowerCase()}`, 'killed']),
    )
    await expectBeatIntact(ws, run, expected)
    for (const sig of SIGNALS) {
      const file = path.join(ws.dir, `snapshots/sensor-sig-${sig.toLowerCase()}.json`)
      expect(JSON.parse(await readFile(file, 'utf8')).signal).toEqual({
        error: 'killed',
        signal: `SIG${sig}`,
      })
    }
    expect(run.code).toBe(1)
  })
})
