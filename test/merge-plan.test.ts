/**
 * The merge step's pure parts: which artifacts it takes (pattern, k and n, completeness), and
 * its inputs, which merge/action.yml and the code must agree on.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { Outputs } from '../src/constants.js'
import { InputError, UploadMode } from '../src/inputs.js'
import { getMergeInputs, MERGE_DEFAULTS, MergeInputs } from '../src/merge/inputs.js'
import { NothingToMergeError, patternRegExp, planShards } from '../src/merge/plan.js'
import { ROOT } from './fixtures/action.js'

const listed = (...names: string[]) => names.map((name, i) => ({ id: 100 + i, name }))

describe('patternRegExp', () => {
  it('treats * and ? as globs and everything else literally', () => {
    const re = patternRegExp('snap.*-of-?')
    expect(re.test('snap.x-1-of-3')).toBe(true)
    expect(re.test('snap.-of-3')).toBe(true)
    expect(re.test('snapXx-1-of-3')).toBe(false)
    expect(re.test('snap.x-1-of-12')).toBe(false)
    expect(patternRegExp('a+(b)').test('a+(b)')).toBe(true)
  })
})

describe('planShards', () => {
  it('takes one complete matrix, ordered by k, and leaves out what is not a shard', () => {
    const plan = planShards(
      listed(
        'snapshots-2-of-3',
        'other',
        'snapshots-1-of-3',
        'snapshots-3-of-3',
        'snapshots-x-of-y',
      ),
      'snapshots-*-of-*',
    )
    expect(plan.shards.map((s) => [s.name, s.k, s.n])).toEqual([
      ['snapshots-1-of-3', 1, 3],
      ['snapshots-2-of-3', 2, 3],
      ['snapshots-3-of-3', 3, 3],
    ])
    expect(plan.problems).toEqual([])
    expect(plan.ignored).toEqual(['snapshots-x-of-y'])
  })

  it('names every missing shard', () => {
    const plan = planShards(listed('s-2-of-4'), 's-*')
    expect(plan.shards.map((s) => s.name)).toEqual(['s-2-of-4'])
    expect(plan.problems).toEqual([
      'Shards 1, 3, 4 of 4 are missing: no artifact "s-1-of-4", "s-3-of-4", "s-4-of-4" in this run. Did those jobs fail before the upload, or get skipped?',
    ])
  })

  it('reports shards that disagree on n, and checks against the largest', () => {
    const plan = planShards(listed('s-1-of-2', 's-2-of-2', 's-3-of-3'), 's-*')
    expect(plan.problems).toEqual([
      'The shards of "s" disagree on n: s-1-of-2, s-2-of-2 say 2; s-3-of-3 says 3. Every job of one matrix must use the same `k/n`.',
    ])
    expect(plan.shards.map((s) => s.name)).toEqual(['s-1-of-2', 's-2-of-2', 's-3-of-3'])
  })

  it('checks each matrix of a pattern on its own', () => {
    const plan = planShards(
      listed('snapshots-linux-1-of-2', 'snapshots-linux-2-of-2', 'snapshots-macos-2-of-2'),
      'snapshots-*',
    )
    expect(plan.shards.map((s) => s.name)).toEqual([
      'snapshots-linux-1-of-2',
      'snapshots-linux-2-of-2',
      'snapshots-macos-2-of-2',
    ])
    expect(plan.problems).toEqual([
      'Shard 1 of 2 is missing: no artifact "snapshots-macos-1-of-2" in this run. Did that job fail before the upload, or get skipped?',
    ])
  })

  it('throws when nothing matches, or nothing that matches is a shard', () => {
    expect(() => planShards(listed('a', 'b'), 'snapshots-*-of-*')).toThrow(NothingToMergeError)
    expect(() => planShards(listed('a', 'b'), 'snapshots-*-of-*')).toThrow(
      'No artifact of this run matches `pattern` "snapshots-*-of-*" (this run has a, b).',
    )
    expect(() => planShards(listed('snapshots-final'), 'snapshots-*')).toThrow(
      'are not shards: none ends `-<k>-of-<n>`',
    )
  })
})

describe('merge/action.yml and getMergeInputs', () => {
  const action = parse(readFileSync(path.join(ROOT, 'merge/action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string; description: string }>
    outputs: Record<string, { description: string }>
    runs: { using: string; main: string }
  }
  const main = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as typeof action

  it('declares exactly the MergeInputs, each with the code default', () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.values(MergeInputs).sort())
    for (const input of Object.values(MergeInputs)) {
      expect({ input, default: String(action.inputs[input]?.default ?? '') }).toEqual({
        input,
        default: MERGE_DEFAULTS[input],
      })
    }
  })

  it("shares the main action's defaults for the inputs both have, and all of its outputs", () => {
    for (const input of Object.values(MergeInputs)) {
      const there = main.inputs[input]
      if (there)
        expect({ input, default: action.inputs[input]?.default }).toEqual({
          input,
          default: there.default,
        })
    }
    expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort())
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('applies the defaults, relative to the workspace', () => {
    const ws = path.join(ROOT, 'test')
    expect(getMergeInputs({ GITHUB_WORKSPACE: ws })).toEqual({
      workspace: ws,
      pattern: 'snapshots-*-of-*',
      artifactName: 'snapshots',
      snapshotsDir: path.join(ws, 'snapshots'),
      failOnError: true,
      failOnWarning: false,
      previous: undefined,
      githubToken: '',
      upload: UploadMode.Auto,
      retentionDays: undefined,
      compressionLevel: 6,
      overwrite: false,
    })
  })

  it('reports every bad value at once, naming the input, the value and what is accepted', () => {
    const env = {
      GITHUB_WORKSPACE: path.join(ROOT, 'test'),
      INPUT_PATTERN: 'a/b-*',
      'INPUT_FAIL-ON-WARNING': 'maybe',
      'INPUT_COMPRESSION-LEVEL': '11',
      'INPUT_SNAPSHOTS-DIR': '.',
    }
    expect(() => getMergeInputs(env)).toThrow(InputError)
    const message = (() => {
      try {
        getMergeInputs(env)
        return ''
      } catch (error) {
        return (error as Error).message
      }
    })()
    expect(message).toMatch(/^4 invalid inputs \(nothing was merged\):/)
    expect(message).toContain('`pattern` is "a/b-*", which contains "/": no artifact name can.')
    expect(message).toContain('`fail-on-warning` is "maybe". Accepted: `true` or `false`.')
    expect(message).toContain('`compression-level` is "11". Accepted: a whole number from 0 to 9.')
    expect(message).toContain('`snapshots-dir` is ".", which is the working directory')
  })
})
