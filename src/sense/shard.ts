/**
 * `shard: k/n`: which of n matrix jobs runs a sensor, and how a shard's artifact is named.
 * Pure: no I/O, no @actions/core.
 *
 * Invariants:
 * - A sensor's shard depends on its snapshot name and n alone, never on the other sensors:
 *   adding or removing a sensor moves no other, and every job of the matrix computes the same
 *   partition without talking to the others.
 * - Every snapshot name is in exactly one of the shards 1..n.
 * - Probes run in shard 1 only, so the merged world holds each probe once.
 * - A shard's artifact is `<artifact-name>-<k>-of-<n>`, the one shape the merge step parses.
 */
import { createHash } from 'node:crypto'

/** One job's part of the matrix: shard `index` (1-based, the `k` of `k/n`) of `count`. */
export interface Shard {
  index: number
  count: number
}

/**
 * The shard (1..n) a snapshot name belongs to: the first 48 bits of sha256(name), mod n. A
 * cryptographic hash spreads similar names (`disk-1`, `disk-2`) as evenly as unrelated ones,
 * and 48 bits keep the modulo bias below 2^-30 for any n a matrix can have.
 */
export function shardOf(snapshotName: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`shard count must be ≥ 1, got ${n}`)
  const digest = createHash('sha256').update(snapshotName, 'utf8').digest()
  return (digest.readUIntBE(0, 6) % n) + 1
}

/** True when the snapshot name runs in this job (always, without a shard). */
export function inShard(snapshotName: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOf(snapshotName, shard.count) === shard.index
}

/** Probes belong to shard 1 only. */
export function runsProbes(shard: Shard | undefined): boolean {
  return shard === undefined || shard.index === 1
}

/** `<base>-<k>-of-<n>`: shard artifacts of one matrix never clash, and the merge can read k and n. */
export function shardArtifactName(base: string, shard: Shard): string {
  return `${base}-${shard.index}-of-${shard.count}`
}

/** `k` and `n` from a shard artifact's name, or undefined when it does not end `-<k>-of-<n>`. */
export function parseShardArtifactName(
  name: string,
): { base: string; k: number; n: number } | undefined {
  const match = /^(.*)-([1-9]\d*)-of-([1-9]\d*)$/.exec(name)
  if (!match) return undefined
  return { base: match[1] as string, k: Number(match[2]), n: Number(match[3]) }
}
