/**
 * `npx @github/local-action run . src/main.ts .env.example`, as the README tells a contributor to
 * run it from a fresh clone: the action runs from its TypeScript source under local-action's
 * @actions/core stub, and the "Action Outputs" table it prints holds every output of
 * action.yml. The npm registry is pointed at a closed port: the run needs no network.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT } from './fixtures/action.js'

function runLocalAction(): Promise<{ code: number | null; stdout: string }> {
  const bin = path.join(ROOT, 'node_modules/.bin/local-action')
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // The registry cannot be reached: anything that would download fails the run.
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_offline: 'true',
    NO_COLOR: '1',
  }
  const child = spawn(bin, ['run', '.', 'src/main.ts', '.env.example'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })))
}

/** The rows of the table printed after the "Action Outputs" title: output name → value. */
function outputsTable(stdout: string): Map<string, string> {
  const at = stdout.indexOf('Action Outputs')
  expect(at, stdout).toBeGreaterThan(-1)
  const rows = new Map<string, string>()
  for (const line of stdout.slice(at).split('\n')) {
    const cells = line.split('│').map((c) => c.trim())
    // │ 0 │ 'total' │ '3' │
    const name = /^'(.*)'$/.exec(cells[2] ?? '')?.[1]
    const value = /^'(.*)'$/.exec(cells[3] ?? '')?.[1]
    if (name !== undefined && value !== undefined) rows.set(name, value)
  }
  return rows
}

describe('@github/local-action', () => {
  it('.env.example sets every input of action.yml, at its default but upload', async () => {
    const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { default?: string }>
    }
    const lines = (await readFile(path.join(ROOT, '.env.example'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
    const values = Object.fromEntries(
      lines.map((l) => [
        l.slice('INPUT_'.length, l.indexOf('=')).toLowerCase(),
        l.slice(l.indexOf('=') + 1),
      ]),
    )
    const expected = Object.fromEntries(
      Object.entries(action.inputs).map(([name, input]) => {
        const value = name === 'upload' ? 'false' : (input.default ?? '')
        // An expression (the token's default) is the runner's to expand: empty stands for it.
        return [name, value.startsWith('${{') ? '' : value]
      }),
    )
    expect(values).toEqual(expected)
  })

  it('runs src/main.ts with .env.example and shows every output of action.yml', async () => {
    const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
      outputs: Record<string, unknown>
    }
    const run = await runLocalAction()
    const table = outputsTable(run.stdout)
    expect(run.stdout).not.toContain('No outputs were set!')
    expect([...table.keys()].sort()).toEqual(Object.keys(action.outputs).sort())
    expect(table.get('world-hash')).toMatch(/^[0-9a-f]{64}$/)
    expect(Number(table.get('total'))).toBeGreaterThan(0)
    expect(table.get('index')).toBe(path.join(ROOT, 'snapshots', 'index.json'))
    // Outputs reach the table only: no `name=value` lines, no `::set-output` of our own.
    expect(run.stdout).not.toMatch(/^total=/m)
    // `upload: false` in .env.example: nothing to upload to, and no upload notice either.
    expect(table.get('artifact-id')).toBe('')
    expect(run.code, run.stdout).toBe(Number(table.get('failed')) > 0 ? 1 : 0)
  })
})
