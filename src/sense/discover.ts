/**
 * Discovery: the `sensors` patterns → the sensor scripts, each with its name. Invariants:
 * - Files only (symlinks to files count), sorted by path in byte order, each once.
 * - Patterns are relative to the working directory, never to process.cwd().
 * - A script's name is its path relative to its pattern's base (see `sensorName`); a file
 *   matched by several patterns is named by the first of them, in input order.
 * - Two scripts with one name are an input error (DiscoveryError) before anything runs.
 * - No match is an empty list, not an error: the caller applies `if-no-sensors`.
 * @actions/glob prints `::debug::` lines through @actions/core; this module never imports core.
 */
import { promises as fs } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as glob from '@actions/glob'
import { compareBytes, messageOf, toPosix } from '../util.js'
import { sensorSnapshotName, snapshotFile } from './names.js'
import type { SensorScript } from './types.js'

/** A bad `sensors` input: the message names the patterns or files and the fix. */
export class DiscoveryError extends Error {
  override name = 'DiscoveryError'
}

const IS_WINDOWS = process.platform === 'win32'
const SEPARATOR = IS_WINDOWS ? /[\\/]+/ : /\/+/

/**
 * The name rule, pure: `relativeToBase` uses `/` (or the platform separator); its last
 * extension is removed, `/` becomes `.`, and any character outside `[A-Za-z0-9._-]` becomes `_`
 * (one `_` per UTF-16 code unit). `net/ping.sh` → `net.ping`; `a b/c+d.sh` → `a_b.c_d`.
 */
export function sensorName(relativeToBase: string): string {
  const segments = relativeToBase.split(SEPARATOR).filter((s) => s !== '' && s !== '.')
  const last = segments.length - 1
  if (last >= 0) {
    // extname keeps dot-files whole: `.env` has no extension, `.env.sh` has `.sh`.
    const ext = path.posix.extname(segments[last])
    segments[last] = segments[last].slice(0, segments[last].length - ext.length)
  }
  return segments.join('.').replace(/[^A-Za-z0-9._-]/g, '_')
}

/**
 * The literal text of one pattern segment, or `undefined` when the segment holds a glob
 * (`*`, `?`, or a `[...]` set of more than one character), following @actions/glob: a
 * backslash escapes the next character (not on Windows, where it separates), and a one-char
 * set like `[*]` is that character.
 */
function literalSegment(segment: string): string | undefined {
  let literal = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]
    if (c === '\\' && !IS_WINDOWS && i + 1 < segment.length) {
      literal += segment[++i]
      continue
    }
    if (c === '*' || c === '?') return undefined
    if (c === '[' && i + 1 < segment.length) {
      let set = ''
      let closed = -1
      for (let j = i + 1; j < segment.length; j++) {
        const d = segment[j]
        if (d === '\\' && !IS_WINDOWS && j + 1 < segment.length) {
          set += segment[++j]
        } else if (d === ']') {
          closed = j
          break
        } else {
          set += d
        }
      }
      if (closed >= 0) {
        if (set.length > 1) return undefined
        if (set.length === 1) {
          literal += set
          i = closed
          continue
        }
      }
    }
    literal += c
  }
  return literal
}

/**
 * The folders before the first segment with a glob character, unescaped, joined by `/`; for a
 * pattern without glob characters, its own folder. `.` when that is the pattern's starting
 * point. A leading `!` is not part of a pattern: strip it first. `sensors/**\/*.sh` →
 * `sensors`; `checks/disk.sh` → `checks`; `*.sh` → `.`; `/opt/s/*.sh` → `/opt/s`.
 */
export function patternBase(pattern: string): string {
  const absolute = pattern.startsWith('/') || (IS_WINDOWS && /^([A-Za-z]:)?[\\/]/.test(pattern))
  const segments = pattern.split(SEPARATOR).filter((s) => s !== '')
  const literals: string[] = []
  let sawGlob = false
  for (const segment of segments) {
    const literal = literalSegment(segment)
    if (literal === undefined) {
      sawGlob = true
      break
    }
    literals.push(literal)
  }
  // Without a glob the last segment is the file itself; its folder is the base.
  if (!sawGlob) literals.pop()
  const joined = literals.join('/')
  if (absolute && !IS_WINDOWS) return `/${joined}`
  return joined === '' ? '.' : joined
}

