import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { snapshotBytes, stderrTail } from '../src/sense/outcome.js'
import { type RunSensorOptions, runSensor } from '../src/sense/run-sensor.js'
import {
  type SensorOutcome,
  type SensorScript,
  STDERR_KEEP_BYTES,
  Status,
} from '../src/sense/types.js'
import { settledAlive } from './fixtures/processes.js'
import { killRecorded, recordedPids, writeSensor } from './fixtures/sensors.js'

let dir: string
/** Processes a test deliberately leaves outside the sensor's group; killed after the test. */
let strays: number[]

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-sensor-'))
  strays = []
})

afterEach(async () => {
  await killRecorded(join(dir, 'pids'), strays)
  await rm(dir, { recursive: true, force: true })
})

async function sensor(name: string, body: string, executable = true): Promise<SensorScript> {
  const path = await writeSensor(join(dir, `${name}.sh`), body, {
    mode: executable ? 0o755 : 0o644,
  })
  return { name, snapshotName: `sensor-${name}`, path, executable }
}

function run(script: SensorScript, extra: Partial<RunSensorOptions> = {}): Promise<SensorOutcome> {
  return runSensor({
    script,
    cwd: dir,
    env: { PATH: process.env.PATH, PIDS: join(dir, 'pids') },
    timeoutMs: 30_000,
    maxBytes: 8192,
    ...extra,
  })
}

const ctx = { timeoutMs: 30_000, maxBytes: 8192 }

function parseSnapshot(outcome: SensorOutcome, c = ctx): unknown {
  const bytes = snapshotBytes(outcome, c)
  expect(bytes).toBeDefined()
  const text = (bytes as Buffer).toString('utf8')
  expect(text.endsWith('\n')).toBe(true)
  return JSON.parse(text)
}

/** The pids the sensor wrote to $PIDS, once `count` of them are there. */
const pids = (count: number) => recordedPids(join(dir, 'pids'), count)

describe('runSensor: ok', () => {
  it('publishes stdout byte for byte', async () => {
    const s = await sensor('today', `printf '{"a": 1,\\n "b": [true]}\\n'`)
    const out = await run(s)
    expect(out.status).toBe(Status.Ok)
    expect(out.exitCode).toBe(0)
    expect(out.message).toBe('')
    expect(out.stdout.toString()).toBe('{"a": 1,\n "b": [true]}\n')
    expect(out.stdoutBytes).toBe(out.stdout.length)
    expect(snapshotBytes(out, ctx)?.equals(out.stdout)).toBe(true)
  })

  it('runs a file without the exec bit under bash', async () => {
    const s = await sensor('plain', '[ -n "$BASH_VERSION" ] && echo \'{"shell":"bash"}\'', false)
    const out = await run(s)
    expect(out.status).toBe(Status.Ok)
    expect(JSON.parse(out.stdout.toString())).toEqual({ shell: 'bash' })
  })

  it('runs in cwd with the given env and an empty stdin', async () => {
    const s = await sensor(
      'where',
      'printf \'{"cwd":"%s","name":"%s","stdin":"%s"}\' "$PWD" "$SENSOR_NAME" "$(cat)"',
    )
    const out = await run(s, { env: { PATH: process.env.PATH, SENSOR_NAME: 'where' } })
    expect(out.status).toBe(Status.Ok)
    expect(JSON.parse(out.stdout.toString())).toEqual({ cwd: dir, name: 'where', stdin: '' })
  })

  it('keeps stdout of exactly max-bytes, and calls one byte more too-large', async () => {
    const exact = await run(await sensor('exact', `printf '"12345678"'`), { maxBytes: 10 })
    expect(exact.status).toBe(Status.Ok)
    expect(exact.stdout.toString()).toBe('"12345678"')

    const over = await run(await sensor('over', `printf '"123456789"'`), { maxBytes: 10 })
    expect(over.status).toBe(Status.TooLarge)
    expect(over.stdout.toString()).toBe('"123456789"')
    expect(over.stdoutBytes).toBe(11)
  })
})

