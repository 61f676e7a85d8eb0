/**
 * A sensor that deletes the snapshots folder while others run: the folder is made again, the
 * sensors that end afterwards keep their snapshots, and index.json lists everyone.
 * Engine-level twin: test/sense.test.ts "still writes index.json when a sensor deletes the
 * whole snapshots folder".
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Workspace, workspace } from '../fixtures/action.js'
import { recomputeWorldHash } from '../fixtures/oracle.js'
import { expectBeatIntact, WITNESSES, witnessBytes } from './fixture.js'

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
})
afterEach(async () => {
  await ws.cleanup()
})

describe('hostile: a sensor deletes the snapshots folder while others run', () => {
  it('the others still publish after it, index.json is written, the hash covers the disk', async () => {
    const gone = path.join(ws.base, 'gone')
    await ws.write(
      'sensors/vandal.sh',
      `#!/usr/bin/env bash\nrm -rf "$SNAPSHOTS_DIR"; touch '${gone}'\necho '{"signal":"vandal"}'\n`,
    )
    // The witnesses end only once the folder is gone: they publish into a missing folder.
    for (const name of WITNESSES) {
      await ws.write(
        `sensors/${name}.sh`,
        `#!/usr/bin/env bash\nwhile [ ! -e '${gone}' ]; do sleep 0.05; done\nprintf '%s\\n' '${witnessBytes(name).trim()}'\n`,
      )
    }
    const run = await ws.run({ probes: 'none', concurrency: '0' })
    await expectBeatIntact(ws, run, { 'sensor-vandal': 'ok' })
    expect(existsSync(path.join(ws.dir, 'snapshots/sensor-vandal.json'))).toBe(true)
    expect(run.outputs['world-hash']).toBe(await recomputeWorldHash(path.join(ws.dir, 'snapshots')))
    expect(run.code).toBe(0)
  })
})
