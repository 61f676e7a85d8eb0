/**
 * Annotations. GitHub shows at most 10 errors and 10 warnings per step, and the step's own
 * failure message is one of the 10 errors: so at most 9 sensor errors (the 9th folding the rest
 * when more failed) and at most 10 warnings (the 10th folding the rest). What to emit is a pure
 * plan; the host emits it through @actions/core, which escapes `%`, CR, LF (and `:` `,` in
 * properties), so no sensor text can bend the command line.
 */
import { isAbsolute, relative, sep } from 'node:path'
import { isFailure, type SenseResult, type SenseWarning, WarningCode } from '../sense/types.js'
import { toPosix } from '../util.js'
import { warnedSensors } from './format.js'
import { neutralise } from './log.js'

export interface Annotation {
  title: string
  message: string
  file?: string
  /** 1-based line in `file` (only with `file`). */
  line?: number
}

export interface AnnotationPlan {
  errors: Annotation[]
  warnings: Annotation[]
}

/** Sensor errors shown; one more would push the step's failure message out of view. */
export const MAX_ERROR_ANNOTATIONS = 9
/** Warnings shown per step by GitHub. */
export const MAX_WARNING_ANNOTATIONS = 10
/** The folded annotation lists names up to about this many characters. */
const FOLD_MESSAGE_CHARS = 1000

/**
 * `file` for an annotation: relative to the workspace, forward slashes. A path outside the
 * workspace cannot point at a file GitHub shows, so it gives no `file` at all.
 */
export function workspaceRelative(path: string | undefined, workspace: string): string | undefined {
  if (!path) return undefined
  const rel = relative(workspace, path)
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined
  return toPosix(rel)
}

/** Joins items with `, ` up to `max` characters, then ` …`. */
function listTruncated(items: string[], max: number): string {
  let out = ''
  for (const item of items) {
    const next = out === '' ? item : `${out}, ${item}`
    if (next.length > max) return out === '' ? `${item.slice(0, max)}…` : `${out}, …`
    out = next
  }
  return out
}

/**
 * The runner reads `##[` as a command only when a line is not a `::` command, which these lines
 * are; the text is neutralised all the same, at the cost of one invisible character.
 */
function withFile(a: Annotation, file: string | undefined, line?: number): Annotation {
  const safe = { title: neutralise(a.title), message: neutralise(a.message) }
  if (file === undefined) return safe
  return line === undefined ? { ...safe, file } : { ...safe, file, line }
}

/**
 * A warning per sensor that ended `warning`, with the plugin's output as its message. They
 * lead the warnings, so the cap folds setup warnings before it folds a plugin's.
 */
function sensorWarnings(result: SenseResult): SenseWarning[] {
  return warnedSensors(result).map((e) => ({
    code: WarningCode.SensorWarning,
    title: `${e.name}: warning`,
    message: e.message !== '' ? e.message : 'status warning',
    file: e.scriptPath,
  }))
}

/**
 * Pure: which annotations to emit for this result. `warnings` is every warning of the run, the
 * engine's and those of later phases, in the order they should be shown; a warning for each
 * sensor that ended `warning` comes before them, inside the same cap.
 */
export function planAnnotations(
  result: SenseResult,
  warnings: readonly SenseWarning[],
  workspace: string,
): AnnotationPlan {
  const failed = result.entries.filter((e) => isFailure(e.status))
  const errors: Annotation[] = []
  const namedErrors =
    failed.length > MAX_ERROR_ANNOTATIONS ? failed.slice(0, MAX_ERROR_ANNOTATIONS - 1) : failed
  for (const e of namedErrors) {
    const stderr = e.stderrTail.replace(/\s+$/, '')
    const message = stderr !== '' ? stderr : e.message !== '' ? e.message : `status ${e.status}`
    errors.push(
      withFile(
        { title: `${e.name}: ${e.status}`, message },
        workspaceRelative(e.scriptPath, workspace),
      ),
    )
  }
  if (failed.length > namedErrors.length) {
    const rest = failed.slice(namedErrors.length)
    errors.push(
      withFile(
        {
          title: `… and ${rest.length} more sensors failed`,
          message: listTruncated(
            rest.map((e) => `${e.name} (${e.status})`),
            FOLD_MESSAGE_CHARS,
          ),
        },
        undefined,
      ),
    )
  }

  const shown: Annotation[] = []
  const all = [...sensorWarnings(result), ...warnings]
  const namedWarnings: readonly SenseWarning[] =
    all.length > MAX_WARNING_ANNOTATIONS ? all.slice(0, MAX_WARNING_ANNOTATIONS - 1) : all
  for (const w of namedWarnings) {
    shown.push(
      withFile(
        { title: w.title, message: w.message },
        workspaceRelative(w.file, workspace),
        w.line,
      ),
    )
  }
  if (all.length > namedWarnings.length) {
    const rest = all.slice(namedWarnings.length)
    const byCode = new Map<string, number>()
    for (const w of rest) byCode.set(w.code, (byCode.get(w.code) ?? 0) + 1)
    const counts = [...byCode].map(([code, n]) => `${code}: ${n}`).join(', ')
    shown.push(
      withFile(
        {
          title: `… and ${rest.length} more warnings`,
          message: `${counts}. ${listTruncated(
            rest.map((w) => w.title),
            FOLD_MESSAGE_CHARS,
          )}`,
        },
        undefined,
      ),
    )
  }
  return { errors, warnings: shown }
}
