/**
 * Wording and units shared by every report (the markdown page, its plain-text twin, the log,
 * the failure message): one spelling of a verdict, a count, a duration, a size.
 */
import { type Entry, isFailure, type SenseResult, Status, sensorsOf } from '../sense/types.js'

/** `1 sensor`, `3 sensors`: the count with the noun that fits it. */
export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

/**
 * `12 of 12 sensors ok` / `2 of 12 sensors failed` / `no sensors`; warnings are neither ok nor
 * failed, so they are counted apart: `11 of 12 sensors ok, 1 warning` / `2 of 12 sensors
 * failed, 1 warning`.
 */
export function verdict(result: SenseResult): string {
  const sensors = sensorsOf(result.entries)
  const failed = sensors.filter((e) => isFailure(e.status)).length
  const warned = warnedSensors(result).length
  const noun = sensors.length === 1 ? 'sensor' : 'sensors'
  if (sensors.length === 0) return 'no sensors'
  const also = warned > 0 ? `, ${plural(warned, 'warning', 'warnings')}` : ''
  if (failed === 0) return `${sensors.length - warned} of ${sensors.length} ${noun} ok${also}`
  return `${failed} of ${sensors.length} ${noun} failed${also}`
}

/** The sensors that ended `warning`, in name order. */
export function warnedSensors(result: SenseResult): Entry[] {
  return sensorsOf(result.entries).filter((e) => e.status === Status.Warning)
}

/** `3 attempts` for a sensor that was retried, empty when it ran once. */
export function attemptsNote(e: Entry): string {
  return e.attempts > 1 ? `${e.attempts} attempts` : ''
}

/** `340 ms`, `1.2 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)} min ${s % 60} s`
}

/** `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`
}

/** UTF-8 size of a text: what GitHub's limits count. */
export function bytesOf(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** The first `max` UTF-16 units, with `…` when cut; a surrogate pair is never split. */
export function keepStart(s: string, max: number): string {
  if (s.length <= max) return s
  let end = max - 1
  if (/[\uD800-\uDBFF]/.test(s.charAt(end - 1))) end--
  return `${s.slice(0, end)}…`
}

/** The last `max` UTF-16 units, with `…` in front when cut: the end of stderr says the most. */
export function keepEnd(s: string, max: number): string {
  if (s.length <= max) return s
  let start = s.length - (max - 1)
  if (/[\uDC00-\uDFFF]/.test(s.charAt(start))) start++
  return `…${s.slice(start)}`
}

export function normaliseNewlines(s: string): string {
  return s.replace(/\r\n?/g, '\n')
}

/** The note a flapping sensor's row carries, empty otherwise. */
export function flappingNote(e: Entry): string {
  return e.streak >= 3 ? `flapping: signal changed ${e.streak} runs in a row` : ''
}

/** Failed sensors first (what a reader came for), then warnings, each group in name order. */
export function failedFirst(result: SenseResult): Entry[] {
  const sensors = sensorsOf(result.entries)
  const warning = (e: Entry) => e.status === Status.Warning
  return [
    ...sensors.filter((e) => isFailure(e.status)),
    ...sensors.filter(warning),
    ...sensors.filter((e) => !isFailure(e.status) && !warning(e)),
  ]
}

/** A probe's signal is shown up to this many characters. */
export const PROBE_SIGNAL_CHARS = 300

/** A probe's wake signal as one line of JSON (its hash when the signal was not kept). */
export function probeSignalText(p: Entry): string | undefined {
  return p.probeSignal === undefined
    ? undefined
    : (JSON.stringify(p.probeSignal) ?? String(p.probeSignal))
}
