/**
 * Where the action reports: a GitHub runner, or a terminal. The one place that tells the two
 * apart (`GITHUB_ACTIONS=true`); everything else asks the host.
 *
 * In a runner, reports are workflow commands, the job summary file, annotations and the
 * GITHUB_OUTPUT file. In a terminal no workflow command is ever printed: the summary is plain
 * text, warnings are `warning: …` lines, outputs are `name=value` lines (never the deprecated
 * `::set-output` that @actions/core falls back to), and a failure sets the exit code.
 */
import { appendFile, stat } from 'node:fs/promises'
import * as core from '@actions/core'
import type { Outputs } from '../constants.js'
import type { Redactor } from '../redact.js'
import { type SenseResult, type SenseWarning, WarningCode } from '../sense/types.js'
import { messageOf } from '../util.js'
import type { AnnotationPlan } from './annotations.js'
import { logResult } from './log.js'
import { renderSummary, SUMMARY_LIMIT, type SummaryExtras } from './summary.js'
import { buildTextSummary } from './text-summary.js'

export interface Host {
  readonly inRunner: boolean
  /**
   * From this call on, the redactor's values are replaced by `***` in everything the host
   * writes (log lines, annotations, notices, outputs, the summary, the failure message), and a
   * runner is told to mask them too.
   */
  redact(redactor: Redactor): void
  /** The per-sensor log lines. */
  log(result: SenseResult): void
  notice(message: string): void
  writeOutputs(values: Record<Outputs, string>): void
  /** Writes the summary; what kept it from being written comes back as a warning. */
  writeSummary(result: SenseResult, extras: SummaryExtras): Promise<SenseWarning | undefined>
  annotate(plan: AnnotationPlan): void
  /** The one way the step fails. */
  fail(message: string): void
}

export function hostFor(env: NodeJS.ProcessEnv): Host {
  return env.GITHUB_ACTIONS === 'true' ? runnerHost(env) : terminalHost(env)
}

/**
 * @github/local-action runs src/main.ts with @actions/core replaced by its stub, whose
 * setOutput fills the "Action Outputs" table it prints at the end (the real one, without
 * GITHUB_OUTPUT, would print the deprecated `::set-output`). Its launcher sets
 * TARGET_ACTION_PATH to the action's folder for the run; nothing else sets it.
 */
function underLocalAction(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.TARGET_ACTION_PATH)
}

function runnerHost(env: NodeJS.ProcessEnv): Host {
  let redactor: Redactor | undefined
  const clean = (text: string): string => redactor?.text(text) ?? text
  return {
    inRunner: true,
    redact: (r) => {
      if (!r.active) return
      // `::add-mask::` carries the value itself: registered before the streams are filtered.
      for (const form of r.forms) core.setSecret(form)
      redactor = r
      redactStreams(r)
    },
    log: logResult,
    // Commands escape `%`, CR, LF (and `:` `,` in properties) before the streams see them, so a
    // value holding one is replaced here, ahead of the escaping, as well.
    notice: (message) => core.notice(clean(message)),
    writeOutputs: (values) => {
      // core.setOutput writes GITHUB_OUTPUT with a heredoc delimiter for multi-line values;
      // without that file it would print `::set-output`, so print plain lines instead.
      if (env.GITHUB_OUTPUT)
        for (const [name, value] of Object.entries(values)) core.setOutput(name, clean(value))
      else printOutputs(values)
    },
    writeSummary: async (result, extras) => {
      try {
        await appendStepSummary(env.GITHUB_STEP_SUMMARY, result, extras, clean)
        return undefined
      } catch (error) {
        return summaryNotWritten(error)
      }
    },
    annotate: (plan) => {
      // core escapes `%`, CR, LF (and `:` `,` in properties): no text can bend the command.
      for (const a of plan.errors) core.error(clean(a.message), annotationProperties(a, clean))
      for (const a of plan.warnings) core.warning(clean(a.message), annotationProperties(a, clean))
    },
    fail: (message) => core.setFailed(clean(message)),
  }
}

