/**
 * runMerge(): inputs → list this run's shard artifacts → download → combine → the main
 * action's own phases (log, upload, outputs, summary, annotations, verdict: finish.ts) → fail
 * or not. As in the main action, the step fails last: a missing shard, a clash or a failed
 * sensor never costs the user the merged folder, the summary or the outputs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { reportAndFinish } from '../finish.js'
import { resolvePrevious } from '../previous/source.js'
import { hostFor } from '../report/host.js'
import { mapBounded } from '../sense/sense.js'
import { type SenseWarning, WarningCode } from '../sense/types.js'
import { downloadRunArtifact, listRunArtifacts } from '../upload/artifact.js'
import { messageOf } from '../util.js'
import { combineShards, type DownloadedShard } from './combine.js'
import { getMergeInputs, MergeInputs } from './inputs.js'
import { planShards } from './plan.js'

/** Downloads in flight at once: enough to hide latency, few enough to spare the service. */
const DOWNLOADS_AT_ONCE = 4

export async function runMerge(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const host = hostFor(env)
  const failures: string[] = []
  let temp: string | undefined
  try {
    const inputs = getMergeInputs(env)
    // The merged artifact's previous beat, found as the main action finds its own.
    const previous = await resolvePrevious(inputs.previous, {
      env,
      token: inputs.githubToken,
      artifactName: inputs.artifactName,
    })
    const warnings: SenseWarning[] = [...previous.warnings]

    const plan = planShards(await listRunArtifacts(env), inputs.pattern)
    for (const name of plan.ignored) {
      warnings.push({
        code: WarningCode.NotAShard,
        title: `${name}: not a shard`,
        message: `The artifact "${name}" matches \`${MergeInputs.Pattern}\` but does not end \`-<k>-of-<n>\`, so it was not merged. Narrow the pattern to the shard jobs' artifacts.`,
      })
    }
    const problems = [...plan.problems]

    // Downloads go beside the job's other temporary files, never into the workspace.
    temp = await mkdtemp(path.join(env.RUNNER_TEMP || tmpdir(), 'looop-merge-'))
    const base = temp
    const downloaded = await mapBounded(plan.shards, DOWNLOADS_AT_ONCE, async (artifact) => {
      // Named by position: artifact names may hold characters a file system refuses.
      const dir = path.join(base, String(plan.shards.indexOf(artifact)))
      try {
        await downloadRunArtifact(artifact, dir, env)
        return [{ artifact, dir }]
      } catch (error) {
        problems.push(
          `Shard ${artifact.k} of ${artifact.n} ("${artifact.name}") is missing from the merge: ${messageOf(error)}`,
        )
        return []
      }
    })
    const shards: DownloadedShard[] = downloaded.flat()

    const combined = await combineShards(shards, {
      snapshotsDir: inputs.snapshotsDir,
      workspace: inputs.workspace,
      previous: previous.source,
      env,
    })
    const notices = [...previous.notices, ...(combined.result.notices ?? [])]
    for (const notice of notices) host.notice(notice)
    problems.push(...combined.problems)
    // What is wrong with the set of shards heads the summary and the failure message.
    const finished = await reportAndFinish(
      combined.result,
      [...warnings, ...combined.result.warnings],
      inputs,
      env,
      host,
      problems,
    )
    failures.push(...finished)
  } catch (error) {
    failures.push(messageOf(error))
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true })
  }
  if (failures.length > 0) host.fail(failures.join('\n'))
}
