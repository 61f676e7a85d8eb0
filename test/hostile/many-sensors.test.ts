/**
 * 500 sensors in one beat, one in fifty failing: every one is listed with its status, the
 * counts add up, annotations stay within GitHub's cap, and the summary is written.
 */
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commands } from '../fixtures/action.js'
import { expectBeatIntact, hostileWorkspace } from './fixture.js'

const COUNT = 500

const hostile = hostileWorkspace()

describe('hostile: 500 sensors', () => {
  it('runs them all and keeps every result', async () => {
    const ws = hostile.ws
    const expected: Record<string, string> = {}
    for (let i = 0; i < COUNT; i++) {
      const name = `s${String(i).padStart(3, '0')}`
      const fails = i % 50 === 7
      await ws.write(
        `sensors/${name}.sh`,
        fails
          ? `#!/bin/sh\necho "broken ${i}" >&2\nexit 1\n`
          : `#!/bin/sh\necho '{"signal":${i}}'\n`,
      )
      expected[`sensor-${name}`] = fails ? 'failed' : 'ok'
    }
    const run = await ws.run({ probes: 'none', concurrency: '16' })
    await expectBeatIntact(ws, run, expected)
    const failed = Object.values(expected).filter((s) => s === 'failed').length
    expect(run.outputs.total).toBe(String(COUNT + 2))
    expect(run.outputs.failed).toBe(String(failed))
    expect(JSON.parse(run.outputs['failed-sensors'] as string)).toHaveLength(failed)
    const files = await readdir(path.join(ws.dir, 'snapshots'))
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(COUNT + 3)
    expect(files.filter((f) => f.endsWith('.err'))).toHaveLength(failed)
    expect(commands(run.stdout, 'error').length).toBeLessThanOrEqual(10)
    expect(run.summary).toContain(`${failed} of ${COUNT + 2} sensors failed`)
    expect(run.code).toBe(1)
  })
})