describe('runSensor: failures', () => {
  it('failed: non-zero exit, stderr kept', async () => {
    const out = await run(await sensor('bad', 'echo partial; echo oops >&2; exit 3'))
    expect(out.status).toBe(Status.Failed)
    expect(out.exitCode).toBe(3)
    expect(out.message).toBe('exited with code 3')
    expect(out.stderr.toString()).toBe('oops\n')
    expect(out.stderrBytes).toBe(5)
    expect(parseSnapshot(out)).toEqual({
      signal: { error: 'failed', exit_code: 3 },
      detail: { message: 'exited with code 3', stderr: 'oops\n' },
    })
  })

  it('killed: died by a signal the action did not send', async () => {
    const out = await run(await sensor('segv', 'ulimit -c 0; echo dying >&2; kill -SEGV $$'))
    expect(out.status).toBe(Status.Killed)
    expect(out.killedBy).toBe('SIGSEGV')
    expect(out.exitCode).toBeUndefined()
    expect(parseSnapshot(out)).toEqual({
      signal: { error: 'killed', signal: 'SIGSEGV' },
      detail: { message: 'killed by SIGSEGV', stderr: 'dying\n' },
    })
  })

  it('spawn-error: the shebang names a missing interpreter', async () => {
    const path = join(dir, 'ghost.sh')
    await writeFile(path, '#!/nonexistent/interpreter\necho {}\n')
    await chmod(path, 0o755)
    const out = await run({ name: 'ghost', snapshotName: 'sensor-ghost', path, executable: true })
    expect(out.status).toBe(Status.SpawnError)
    expect(out.exitCode).toBeUndefined()
    expect(out.message).toContain(path)
    expect(out.message).toContain('/nonexistent/interpreter')
    expect(parseSnapshot(out)).toEqual({
      signal: { error: 'spawn-error' },
      detail: { message: out.message },
    })
  })

  it('spawn-error: a #! line ending in CR is diagnosed as CRLF line endings, with the fix', async () => {
    const path = join(dir, 'windows.sh')
    await writeFile(path, '#!/bin/bash\r\necho {}\r\n')
    await chmod(path, 0o755)
    const out = await run({
      name: 'windows',
      snapshotName: 'sensor-windows',
      path,
      executable: true,
    })
    expect(out.status).toBe(Status.SpawnError)
    expect(out.message).toContain(`could not start ${path}`)
    expect(out.message).toContain('CRLF (Windows) line endings')
    expect(out.message).toContain(`sed -i 's/\\r$//' ${path}`)
    expect(out.message).toContain('*.sh text eol=lf')
    expect(out.message).not.toContain('install the interpreter')
  })

  it('spawn-error: the working directory does not exist', async () => {
    const cwd = join(dir, 'missing')
    const out = await run(await sensor('nowhere', 'echo {}'), { cwd })
    expect(out.status).toBe(Status.SpawnError)
    expect(out.message).toContain(`working directory ${cwd}`)
  })

  it.each([
    ['empty stdout', 'true', 'stdout is empty', ''],
    ['plain text', 'echo hello', 'not valid JSON', 'hello\n'],
    ['NUL bytes', `printf '{"a":"\\0"}'`, 'NUL byte at offset 6', '{"a":"\u0000"}'],
    ['invalid UTF-8', `printf '"\\xff\\xfe"'`, 'not valid UTF-8', '"\uFFFD\uFFFD"'],
    ['a byte-order mark', `printf '\\xef\\xbb\\xbf{}'`, 'not valid JSON', '\uFEFF{}'],
  ])('invalid-json: %s', async (_, body, message, excerpt) => {
    const out = await run(await sensor('junk', body))
    expect(out.status).toBe(Status.InvalidJson)
    expect(out.exitCode).toBe(0)
    expect(out.message).toContain(message)
    expect(parseSnapshot(out)).toEqual({
      signal: { error: 'invalid-json' },
      detail: { message: out.message, excerpt },
    })
  })

  it('invalid-json: the excerpt is the first 200 characters', async () => {
    const out = await run(await sensor('long', `printf 'é%.0s' {1..300}`))
    expect(out.status).toBe(Status.InvalidJson)
    const snap = parseSnapshot(out) as { detail: { excerpt: string } }
    expect(snap.detail.excerpt).toBe('é'.repeat(200))
  })
})

