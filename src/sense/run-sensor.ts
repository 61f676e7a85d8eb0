/**
 * Runs ONE sensor script as a process under guardrails, and turns whatever happened into data.
 *
 * Guardrails, each with its knob and the harm it prevents:
 * - Process group (always): the sensor leads its own group (`detached: true` → setsid), so a
 *   timeout, a cancellation or the sensor's own exit can end everything it started. Without it
 *   a `sleep 300 &` outlives the step and keeps the job (or a pipe) hanging.
 * - Timeout (`timeout`, 60 s; 0 = none): SIGTERM to the group, SIGKILL at most
 *   KILL_GRACE_MS later. Status `timeout`, exit code 124 as coreutils' `timeout`.
 * - Pipe grace (fixed): once the main process has exited, its group is SIGKILLed and the pipes
 *   get PIPE_IDLE_GRACE_MS of silence (PIPE_DRAIN_MAX_MS at most) to reach EOF, then are
 *   destroyed: a process that left the group (`setsid`) may hold stdout open forever.
 * - stdout cap (`max-bytes`, 8192; ceiling 64 MiB): the first maxBytes + 1 bytes are kept, the
 *   rest counted and dropped, so memory stays bounded whatever the sensor prints.
 * - stderr tail (fixed, STDERR_KEEP_BYTES): a ring keeps the last 64 KiB, every byte counted.
 *
 * `child_process.spawn` is used rather than @actions/exec, which has neither a timeout nor a way
 * to kill a process group (actions/toolkit issue 1777).
 *
 * Nothing here throws for anything a sensor does: every end is a `SensorOutcome`.
 */

import { type ChildProcess, spawn } from 'node:child_process'
import { exec } from '@actions/exec'
import { readFile, stat } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import type { Readable } from 'node:stream'
import { messageOf } from '../util.js'
import { decodeJson } from './json.js'
import {
  type SensorOutcome,
  type SensorScript,
  STDERR_KEEP_BYTES,
  Status,
  TIMEOUT_EXIT_CODE,
} from './types.js'

/** After SIGTERM on timeout or cancellation, the group gets SIGKILL this much later. */
export const KILL_GRACE_MS = 2000
/** After the main process exits, the pipes may stay silent this long before being destroyed. */
export const PIPE_IDLE_GRACE_MS = 150
/** After the main process exits, the pipes are destroyed this long later whatever they carry. */
export const PIPE_DRAIN_MAX_MS = 2000
/** setTimeout fires at once for delays over 2^31 - 1 ms; longer timeouts are clamped (24.8 d). */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface RunSensorOptions {
  /** The script found by discovery (absolute path, exec bit, names). */
  script: SensorScript
  /** Absolute working directory of the process. */
  cwd: string
  /** The process environment, already sanitized by the caller: passed through as is. */
  env: NodeJS.ProcessEnv
  /** Deadline in milliseconds; 0 = no limit. */
  timeoutMs: number
  /** The stdout cap, already resolved (1..MAX_BYTES_CEILING). */
  maxBytes: number
  /** Fires when the run is cancelled: the group is ended and the status is `cancelled`. */
  cancel?: AbortSignal
  /** Defaults to process.platform; `win32` runs `.sh` under the bash on PATH, no groups. */
  platform?: NodeJS.Platform
}

/** Why the action itself ended the process, if it did. */
type Reason = 'timeout' | 'cancelled'