/**
 * Escapes a literal path for @actions/glob, as it escapes process.cwd() itself, so that a
 * working directory named `a[1]` or `x*` matches only itself (one with a line break, also
 * whatever differs from it in that character alone).
 */
function globEscape(literal: string): string {
  return (
    (IS_WINDOWS ? literal : literal.replace(/\\/g, '\\\\'))
      .replace(/(\[)(?=[^/]+\])/g, '[[]')
      .replace(/\?/g, '[?]')
      .replace(/\*/g, '[*]')
      // @actions/glob splits its input at line breaks, and no escape keeps one in a pattern: a
      // folder name holding one is matched by `?` (any one character) in its place instead.
      .replace(/\r|\n/g, '?')
  )
}

interface ParsedPattern {
  /** The line as the user wrote it (trimmed), for messages. */
  text: string
  negate: boolean
  /** Absolute, with the working directory escaped: what @actions/glob is given. */
  absolute: string
  /** Absolute folder that names are relative to (used for includes). */
  base: string
}

/**
 * One `sensors` line → an absolute pattern whose literal starting folder is escaped, so a
 * working directory named `a[1]` or `x*` matches only itself. A relative pattern starts at the
 * working directory, `~/…` at the home folder, an absolute one at its root; leading `.` and `..`
 * segments are resolved here (so `../shared/*.sh` works), which @actions/glob would refuse.
 */
function parsePattern(line: string, workingDirectory: string): ParsedPattern {
  let text = line.trim()
  let negate = false
  while (text.startsWith('!')) {
    negate = !negate
    text = text.slice(1).trim()
  }
  if (text === '') {
    throw new DiscoveryError(
      `sensors: the line ${JSON.stringify(line.trim())} has no pattern after "!"; ` +
        'write "!<pattern>" to exclude files, e.g. "!sensors/slow.sh", or remove the line',
    )
  }
  let start: string
  let rest: string
  if (text === '~' || /^~[\\/]/.test(text)) {
    start = os.homedir()
    rest = text.slice(1)
  } else if (path.isAbsolute(text)) {
    start = path.parse(text).root
    rest = text.slice(start.length)
  } else {
    start = workingDirectory
    rest = text
  }
  const segments = rest.split(SEPARATOR).filter((s) => s !== '')
  while (segments.length > 1 && (segments[0] === '.' || segments[0] === '..')) {
    start = path.resolve(start, segments.shift() as string)
  }
  rest = segments.join('/')
  const absolute = `${globEscape(start)}${start.endsWith(path.sep) ? '' : '/'}${rest}`
  return { text: line.trim(), negate, absolute, base: path.resolve(start, patternBase(rest)) }
}

/**
 * Throws the error that names `pattern`'s own line when @actions/glob refuses it alone. Called
 * only after a combined globber was refused: one `glob.create` per line up front would cost
 * every run's cold start for the rare bad pattern.
 */
async function validateAlone(pattern: ParsedPattern, workingDirectory: string): Promise<void> {
  try {
    await glob.create(pattern.absolute, GLOB_OPTIONS)
  } catch (err) {
    throw new DiscoveryError(
      `sensors: the pattern ${JSON.stringify(pattern.text)} is not usable: ${messageOf(err)}. ` +
        `Patterns are relative to working-directory (${workingDirectory}); "." and ".." may ` +
        'only lead a pattern, e.g. "../shared/*.sh"',
    )
  }
}

/** Files only, symlinks followed (a link to a file is a sensor), broken links skipped. */
const GLOB_OPTIONS: glob.GlobOptions = {
  implicitDescendants: false,
  matchDirectories: false,
  followSymbolicLinks: true,
  omitBrokenSymbolicLinks: true,
}

/** Path relative to the working directory, with `/`, for messages. */
function shown(file: string, workingDirectory: string): string {
  return toPosix(path.relative(workingDirectory, file))
}

/**
 * Finds the sensor scripts. `patterns` are the `sensors` input's lines: blank lines, surrounding
 * whitespace and `#` comment lines are ignored; a `!pattern` line excludes its matches from
 * every include pattern, wherever it stands. `workingDirectory` may be relative (to cwd).
 */
