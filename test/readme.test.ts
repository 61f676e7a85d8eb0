/**
 * The README stands alone: its Inputs and Outputs tables name exactly the inputs and outputs
 * of action.yml (and the inputs' defaults), whatever action.yml holds when the test runs, and it
 * sends no reader to a file users never see.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT } from './fixtures/action.js'

const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
type ActionYml = {
  inputs: Record<string, { default?: string }>
  outputs: Record<string, unknown>
}
const ACTION = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYml
const MERGE = parse(readFileSync(path.join(ROOT, 'merge/action.yml'), 'utf8')) as ActionYml

/** The rows of the first table under the `## <heading>` line, as cells without their pipes. */
function tableUnder(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n')
  const start = lines.indexOf(`## ${heading}`)
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`)
  const rows: string[][] = []
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break
    if (!line.startsWith('|')) {
      if (rows.length > 0) break
      continue
    }
    const cells = line
      .slice(1, line.lastIndexOf('|'))
      .split(/(?<!\\)\|/)
      .map((c) => c.trim())
    // The header's separator row.
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue
    rows.push(cells)
  }
  // Without the header row.
  return rows.slice(1)
}

/** `` `name` `` → name. */
function code(cell: string | undefined): string {
  const m = /^`([^`]+)`$/.exec(cell ?? '')
  if (!m) throw new Error(`expected a \`code\` cell, got ${JSON.stringify(cell)}`)
  return m[1] as string
}

/** A default cell: `` `value` `` or `(empty)`. */
function defaultOf(cell: string | undefined): string {
  return cell === '(empty)' ? '' : code(cell).replace(/\\\|/g, '|')
}

describe('README.md', () => {
  it("lists every input of action.yml with its default, in action.yml's order", () => {
    const rows = tableUnder(README, 'Inputs')
    expect(rows.map((r) => code(r[0]))).toEqual(Object.keys(ACTION.inputs))
    expect(Object.fromEntries(rows.map((r) => [code(r[0]), defaultOf(r[1])]))).toEqual(
      Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, v.default ?? ''])),
    )
    for (const r of rows) expect(r[2], `${r[0]} has no meaning`).not.toBe('')
  })

  it("lists every output of action.yml, in action.yml's order", () => {
    const rows = tableUnder(README, 'Outputs')
    expect(rows.map((r) => code(r[0]))).toEqual(Object.keys(ACTION.outputs))
    for (const r of rows) expect(r[1], `${r[0]} has no meaning`).not.toBe('')
  })

  it('lists every input of merge/action.yml with its default, in its order', () => {
    const rows = tableUnder(README, 'Merge inputs')
    expect(rows.map((r) => code(r[0]))).toEqual(Object.keys(MERGE.inputs))
    expect(Object.fromEntries(rows.map((r) => [code(r[0]), defaultOf(r[1])]))).toEqual(
      Object.fromEntries(Object.entries(MERGE.inputs).map(([k, v]) => [k, v.default ?? ''])),
    )
    for (const r of rows) expect(r[2], `${r[0]} has no meaning`).not.toBe('')
  })

  it('sends no reader to the project-internal contract', () => {
    expect(README).not.toMatch(/shared\/SPEC|SPEC\.md|\bSPEC\b/)
  })
})