export async function runSensor(opts: RunSensorOptions): Promise<SensorOutcome> {
  const { script, maxBytes } = opts
  const platform = opts.platform ?? process.platform
  const startedAt = new Date()
  const t0 = performance.now()
  const stdout = new HeadBuffer(maxBytes + 1)
  const stderr = new TailBuffer(STDERR_KEEP_BYTES)

  const finish = (fields: Pick<SensorOutcome, 'status' | 'message' | 'exitCode' | 'killedBy'>) => {
    const outcome: SensorOutcome = {
      status: fields.status,
      stdout: stdout.bytes(),
      stdoutBytes: stdout.total,
      stderr: stderr.bytes(),
      stderrBytes: stderr.total,
      startedAt,
      durationMs: Math.round(performance.now() - t0),
      message: fields.message,
    }
    if (fields.exitCode !== undefined) outcome.exitCode = fields.exitCode
    if (fields.killedBy !== undefined) outcome.killedBy = fields.killedBy
    return outcome
  }

  if (opts.cancel?.aborted) {
    return finish({ status: Status.Cancelled, message: 'cancelled before it started' })
  }

  const [command, args] = commandFor(script, platform)
  let child: ChildProcess
  try {
    child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Windows has no process groups, and a detached child there gets a console of its own.
      detached: platform !== 'win32',
      windowsHide: true,
    })
  } catch (err) {
    return finish({ status: Status.SpawnError, message: await describeSpawnError(err, opts) })
  }

  const end = await new Promise<End>((resolve) => {
    let reason: Reason | undefined
    let exited: { code: number | null; killedBy: NodeJS.Signals | null } | undefined
    let spawned = false
    let settled = false
    const timers: NodeJS.Timeout[] = []
    let idle: NodeJS.Timeout | undefined
    const pipes = [child.stdout, child.stderr].filter((p): p is Readable => p !== null)
    let open = pipes.length

    const clearTimers = () => {
      for (const t of timers.splice(0)) clearTimeout(t)
      clearTimeout(idle)
    }
    const settle = (e: End) => {
      if (settled) return
      settled = true
      clearTimers()
      opts.cancel?.removeEventListener('abort', onAbort)
      for (const p of pipes) p.destroy()
      resolve(e)
    }
    const settleExited = () => {
      if (exited !== undefined) settle({ kind: 'exited', reason, ...exited })
    }
    const settleAfterExit = () => {
      if (open === 0) settleExited()
    }
    /**
     * The grace timers never settle directly. After a stall of the event loop (another
     * sensor's large snapshot being parsed, a slow spawn), expired timers run BEFORE the poll
     * phase that would read what the pipes already hold; settling there would destroy bytes a
     * healthy sensor wrote and call it `invalid-json`. setImmediate runs after that poll
     * phase, and the idle grace stands only if no chunk arrived meanwhile.
     */
    let chunks = 0
    const afterPendingReads = (onlyIfSilent: boolean) => {
      const seen = chunks
      setImmediate(() => {
        if (!onlyIfSilent || chunks === seen) settleExited()
      })
    }
    // After exit, every chunk restarts the idle grace: what the pipe still buffers is read.
    const restartIdle = () => {
      chunks++
      if (exited === undefined || settled) return
      clearTimeout(idle)
      idle = setTimeout(() => afterPendingReads(true), PIPE_IDLE_GRACE_MS)
    }

    // Both a timeout and a cancellation: TERM lets the sensor clean up, KILL makes sure.
    const stop = (why: Reason) => {
      if (reason !== undefined || exited !== undefined || child.pid === undefined) return
      reason = why
      killTree(child.pid, 'SIGTERM', platform)
      const pid = child.pid
      timers.push(setTimeout(() => killTree(pid, 'SIGKILL', platform), KILL_GRACE_MS))
    }
    function onAbort() {
      stop('cancelled')
    }

    drain(child.stdout, stdout, restartIdle)
    drain(child.stderr, stderr, restartIdle)
    for (const p of pipes) {
      p.once('close', () => {
        open--
        settleAfterExit()
      })
    }

    child.once('spawn', () => {
      spawned = true
    })
    child.on('error', (err) => {
      // Before 'spawn', an 'error' is the failure to start (ENOENT, EACCES, bad interpreter …);
      // after it, only a failed kill(), which the exit path already covers.
      if (!spawned) settle({ kind: 'spawn-error', err })
    })
    child.once('exit', (code, killedBy) => {
      exited = { code, killedBy }
      clearTimers()
      // Whatever the sensor left in its group dies with it; the group may already be empty.
      // Windows: taskkill cannot walk the tree of an exited parent; the pipe grace still holds.
      if (child.pid !== undefined && platform !== 'win32') killTree(child.pid, 'SIGKILL', platform)
      timers.push(setTimeout(() => afterPendingReads(false), PIPE_DRAIN_MAX_MS))
      restartIdle()
      settleAfterExit()
    })

    if (opts.timeoutMs > 0) {
      timers.push(setTimeout(() => stop('timeout'), Math.min(opts.timeoutMs, MAX_TIMER_MS)))
    }
    opts.cancel?.addEventListener('abort', onAbort, { once: true })
  })

  if (end.kind === 'spawn-error') {
    return finish({ status: Status.SpawnError, message: await describeSpawnError(end.err, opts) })
  }
  return finish(classify(end, stdout, opts))
}

