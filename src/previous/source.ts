/**
 * Turns the `previous` input into the folder the engine compares with, before sensing.
 *
 * - A folder: used as it is (the engine reads it, and tolerates anything in it).
 * - `auto` (auto.ts): the previous beat's artifact, downloaded under RUNNER_TEMP. A first run
 *   is a notice and an empty previous (`changed` = true); a failure is one warning and an empty
 *   previous; where `auto` cannot work at all (outside a runner, on GHES) it is one warning and
 *   the run goes on as if `previous` were unset. It never fails the step.
 */
import { tmpdir } from 'node:os'
import type { PreviousInput } from '../inputs.js'
import type { PreviousSource } from '../sense/previous.js'
import { type SenseWarning, WarningCode } from '../sense/types.js'
import { fetchPrevious } from './auto.js'

export interface ResolvedPrevious {
  /** Absent: as if `previous` were unset. */
  source?: PreviousSource
  warnings: SenseWarning[]
  notices: string[]
}

export async function resolvePrevious(
  input: PreviousInput | undefined,
  options: { env: NodeJS.ProcessEnv; token: string; artifactName: string },
): Promise<ResolvedPrevious> {
  if (input === undefined) return { warnings: [], notices: [] }
  if (input.mode === 'path')
    return { source: { dir: input.dir, source: 'path' }, warnings: [], notices: [] }
  const parent = options.env.RUNNER_TEMP || tmpdir()
  const fetched = await fetchPrevious(
    { env: options.env, token: options.token, artifactName: options.artifactName },
    parent,
  )
  const warning = (message: string): SenseWarning => ({
    code: WarningCode.PreviousProblem,
    title: 'previous: auto',
    message,
  })
  switch (fetched.kind) {
    case 'found':
      return {
        source: {
          dir: fetched.dir,
          source: 'auto',
          runId: fetched.runId,
          artifactId: fetched.artifactId,
        },
        warnings: [],
        notices: [],
      }
    case 'none':
      // Nothing to compare with: every snapshot counts as changed, and the notice says why.
      return { source: { source: 'auto' }, warnings: [], notices: [fetched.notice] }
    case 'failed':
      return { source: { source: 'auto' }, warnings: [warning(fetched.warning)], notices: [] }
    case 'unsupported':
      return { warnings: [warning(fetched.warning)], notices: [] }
  }
}
