/**
 * What sanitizing the environment cannot stop: a sensor runs as the job's user, so it can read
 * the action's own environment through /proc/$PPID/environ — the runtime token, the results
 * URL, the file-command paths the action was given — whatever was removed from its own. This
 * test records that limit (the README's security model cites it): sensors must be trusted code.
 * What sanitizing does stop is shown beside it: the sensor's own environment holds none of it,
 * so a sensor that dumps `env` into its snapshot leaks nothing.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectBeatIntact, hostileWorkspace } from './fixture.js'

const RUNTIME_TOKEN = 'runtime-token-visible-through-proc'

const hostile = hostileWorkspace()

describe('hostile: a sensor reads the action environment through /proc/$PPID/environ', () => {
  it("sees the action's runtime token and file-command paths, which its own env lacks", async () => {
    const ws = hostile.ws
    await ws.write(
      'sensors/snoop.sh',
      `#!/usr/bin/env bash
node -e '
const fs = require("fs")
const parse = (t) => Object.fromEntries(t.split("\\0").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]))
const parent = parse(fs.readFileSync("/proc/" + process.argv[1] + "/environ", "latin1"))
const pick = (env) => ({ token: env.ACTIONS_RUNTIME_TOKEN ?? null, output: env.GITHUB_OUTPUT ?? null, input: env.INPUT_PROBES ?? null })
process.stdout.write(JSON.stringify({ signal: { parent: pick(parent), own: pick(process.env) } }))
' "$PPID"
`,
    )
    const run = await ws.run(
      { probes: 'none', upload: 'false' },
      { ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN },
    )
    await expectBeatIntact(ws, run, { 'sensor-snoop': 'ok' })
    const snap = JSON.parse(
      await readFile(path.join(ws.dir, 'snapshots/sensor-snoop.json'), 'utf8'),
    )
    expect(snap.signal.parent).toEqual({
      token: RUNTIME_TOKEN,
      output: expect.stringContaining('output-'),
      input: 'none',
    })
    expect(snap.signal.own).toEqual({ token: null, output: null, input: null })
    expect(run.code).toBe(0)
  })
})