type End =
  | { kind: 'spawn-error'; err: unknown }
  | {
      kind: 'exited'
      reason: Reason | undefined
      code: number | null
      killedBy: NodeJS.Signals | null
    }

/** The status of a process that ran, from how it ended and what it printed. */
function classify(
  end: Extract<End, { kind: 'exited' }>,
  stdout: HeadBuffer,
  opts: RunSensorOptions,
): Pick<SensorOutcome, 'status' | 'message' | 'exitCode' | 'killedBy'> {
  const exitCode = end.code ?? undefined
  if (end.reason === 'cancelled') {
    return { status: Status.Cancelled, message: 'cancelled while running', exitCode }
  }
  if (end.reason === 'timeout') {
    return {
      status: Status.Timeout,
      exitCode: TIMEOUT_EXIT_CODE,
      message: `timed out after ${formatSeconds(opts.timeoutMs)} s; raise the \`timeout\` input or make the sensor faster`,
    }
  }
  if (end.killedBy !== null) {
    return { status: Status.Killed, killedBy: end.killedBy, message: `killed by ${end.killedBy}` }
  }
  if (end.code !== 0) {
    return { status: Status.Failed, exitCode, message: `exited with code ${end.code}` }
  }
  if (stdout.total > opts.maxBytes) {
    return {
      status: Status.TooLarge,
      exitCode: 0,
      message:
        `printed ${stdout.total} bytes on stdout, over the max-bytes cap of ${opts.maxBytes}: ` +
        'emit a small normalized {signal,detail} snapshot, not a raw dump',
    }
  }
  const decoded = decodeJson(stdout.bytes())
  if (!decoded.ok) {
    return { status: Status.InvalidJson, exitCode: 0, message: decoded.reason }
  }
  return { status: Status.Ok, exitCode: 0, message: '' }
}

/** `1`, `1.5`, `0.25`: seconds as the user wrote them in the `timeout` input. */
function formatSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)))
}

/** The program and arguments: the shebang decides for an executable, bash otherwise. */
function commandFor(script: SensorScript, platform: NodeJS.Platform): [string, string[]] {
  if (platform === 'win32') {
    // No exec bit and no shebang on Windows: a `.sh` runs under the bash on PATH (Git Bash).
    if (script.path.toLowerCase().endsWith('.sh') || !script.executable) {
      return ['bash', [script.path]]
    }
    return [script.path, []]
  }
  return script.executable ? [script.path, []] : ['bash', [script.path]]
}

/** Ends the process group led by `pid` (POSIX) or the process tree under it (Windows). */
function killTree(pid: number, posixSignal: NodeJS.Signals, platform: NodeJS.Platform): void {
  if (platform === 'win32') {
    // taskkill walks the tree from a live parent only; /F because console programs ignore
    // the polite form. A one-shot system tool is what @actions/exec is for (it finds the .exe
    // on PATH and quotes for cmd); silent, since its output is no one's business, and its own
    // failure (the tree already gone, no taskkill at all) is of no interest either.
    exec('taskkill', ['/T', '/F', '/PID', String(pid)], {
      silent: true,
      ignoreReturnCode: true,
    }).catch(() => {})
    return
  }
  try {
    process.kill(-pid, posixSignal)
  } catch {
    // ESRCH: the group is already empty.
  }
}