export async function discoverSensors(
  patterns: string[],
  workingDirectory: string,
  /** Absolute folders whose files are never sensors (the snapshots directory). */
  excludeDirs: readonly string[] = [],
): Promise<SensorScript[]> {
  const wd = path.resolve(workingDirectory)
  const lines = patterns
    .flatMap((p) => p.split(/\r?\n|\r/))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
  const parsed = lines.map((line) => parsePattern(line, wd))
  const includes = parsed.filter((p) => !p.negate)
  const excludes = parsed.filter((p) => p.negate)
  const excludeLines = excludes.map((p) => `!${p.absolute}`)

  // One globber per include: @actions/glob does not say which pattern matched a file, and the
  // name depends on the matching pattern's base.
  const matchesPerInclude = await Promise.all(
    includes.map(async (include) => {
      let globber: glob.Globber
      try {
        globber = await glob.create([include.absolute, ...excludeLines].join('\n'), GLOB_OPTIONS)
      } catch (err) {
        // Name the line at fault when one is refused alone; else the combination is.
        for (const p of [include, ...excludes]) await validateAlone(p, wd)
        throw new DiscoveryError(
          `sensors: searching for ${JSON.stringify(include.text)} failed: ${messageOf(err)}`,
        )
      }
      try {
        return await globber.glob()
      } catch (err) {
        throw new DiscoveryError(
          `sensors: searching for ${JSON.stringify(include.text)} failed: ${messageOf(err)}`,
        )
      }
    }),
  )

  // First pattern in input order wins the naming of a file.
  const baseOf = new Map<string, string>()
  matchesPerInclude.forEach((files, i) => {
    for (const file of files) {
      if (!baseOf.has(file)) baseOf.set(file, includes[i].base)
    }
  })

  const scripts: SensorScript[] = []
  const excluded = (file: string) =>
    excludeDirs.some((dir) => {
      const rel = path.relative(dir, file)
      return !rel.startsWith('..') && !path.isAbsolute(rel)
    })
  for (const file of [...baseOf.keys()].sort(compareBytes)) {
    if (excluded(file)) continue
    // stat follows symlinks: a link to a file is a sensor, anything but a regular file is not.
    const stat = await fs.stat(file).catch(() => undefined)
    if (stat === undefined || !stat.isFile()) continue
    const relative = path.relative(baseOf.get(file) as string, file)
    const name = sensorName(relative)
    scripts.push({
      name,
      snapshotName: sensorSnapshotName(name),
      path: file,
      executable: (stat.mode & 0o111) !== 0,
    })
  }

  const byName = new Map<string, SensorScript[]>()
  for (const script of scripts) {
    const same = byName.get(script.name)
    if (same) same.push(script)
    else byName.set(script.name, [script])
  }
  const clashes = [...byName.values()].filter((same) => same.length > 1)
  if (clashes.length > 0) {
    const described = clashes.map(
      (same) =>
        `${same.length} scripts would be named ${JSON.stringify(same[0].name)} ` +
        `(${snapshotFile(same[0].snapshotName)}): ${same.map((s) => JSON.stringify(shown(s.path, wd))).join(', ')}`,
    )
    const example = shown(clashes[0][1].path, wd)
    throw new DiscoveryError(
      `sensors: ${described.join('; ')}. Each sensor needs its own name: rename one of them, ` +
        `or exclude one with a "!" line in the sensors input, e.g. "!${example}"`,
    )
  }
  // The temporary file a snapshot is published through has a short name of its own; the
  // snapshot's own name must fit the file-system limit.
  const tooLong = scripts.filter(
    (s) => Buffer.byteLength(snapshotFile(s.snapshotName)) > MAX_FILE_NAME,
  )
  if (tooLong.length > 0) {
    throw new DiscoveryError(
      `sensors: ${tooLong.map((s) => JSON.stringify(shown(s.path, wd))).join(', ')} would get a ` +
        `snapshot file name over ${MAX_FILE_NAME} bytes. Shorten the folder or file names, or ` +
        'start the pattern deeper (the name is the path below the first folder with a glob).',
    )
  }
  return scripts
}

/** Longest file name (bytes) that common file systems (ext4, APFS, NTFS) accept. */
const MAX_FILE_NAME = 255
