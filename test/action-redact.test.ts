/**
 * `redact` through the bundle: sensors print the secrets every way they can reach a file or the
 * log (stdout JSON strings, keys and numbers, JSON-escaped, stderr, a failure, invalid JSON, the
 * script's own name, workflow commands), and no produced byte holds one, raw or JSON-escaped.
 */
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type ActionRun,
  commands,
  jsonSensor,
  type Workspace,
  workspace,
} from './fixtures/action.js'
import { recomputeWorldHash } from './fixtures/oracle.js'

/** Plain; with characters JSON escapes; digits; characters workflow commands escape. */
const SECRETS = ['hunter2hunter2', 'pa"ss\\wörd', '9876543210', '50%off,a:b']
/** Each secret as printed inside a JSON string. */
const ESCAPED = SECRETS.map((s) => JSON.stringify(s).slice(1, -1))
/** Each secret as a workflow command carries it: in a message, and in a property. */
const COMMAND_ESCAPED = SECRETS.flatMap((s) => {
  const data = s.replace(/%/g, '%25')
  return [data, data.replace(/:/g, '%3A').replace(/,/g, '%2C')]
})
const FORBIDDEN = [...new Set([...SECRETS, ...ESCAPED, ...COMMAND_ESCAPED])]
/**
 * The start of a value, as a parse error or an excerpt would quote it (not the number's: four
 * digits turn up by chance in hashes).
 */
const PREFIXES = SECRETS.slice(0, 2).map((s) => s.slice(0, 4))
const CLEAN = { signal: { fine: true }, detail: { n: 1 } }

let ws: Workspace
beforeEach(async () => {
  ws = await workspace()
  const [plain, quoted, numeric, percent] = SECRETS
  await ws.write(
    'sensors/leaky.sh',
    jsonSensor({
      signal: { token: `x-${plain}-y`, [plain as string]: 1, n: Number(numeric) },
      detail: { quoted, list: [quoted, `${numeric}`] },
    }).replace('cat <<', `echo 'stderr ${plain} ${quoted}' >&2\ncat <<`),
  )
  await ws.write(
    'sensors/fails.sh',
    `#!/usr/bin/env bash\necho '::warning::${plain}' >&2\necho '##[error]${quoted}' >&2\necho '${percent}' >&2\nexit 3\n`,
  )
  await ws.write('sensors/garbage.sh', `#!/usr/bin/env bash\necho "token=${plain}"\n`)
  await ws.write(`sensors/named-${plain}.sh`, '#!/usr/bin/env bash\nexit 1\n')
  await ws.write(
    'sensors/clean.sh',
    `#!/usr/bin/env bash\nprintf '%s\\n' '${JSON.stringify(CLEAN, null, 1)}'\n`,
  )
})
afterEach(async () => {
  await ws.cleanup()
})

async function snapshotFiles(): Promise<Map<string, Buffer>> {
  const dir = path.join(ws.dir, 'snapshots')
  const files = new Map<string, Buffer>()
  for (const name of await readdir(dir)) files.set(name, await readFile(path.join(dir, name)))
  return files
}

function expectNoSecret(where: string, text: string | Buffer): void {
  const s = text.toString()
  for (const secret of [...FORBIDDEN, ...PREFIXES]) {
    expect(s.includes(secret), `${where} holds ${JSON.stringify(secret)}`).toBe(false)
  }
}

async function expectAllRedacted(run: ActionRun, json: number): Promise<Map<string, Buffer>> {
  const files = await snapshotFiles()
  // The script named after a secret keeps its file name (names are the user's choice).
  expect([...files.keys()].filter((n) => n.endsWith('.json'))).toHaveLength(json)
  for (const [name, bytes] of files) {
    expectNoSecret(name, bytes)
    if (name.endsWith('.json')) expect(() => JSON.parse(bytes.toString())).not.toThrow()
  }
  expectNoSecret('stdout', run.stdout)
  expectNoSecret('stderr', run.stderr)
  expectNoSecret('GITHUB_OUTPUT', run.outputFile)
  expectNoSecret('summary', run.summary)
  return files
}

describe('redact (bundle)', () => {
  it('leaves no value in any snapshot, .err file, index.json, summary, output, annotation or log line', async () => {
    const run = await ws.run({ redact: `${SECRETS.join('\n')}\n`, probes: 'workflow' })
    expect(run.code).toBe(1)
    const masks = run.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'))
    // The runner masks them in its log too: each value and its escaped form, first of all.
    expect(run.stdout.split('\n').slice(0, masks.length)).toEqual(masks)
    expect(masks.map((l) => l.slice('::add-mask::'.length)).sort()).toEqual(
      [...new Set([...SECRETS, ...ESCAPED].map((f) => f.replace(/%/g, '%25')))].sort(),
    )
    const afterMasks = run.stdout.split('\n').slice(masks.length).join('\n')
    // Five sensors, one probe, index.json.
    const files = await expectAllRedacted({ ...run, stdout: afterMasks }, 7)

    const leaky = JSON.parse((files.get('sensor-leaky.json') as Buffer).toString())
    expect(leaky).toEqual({
      signal: { token: 'x-***-y', '***': 1, n: '***' },
      detail: { quoted: '***', list: ['***', '***'] },
    })
    expect(files.get('sensor-leaky.err')?.toString()).toBe('stderr *** ***\n')
    // Nothing to hide: the snapshot is stdout, byte for byte.
    expect(files.get('sensor-clean.json')?.toString()).toBe(`${JSON.stringify(CLEAN, null, 1)}\n`)

    // The hashes are those of the files on disk.
    const index = JSON.parse((files.get('index.json') as Buffer).toString())
    expect(run.outputs['world-hash']).toBe(index.world_hash)
    expect(index.world_hash).toBe(await recomputeWorldHash(path.join(ws.dir, 'snapshots')))
    expect(index.sensors.map((s: { name: string }) => s.name)).toContain('sensor-named-***')
    expect(JSON.parse(run.outputs['failed-sensors'] as string)).toEqual([
      'sensor-fails',
      'sensor-garbage',
      'sensor-named-***',
    ])
    expect(commands(run.stdout, 'error').some((l) => l.includes('sensor-named-***'))).toBe(true)
    expect(run.summary).toContain('<code>sensor-named-***</code>')
    // No warning that `redact` does nothing.
    expect(run.stdout).not.toContain('no effect yet')
  })

  it('redacts outside a runner too, where nothing is masked for it', async () => {
    const run = await ws.run(
      { redact: SECRETS.join('\n'), probes: 'none' },
      { GITHUB_ACTIONS: undefined, GITHUB_OUTPUT: undefined, GITHUB_STEP_SUMMARY: undefined },
    )
    expect(run.code).toBe(1)
    expect(run.stdout).not.toContain('::add-mask::')
    await expectAllRedacted(run, 6)
    expect(run.stdout).toMatch(/^failed-sensors=.*sensor-named-\*\*\*/m)
  })
})