/** One line for a sensor that could not be started, naming the cause and the fix. */
async function describeSpawnError(err: unknown, opts: RunSensorOptions): Promise<string> {
  const { script, cwd } = opts
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const raw = messageOf(err)
  const cwdOk = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  )
  if (!cwdOk) return `could not start ${script.path}: working directory ${cwd} is not a directory`
  const head = await readFile(script.path).then(
    (b) => b.subarray(0, 256).toString('utf8'),
    () => undefined,
  )
  if (head === undefined) return `could not start ${script.path}: the file cannot be read (${raw})`
  const runsUnderBash = commandFor(script, opts.platform ?? process.platform)[0] === 'bash'
  if (runsUnderBash && code === 'ENOENT') {
    return `could not start ${script.path}: bash was not found on PATH (${raw})`
  }
  const shebang = head.startsWith('#!') ? head.slice(2).split('\n')[0] : undefined
  const interpreter = shebang?.trim()
  // A file saved with Windows line endings has `#!/bin/bash\r`: the kernel looks for a program
  // named `bash\r`, which does not exist, although `/bin/bash` itself is fine.
  if (!runsUnderBash && shebang?.endsWith('\r') && (code === 'ENOENT' || code === 'EACCES')) {
    return (
      `could not start ${script.path}: the file has CRLF (Windows) line endings, so its #! line ` +
      `names \`${interpreter}\` followed by a carriage return, which cannot be run (${code}); ` +
      `convert it to LF line endings, e.g. \`sed -i 's/\\r$//' ${script.path}\`, and keep it ` +
      'so with a `.gitattributes` rule `*.sh text eol=lf`'
    )
  }
  if (!runsUnderBash && interpreter && (code === 'ENOENT' || code === 'EACCES')) {
    return (
      `could not start ${script.path}: its interpreter \`${interpreter}\` (the #! line) ` +
      `cannot be run (${code}); fix the #! line or install the interpreter`
    )
  }
  return `could not start ${script.path}: ${raw}`
}

/** Reads a pipe into `push`, calling `onData` after each chunk. A pipe error (the pipe was
 * destroyed after the grace) ends the reading; the bytes kept so far stand. */
function drain(stream: Readable | null, sink: { push(chunk: Buffer): void }, onData: () => void) {
  stream?.on('data', (chunk: Buffer) => {
    sink.push(chunk)
    onData()
  })
  stream?.on('error', () => {})
}

/** Keeps the first `limit` bytes of a stream and counts every byte. */
class HeadBuffer {
  total = 0
  private kept = 0
  private readonly chunks: Buffer[] = []
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length
    if (this.kept >= this.limit) return
    // A copy, so the kept bytes do not pin the (possibly much larger) pooled read buffer.
    const part = Buffer.from(chunk.subarray(0, this.limit - this.kept))
    this.chunks.push(part)
    this.kept += part.length
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.kept)
  }
}

/** Keeps the last `limit` bytes of a stream in a ring and counts every byte. */
class TailBuffer {
  total = 0
  private ring: Buffer | undefined
  /** Where the next byte goes; once the ring is full, also where the oldest byte is. */
  private pos = 0
  private filled = 0
  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length
    this.ring ??= Buffer.alloc(this.limit)
    const ring = this.ring
    let data = chunk
    if (data.length >= this.limit) {
      data.copy(ring, 0, data.length - this.limit)
      this.pos = 0
      this.filled = this.limit
      return
    }
    const first = Math.min(data.length, this.limit - this.pos)
    data.copy(ring, this.pos, 0, first)
    data = data.subarray(first)
    data.copy(ring, 0)
    this.pos = (this.pos + first + data.length) % this.limit
    this.filled = Math.min(this.limit, this.filled + first + data.length)
  }

  bytes(): Buffer {
    if (this.ring === undefined) return Buffer.alloc(0)
    if (this.filled < this.limit) return Buffer.from(this.ring.subarray(0, this.filled))
    return Buffer.concat([this.ring.subarray(this.pos), this.ring.subarray(0, this.pos)])
  }
}
