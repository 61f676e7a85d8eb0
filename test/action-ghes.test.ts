/**
 * GitHub Enterprise Server, through the bundle: @actions/artifact refuses to run there, so
 * `upload: auto` skips the upload with a notice naming actions/upload-artifact@v3, and
 * `upload: true` fails with that same message, after everything else is written. A results
 * service on 127.0.0.1 records any request: none may reach it.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { commands, jsonSensor, type Workspace, workspace } from './fixtures/action.js'
import { runtimeToken } from './fixtures/results-service.js'

let server: Server
let requests: string[] = []
let ws: Workspace

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    // 403: not retried, so a run that does call fails at once.
    res
      .writeHead(403, { 'content-type': 'application/json' })
      .end('{"code":"permission_denied","msg":"no"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
beforeEach(async () => {
  requests = []
  ws = await workspace()
  await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
})
afterEach(async () => {
  await ws.cleanup()
})

function runOnGhes(upload: string, server_url = 'https://ghes.example.com') {
  const port = (server.address() as AddressInfo).port
  return ws.run(
    { upload, probes: 'none' },
    {
      GITHUB_SERVER_URL: server_url,
      ACTIONS_RUNTIME_TOKEN: runtimeToken('run-1', 'job-1'),
      ACTIONS_RESULTS_URL: `http://127.0.0.1:${port}/`,
    },
  )
}

/** A workflow command's message, with the command escaping undone. */
function decode(line: string): string {
  return line
    .slice(line.indexOf('::', 2) + 2)
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%25/g, '%')
}

const MESSAGE =
  /^The snapshots were not uploaded: this runner belongs to GitHub Enterprise Server \(GITHUB_SERVER_URL is https:\/\/ghes\.example\.com\), where @actions\/artifact does not work\. Upload them with a step after this one: `uses: actions\/upload-artifact@v3` with `path: .*\/snapshots`, and set `upload: false` here\.$/

describe('GitHub Enterprise Server (bundle)', () => {
  it('upload: auto skips the upload with a notice that names actions/upload-artifact@v3', async () => {
    const run = await runOnGhes('auto')
    expect(run.code).toBe(0)
    const notices = commands(run.stdout, 'notice').map(decode)
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(MESSAGE)
    expect(notices[0]).toContain(`path: ${path.join(ws.dir, 'snapshots')}`)
    expect(run.outputs['artifact-id']).toBe('')
    expect(run.outputs.ok).toBe('1')
    expect(run.summary).toContain('not uploaded: GitHub Enterprise Server')
    expect(requests).toEqual([])
  })

  it('upload: true fails with the same message, after the snapshots, outputs and summary', async () => {
    const run = await runOnGhes('true')
    expect(run.code).toBe(1)
    const errors = commands(run.stdout, 'error').map(decode)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(MESSAGE)
    expect(commands(run.stdout, 'notice')).toEqual([])
    expect(run.outputs.ok).toBe('1')
    expect(run.summary).toContain('not uploaded: GitHub Enterprise Server')
    expect(requests).toEqual([])
  })

  it('GHE.com is not GHES: the upload is attempted', async () => {
    const run = await runOnGhes('true', 'https://acme.ghe.com')
    // The stand-in answers 403 to everything: the upload fails, but it was tried.
    expect(run.code).toBe(1)
    expect(commands(run.stdout, 'error').map(decode).join('\n')).not.toContain('Enterprise')
    expect(requests.length).toBeGreaterThan(0)
  })
})
