/**
 * Path names with spaces, quotes, a newline and non-ASCII characters, in the sensors' file
 * names, the working directory and the snapshots folder: every sensor runs, is named by SPEC's
 * rule, and its failure's annotation carries its path escaped onto one line.
 */
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commands, type Workspace, workspace } from '../fixtures/action.js'
import { expectBeatIntact, writeWitnesses } from './fixture.js'

/** Folder names a shell script or a workflow command would trip over. */
const WD = `work dir 'single' "double" ü\nline`
const SNAPS = `snaps ☕ "q"`

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
  await writeWitnesses(ws, `${WD}/sensors`)
})
afterEach(async () => {
  await ws.cleanup()
})

describe('hostile: path names with spaces, quotes, newlines and non-ASCII', () => {
  it('runs and names every sensor, and reports paths intact', async () => {
    const body = '#!/usr/bin/env bash\nprintf \'{"signal":"%s"}\\n\' "$SENSOR_NAME"\n'
    const files = {
      'with space.sh': 'sensor-with_space',
      'it\'s "quoted".sh': 'sensor-it_s__quoted_',
      'new\nline.sh': 'sensor-new_line',
      'café ☕.sh': 'sensor-caf___',
    }
    for (const file of Object.keys(files)) await ws.write(`${WD}/sensors/${file}`, body)
    await ws.write(
      `${WD}/sensors/fails \n"here".sh`,
      '#!/usr/bin/env bash\necho oops >&2\nexit 2\n',
    )
    const run = await ws.run({ 'working-directory': WD, 'snapshots-dir': SNAPS, probes: 'none' })
    await expectBeatIntact(
      ws,
      run,
      {
        ...Object.fromEntries(Object.values(files).map((n) => [n, 'ok'])),
        'sensor-fails___here_': 'failed',
      },
      { snapshotsDir: `${WD}/${SNAPS}` },
    )
    const dir = path.join(ws.dir, WD, SNAPS)
    expect(run.outputs['snapshots-dir']).toBe(dir)
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toHaveLength(8)
    // The failure's annotation: one line, the file property escaped as the runner unescapes it.
    const [annotation] = commands(run.stdout, 'error').filter((l) => l.includes('fails___here_'))
    expect(annotation).toBeDefined()
    const file = /file=([^,:]*)/.exec(annotation as string)?.[1] ?? ''
    const unescaped = file
      .replace(/%0A/g, '\n')
      .replace(/%0D/g, '\r')
      .replace(/%3A/g, ':')
      .replace(/%2C/g, ',')
      .replace(/%25/g, '%')
    expect(unescaped).toBe(`${WD}/sensors/fails \n"here".sh`)
    expect(run.code).toBe(1)
  })
})