function terminalHost(env: NodeJS.ProcessEnv): Host {
  hideDebugLines()
  let redactor: Redactor | undefined
  return {
    inRunner: false,
    // No `::add-mask::`: outside a runner it would only print the secret.
    redact: (r) => {
      if (!r.active) return
      redactor = r
      redactStreams(r)
    },
    // The text summary says all of it, without commands.
    log: () => {},
    notice: (message) => {
      process.stdout.write(`${message}\n`)
    },
    writeOutputs: (values) => {
      if (!underLocalAction(env)) return printOutputs(values)
      for (const [name, value] of Object.entries(values)) {
        core.setOutput(name, redactor?.text(value) ?? value)
      }
    },
    writeSummary: async (result, extras) => {
      process.stdout.write(`${buildTextSummary(result, extras)}\n`)
      return undefined
    },
    annotate: (plan) => {
      // The errors are in the text summary already.
      const lines = plan.warnings.map(
        (a) =>
          `warning: ${a.title}${a.file ? ` (${a.file}${a.line ? `:${a.line}` : ''})` : ''}: ${a.message}\n`,
      )
      process.stdout.write(lines.join(''))
    },
    fail: (message) => {
      process.stderr.write(`Error: ${message}\n`)
      process.exitCode = 1
    },
  }
}

function printOutputs(values: Record<Outputs, string>): void {
  const lines = Object.entries(values).map(([name, value]) => `${name}=${value}\n`)
  process.stdout.write(lines.join(''))
}

function annotationProperties(
  a: { title: string; file?: string; line?: number },
  clean: (text: string) => string,
): core.AnnotationProperties {
  const title = clean(a.title)
  if (a.file === undefined) return { title }
  const file = clean(a.file)
  return a.line === undefined ? { title, file } : { title, file, startLine: a.line }
}

/**
 * Appends the summary page to the step's summary file. The budget is SUMMARY_LIMIT less what
 * the file already holds, so the step's summary as a whole stays under GitHub's 1 MiB limit.
 * Throws when there is no file (old GitHub Enterprise Servers) or when nothing useful fits.
 */
export async function appendStepSummary(
  file: string | undefined,
  result: SenseResult,
  extras: SummaryExtras,
  /** `redact`; it only shortens text (`***` is shorter than any value), so the budget holds. */
  redact: (text: string) => string = (text) => text,
): Promise<void> {
  if (!file) {
    throw new Error('GITHUB_STEP_SUMMARY is unset: this runner has no job summaries')
  }
  const already = await stat(file).then(
    (s) => s.size,
    // Not created yet: nothing written so far.
    () => 0,
  )
  // One newline follows the page.
  const text = renderSummary(result, extras, SUMMARY_LIMIT - already - 1)
  if (text === '') {
    throw new Error(
      `this step's summary already holds ${already} bytes, and GitHub drops a step summary past 1 MiB`,
    )
  }
  await appendFile(file, `${redact(text)}\n`)
}

/** A summary that could not be written costs a warning, never the outputs or the verdict. */
function summaryNotWritten(error: unknown): SenseWarning {
  return {
    code: WarningCode.SummaryNotWritten,
    title: 'job summary not written',
    message: `The job summary was not written (${messageOf(error)}). Outputs, snapshots and index.json are complete.`,
  }
}

/**
 * Log lines, annotations, notices and the failure message all leave through stdout and stderr
 * (@actions/core writes each command in one call), as do the terminal's summary and outputs, and
 * the libraries' own messages: filtering the two streams is what makes "everything" hold.
 */
function redactStreams(r: Redactor): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') return write(r.text(chunk), ...rest)
      if (chunk instanceof Uint8Array) return write(r.bytes(Buffer.from(chunk)), ...rest)
      return write(chunk, ...rest)
    }) as typeof stream.write
  }
}

/**
 * Outside a runner nothing hides `::debug::` lines (@actions/glob prints a handful per pattern
 * through @actions/core, with no switch to turn them off), so they are dropped from stdout; in a
 * runner they stay, for ACTIONS_STEP_DEBUG.
 */
function hideDebugLines(): void {
  const write = process.stdout.write.bind(process.stdout) as (
    chunk: unknown,
    ...rest: unknown[]
  ) => boolean
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
    typeof chunk === 'string' && chunk.startsWith('::debug::')
      ? true
      : write(chunk, ...rest)) as typeof process.stdout.write
}
