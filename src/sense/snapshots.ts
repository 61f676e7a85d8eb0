/**
 * The snapshots directory: atomic publishing, pruning of what this action owns, index.json.
 *
 * Invariants:
 * - Every file is published by rename from a fresh temporary file in the same folder: a reader
 *   sees the old file or the new one, never half of one; and rename replaces a symlink planted
 *   at the target path instead of writing through it.
 * - Only the four file shapes of names.ts are ours; no other file in the folder is ever touched.
 */
import { randomBytes } from 'node:crypto'
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { lstat, mkdir, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { isOwnedFile } from './names.js'

/** Writes `bytes` to `dir/fileName` atomically; returns the absolute path. */
export async function publish(
  dir: string,
  fileName: string,
  bytes: Buffer | string,
): Promise<string> {
  const target = path.join(dir, fileName)
  // Short and fixed-length, so any snapshot name that fits the file system has a temporary
  // name that fits too; `wx` fails rather than follow anything already at that name.
  const temp = path.join(dir, `.looop-${randomBytes(6).toString('hex')}.tmp`)
  // A small file is written synchronously: three thread-pool round trips cost more than the
  // write itself. A large one stays asynchronous, so it never stalls the sensors' pipes.
  if (Buffer.byteLength(bytes) <= SYNC_PUBLISH_MAX_BYTES) {
    try {
      writeFileSync(temp, bytes, { flag: 'wx' })
      renameSync(temp, target)
    } catch (error) {
      rmSync(temp, { force: true })
      throw error
    }
    return target
  }
  try {
    await writeFile(temp, bytes, { flag: 'wx' })
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  return target
}

/** Files up to this size are published with synchronous calls (see `publish`). */
const SYNC_PUBLISH_MAX_BYTES = 1024 * 1024

/** Removes `dir/fileName` if present (a symlink is removed, never followed). */
export async function remove(dir: string, fileName: string): Promise<void> {
  try {
    await unlink(path.join(dir, fileName))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/**
 * Creates the folder when missing and removes files of the owned shapes that `keep` does not
 * name, so that a deleted sensor's snapshot cannot linger in the hash. Directories are never
 * removed, whatever their name. Returns the removed file names, and the owned names `keep`
 * kept that were there: a later `remove` of any other name has nothing to do (the action alone
 * writes these shapes while it runs), so it can be skipped.
 */
export async function prepareDirectory(
  dir: string,
  keep: ReadonlySet<string>,
): Promise<{ removed: string[]; present: ReadonlySet<string> }> {
  await mkdir(dir, { recursive: true })
  const removed: string[] = []
  const present = new Set<string>()
  for (const name of await readdir(dir)) {
    if (keep.has(name)) present.add(name)
    if (!isOwnedFile(name) || keep.has(name)) continue
    const stat = await lstat(path.join(dir, name))
    if (stat.isDirectory()) continue
    await remove(dir, name)
    removed.push(name)
  }
  return { removed: removed.sort(), present }
}