describe('runSensor: the process group', () => {
  it('timeout: TERM reaches the whole group, grandchildren included', async () => {
    const s = await sensor(
      'hung',
      [
        'echo $$ >> "$PIDS"',
        '( sleep 300 & echo $! >> "$PIDS"; wait ) &',
        'sleep 300 & echo $! >> "$PIDS"',
        'echo waiting >&2',
        'wait',
      ].join('\n'),
    )
    // The deadline leaves a loaded machine seconds to start bash and record 3 pids; the group
    // dies on TERM, so the run takes the deadline and no KILL grace.
    const opts = { timeoutMs: 5000, maxBytes: 8192 }
    const out = await run(s, opts)
    expect(out.status).toBe(Status.Timeout)
    expect(out.exitCode).toBe(124)
    expect(out.message).toContain('timed out after 5 s')
    for (const pid of await pids(3)) expect(await settledAlive(pid)).toBe(false)
    expect(parseSnapshot(out, opts)).toEqual({
      signal: { error: 'timeout', exit_code: 124 },
      detail: { message: out.message, timeout_s: 5, stderr: 'waiting\n' },
    })
  })

  it('timeout: a group that ignores TERM gets KILL', async () => {
    // An ignored signal stays ignored across fork and exec, so the sleep ignores TERM too.
    // `trapped` is written once the trap and the sleep are in place: TERM before the trap kills
    // bash, which then never writes it, so its presence proves the KILL path was needed.
    const s = await sensor(
      'stubborn',
      [
        'trap "" TERM',
        'echo $$ >> "$PIDS"',
        'sleep 300 & echo $! >> "$PIDS"',
        'touch trapped',
        'wait',
      ].join('\n'),
    )
    const out = await run(s, { timeoutMs: 5000 })
    expect(out.status).toBe(Status.Timeout)
    expect(out.message).toContain('timed out after 5 s')
    await expect(readFile(join(dir, 'trapped'), 'utf8')).resolves.toBe('')
    const group = await pids(2)
    expect(group).toHaveLength(2)
    for (const pid of group) expect(await settledAlive(pid)).toBe(false)
  })

  it('kills what the sensor left in its group, even while it holds stdout', async () => {
    const s = await sensor('leaver', 'sleep 300 & echo $! >> "$PIDS"; echo \'{"left":1}\'')
    const out = await run(s)
    expect(out.status).toBe(Status.Ok)
    expect(out.stdout.toString()).toBe('{"left":1}\n')
    const [leftover] = await pids(1)
    expect(await settledAlive(leftover as number)).toBe(false)
  })

  it('returns when a process that left the group holds stdout open', async () => {
    const s = await sensor('escaper', 'setsid sleep 300 & echo $! >> "$PIDS"; echo \'{"ok":1}\'')
    const out = await run(s)
    const [escaped] = await pids(1)
    strays.push(escaped as number)
    expect(out.status).toBe(Status.Ok)
    expect(out.stdout.toString()).toBe('{"ok":1}\n')
  })

  it('cancelled: the abort signal ends the group, grandchildren included, no snapshot', async () => {
    // Aborted only once every pid is recorded, so this holds however slowly bash starts.
    const s = await sensor(
      'slow',
      [
        'sleep 300 & echo $! >> "$PIDS"',
        '( sleep 300 & echo $! >> "$PIDS"; wait ) &',
        'echo $$ >> "$PIDS"',
        'wait',
      ].join('\n'),
    )
    const abort = new AbortController()
    const running = run(s, { cancel: abort.signal })
    const group = await pids(3)
    abort.abort()
    const out = await running
    expect(out.status).toBe(Status.Cancelled)
    for (const pid of group) expect(await settledAlive(pid)).toBe(false)
    expect(snapshotBytes(out, ctx)).toBeUndefined()
  })

  it('cancelled before it started: nothing runs', async () => {
    const s = await sensor('never', 'touch "$PIDS"; echo {}')
    const abort = new AbortController()
    abort.abort()
    const out = await run(s, { cancel: abort.signal })
    expect(out.status).toBe(Status.Cancelled)
    await expect(readFile(join(dir, 'pids'))).rejects.toThrow(/ENOENT/)
  })
})

describe('runSensor: bounded output', () => {
  it('too-large: 1 GiB on stdout keeps maxBytes + 1 bytes and counts them all', async () => {
    const out = await run(await sensor('flood', 'head -c 1073741824 /dev/zero'))
    expect(out.status).toBe(Status.TooLarge)
    expect(out.stdout.length).toBe(8193)
    expect(out.stdoutBytes).toBe(1073741824)
    expect(out.message).toContain('{signal,detail}')
    expect(parseSnapshot(out)).toEqual({
      signal: { error: 'too-large', cap: 8192 },
      detail: { bytes: 1073741824, message: out.message },
    })
  })

  it('keeps the last 64 KiB of 50 MB on stderr and counts them all', async () => {
    const noise = randomBytes(50_000_000)
    await writeFile(join(dir, 'noise'), noise)
    const out = await run(await sensor('noisy', 'cat noise >&2; echo {}'))
    expect(out.status).toBe(Status.Ok)
    expect(out.stderrBytes).toBe(50_000_000)
    expect(out.stderr.length).toBe(STDERR_KEEP_BYTES)
    expect(out.stderr.equals(noise.subarray(noise.length - STDERR_KEEP_BYTES))).toBe(true)
  })
})

describe('stderrTail and snapshotBytes', () => {
  it('stderrTail keeps the last 1 KiB, starting on a whole character', () => {
    expect(stderrTail(Buffer.from('short\n'))).toBe('short\n')
    expect(stderrTail(Buffer.alloc(0))).toBe('')
    // 'é' is two bytes: 1023 ASCII bytes after it leave its second byte at the cut.
    const text = `${'x'.repeat(10)}é${'y'.repeat(1023)}`
    expect(stderrTail(Buffer.from(text))).toBe('y'.repeat(1023))
    const exact = `é${'y'.repeat(1022)}`
    expect(stderrTail(Buffer.from(`zz${exact}`))).toBe(exact)
  })

  it('refuses `fresh`, which is not a process outcome', async () => {
    const out = await run(await sensor('fine', 'echo {}'))
    expect(() => snapshotBytes({ ...out, status: Status.Fresh }, ctx)).toThrow(/fresh/)
  })
})
