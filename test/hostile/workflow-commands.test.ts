/**
 * A sensor that prints 10,000 lines of workflow commands, on stderr and on stdout: the action
 * itself issues no command the sensor wrote (no output, mask, path, env or annotation of its
 * making), every guard it opens is closed, and the other sensors are untouched.
 * The runner-model check of each command form: test/action-report.test.ts "a sensor cannot
 * issue workflow commands through the action".
 */
import { describe, expect, it } from 'vitest'
import { commands } from '../fixtures/action.js'
import { expectBeatIntact, hostileWorkspace } from './fixture.js'

/** Command forms, repeated to 10,000 lines by the sensor. */
const FORMS = [
  '::set-output name=pwned::yes',
  '::add-mask::{"signal"',
  '::error title=pwned::injected',
  '::warning::injected',
  '::notice::injected',
  '::add-path::/tmp/pwned',
  '::set-env name=PWNED::yes',
  '::stop-commands::pwned',
  '::pwned::',
  '##[error]injected',
]

/**
 * The lines the runner acts on: everything but what lies between `::stop-commands::<token>`
 * and `::<token>::`. Throws when a guard is left open (the runner would ignore the rest).
 */
function outsideGuards(lines: string[]): string[] {
  const acted: string[] = []
  let token: string | undefined
  for (const line of lines) {
    if (token !== undefined) {
      if (line === `::${token}::`) token = undefined
      continue
    }
    const open = /^::stop-commands::(.+)$/.exec(line)
    if (open) token = open[1]
    else acted.push(line)
  }
  if (token !== undefined) throw new Error(`guard ${token} never closed`)
  return acted
}

const hostile = hostileWorkspace()

describe('hostile: 10,000 lines of workflow commands', () => {
  it('reach the log only as text; the action issues none of them', async () => {
    const ws = hostile.ws
    const lines = FORMS.map((l) => `'${l}'`).join(' ')
    await ws.write(
      'sensors/commander.sh',
      `#!/usr/bin/env bash\nfor i in $(seq 1 1000); do printf '%s\\n' ${lines} >&2; done\nexit 1\n`,
    )
    await ws.write(
      'sensors/stdout-commander.sh',
      `#!/usr/bin/env bash\nfor i in $(seq 1 1000); do printf '%s\\n' ${lines}; done\n`,
    )
    const run = await ws.run({ probes: 'none', upload: 'false', 'max-bytes': '1000000' })
    await expectBeatIntact(ws, run, {
      'sensor-commander': 'failed',
      'sensor-stdout-commander': 'invalid-json',
    })
    expect(run.outputs).not.toHaveProperty('pwned')
    expect(run.outputFile).not.toContain('pwned')
    const out = run.stdout.split('\n')
    const acted = outsideGuards(out)
    // Commands the runner acts on: only the action's own.
    for (const name of ['set-output', 'add-mask', 'add-path', 'set-env', 'warning', 'notice']) {
      expect(commands(acted.join('\n'), name)).toEqual([])
    }
    // Two sensor failures and the step's: no error of the sensor's making.
    expect(commands(acted.join('\n'), 'error')).toHaveLength(3)
    expect(acted.filter((l) => /^\s*::pwned::/.test(l))).toEqual([])
    expect(run.stdout).not.toContain('##[')
    // Every guard the action opened was closed by its own token.
    expect(acted.filter(Boolean).at(-1)).toMatch(/^::error::2 of 4 sensors failed/)
    expect(run.code).toBe(1)
  })
})
