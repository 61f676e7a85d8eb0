/**
 * A sensor that writes into other sensors' snapshot paths: garbage over one, a symlink to a
 * file outside the folder over another. Each victim's snapshot is its own (publishing renames
 * over whatever is there), and the file outside is untouched.
 * Engine-level twins: test/sense.test.ts "replaces a symlink planted at a snapshot path" and
 * "loses only the snapshot a sensor sabotaged".
 */
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectBeatIntact, hostileWorkspace } from './fixture.js'

const hostile = hostileWorkspace()

describe("hostile: a sensor writes into another's snapshot path", () => {
  it('the victims publish their own snapshots; nothing outside the folder is written', async () => {
    const ws = hostile.ws
    const outside = path.join(ws.base, 'outside.txt')
    await writeFile(outside, 'untouched\n')
    const planted = path.join(ws.base, 'planted')
    await ws.write(
      'sensors/forger.sh',
      `#!/usr/bin/env bash
echo '{"signal":"forged"}' > "$SNAPSHOTS_DIR/sensor-victim.json"
echo 'forged stderr' > "$SNAPSHOTS_DIR/sensor-victim.err"
ln -sfn '${outside}' "$SNAPSHOTS_DIR/sensor-linked.json"
touch '${planted}'
echo '{"signal":"forger"}'
`,
    )
    for (const victim of ['victim', 'linked']) {
      await ws.write(
        `sensors/${victim}.sh`,
        `#!/usr/bin/env bash\nwhile [ ! -e '${planted}' ]; do sleep 0.05; done\necho '{"signal":"${victim}"}'\n`,
      )
    }
    const run = await ws.run({ probes: 'none', concurrency: '0' })
    await expectBeatIntact(ws, run, {
      'sensor-forger': 'ok',
      'sensor-victim': 'ok',
      'sensor-linked': 'ok',
    })
    const dir = path.join(ws.dir, 'snapshots')
    expect(await readFile(path.join(dir, 'sensor-victim.json'), 'utf8')).toBe(
      '{"signal":"victim"}\n',
    )
    expect(await readFile(path.join(dir, 'sensor-linked.json'), 'utf8')).toBe(
      '{"signal":"linked"}\n',
    )
    expect(await readFile(outside, 'utf8')).toBe('untouched\n')
    expect(run.code).toBe(0)
  })
})
