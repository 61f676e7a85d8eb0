/**
 * Small helpers every layer shares. No I/O, no @actions/core: the sense engine imports these too.
 */
import path from 'node:path'

/** The message of anything thrown: an Error's `message`, else its string form. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Byte order of UTF-8, the one order of names in this action (the world hash, index.json,
 * discovery, claims): unlike locale order it is the same on every machine.
 */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** A path with forward slashes, as index.json, annotations and messages show it on every OS. */
export function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/')
}
