/**
 * Which artifacts the merge joins: those of this run whose name matches `pattern` and ends
 * `-<k>-of-<n>`. Pure. Artifacts sharing a base name (`snapshots-linux` in
 * `snapshots-linux-2-of-3`) are one matrix; a pattern may take in several, and each must be
 * complete. Whatever is wrong with the set (shards missing, shards disagreeing on n) is a
 * problem that fails the step once everything is written; the shards that are there are merged
 * all the same, so the evidence is never lost.
 */
import { parseShardArtifactName } from '../sense/shard.js'
import { compareBytes } from '../util.js'

export interface ListedArtifact {
  id: number
  name: string
  digest?: string
}

export interface ShardArtifact extends ListedArtifact {
  k: number
  n: number
}

export interface ShardPlan {
  /** The artifacts to merge: for each matrix (artifacts sharing a base name), one per shard. */
  shards: ShardArtifact[]
  /** Each fails the step, after the merge is written. */
  problems: string[]
  /** Names that matched `pattern` but do not end `-<k>-of-<n>`: left out, with a warning. */
  ignored: string[]
}

/** No artifact of the run matched: nothing to merge at all. */
export class NothingToMergeError extends Error {
  override name = 'NothingToMergeError'
}

/** `*` matches any run of characters (none too), `?` one; everything else is literal. */
export function patternRegExp(pattern: string): RegExp {
  const body = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('')
  return new RegExp(`^${body}$`, 's')
}

export function planShards(artifacts: readonly ListedArtifact[], pattern: string): ShardPlan {
  const re = patternRegExp(pattern)
  const matched = artifacts
    .filter((a) => re.test(a.name))
    .sort((a, b) => compareBytes(a.name, b.name))
  if (matched.length === 0) {
    const seen = artifacts.map((a) => a.name).sort(compareBytes)
    throw new NothingToMergeError(
      `No artifact of this run matches \`pattern\` "${pattern}" (this run has ${seen.length === 0 ? 'no artifact' : `${seen.join(', ')}`}). ` +
        "Run the shard jobs with `shard: k/n` and an upload, list them in this job's `needs:`, and set `pattern` to their `<artifact-name>-*-of-*`.",
    )
  }
  const ignored: string[] = []
  const parsed: ShardArtifact[] = []
  for (const a of matched) {
    const shard = parseShardArtifactName(a.name)
    if (!shard || shard.k > shard.n) ignored.push(a.name)
    else parsed.push({ ...a, k: shard.k, n: shard.n })
  }
  if (parsed.length === 0) {
    throw new NothingToMergeError(
      `The artifacts matching \`pattern\` "${pattern}" (${ignored.join(', ')}) are not shards: none ends \`-<k>-of-<n>\`. Set \`pattern\` to the shard jobs' \`<artifact-name>-*-of-*\`.`,
    )
  }

  // One matrix per base name (`snapshots-linux`, `snapshots-macos`): each must be complete.
  const problems: string[] = []
  const shards: ShardArtifact[] = []
  const bases = [...new Set(parsed.map((a) => baseOf(a)))].sort(compareBytes)
  for (const base of bases) {
    const group = parsed.filter((a) => baseOf(a) === base)
    const counts = [...new Set(group.map((a) => a.n))].sort((a, b) => a - b)
    const n = counts.at(-1) as number
    if (counts.length > 1) {
      problems.push(
        `The shards of "${base}" disagree on n: ${counts.map((c) => sayN(group, c)).join('; ')}. Every job of one matrix must use the same \`k/n\`.`,
      )
    }
    const missing: number[] = []
    for (let k = 1; k <= n; k++) {
      const found = group.filter((a) => a.k === k)
      if (found.length === 0) missing.push(k)
      shards.push(...found)
    }
    if (missing.length > 0) {
      const one = missing.length === 1
      problems.push(
        `${one ? 'Shard' : 'Shards'} ${missing.join(', ')} of ${n} ${one ? 'is' : 'are'} missing: no artifact ${missing.map((k) => `"${base}-${k}-of-${n}"`).join(', ')} in this run. Did ${one ? 'that job' : 'those jobs'} fail before the upload, or get skipped?`,
      )
    }
  }
  return { shards, problems, ignored }
}

/** `a-1-of-2 says 2`, `a-1-of-2, a-2-of-2 say 2`. */
function sayN(group: ShardArtifact[], n: number): string {
  const names = group.filter((a) => a.n === n).map((a) => a.name)
  return `${names.join(', ')} ${names.length === 1 ? 'says' : 'say'} ${n}`
}

function baseOf(a: ShardArtifact): string {
  return a.name.slice(0, a.name.length - `-${a.k}-of-${a.n}`.length)
}
