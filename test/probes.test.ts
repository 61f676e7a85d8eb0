import { execFileSync } from 'node:child_process'
import { constants } from 'node:fs'
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  CLAIM_MAX_BYTES,
  PROBE_ERROR_SIGNAL,
  PROBE_NAMES,
  PROBES,
  type ProbeContext,
  runProbe,
} from '../src/sense/probes.js'

let dir: string
/** FIFOs a test made: a reader blocked on one is released before the folder goes. */
let fifos: string[]
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'looop-probes-'))
  fifos = []
})
afterEach(async () => {
  for (const fifo of fifos) {
    // Opening the write end (non-blocking: ENXIO when nobody reads) and closing it gives a
    // blocked reader EOF, so a probe that did open the FIFO cannot pin a thread forever.
    await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then(
      (h) => h.close(),
      () => {},
    )
  }
  await rm(dir, { recursive: true, force: true })
})

const ctx = (env: NodeJS.ProcessEnv = {}): ProbeContext => ({ workingDirectory: dir, env })

describe('the probe table', () => {
  it('names runner, workflow and claims, each once', () => {
    expect([...PROBE_NAMES]).toEqual(['runner', 'workflow', 'claims'])
    expect(PROBES.map((p) => p.name)).toEqual([...PROBE_NAMES])
  })

  it('every row produces {signal, detail} of the shape SPEC gives, through a JSON round trip', async () => {
    // SPEC "System probes": what each probe keeps in `signal` and in `detail`.
    const keysOf = (v: unknown) => Object.keys(v as object).sort()
    const shapes: Record<string, (s: { signal: unknown; detail: unknown }) => void> = {
      runner: ({ signal, detail }) => {
        expect(keysOf(signal)).toEqual(['arch', 'environment', 'os'])
        expect(keysOf(detail)).toEqual(
          ['cpus', 'disk', 'load_average', 'memory', 'name', 'node_version'].sort(),
        )
      },
      workflow: ({ signal, detail }) => {
        expect(keysOf(signal)).toEqual(['repository', 'workflow'])
        expect(keysOf(detail)).toEqual(
          ['actor', 'event', 'job', 'ref', 'run_attempt', 'run_id', 'run_url', 'sha'].sort(),
        )
      },
      claims: ({ signal, detail }) => {
        expect(Array.isArray(signal)).toBe(true)
        expect(signal).toEqual([{ name: 'lease', claim: { session: 'w1' } }])
        for (const lease of signal as unknown[]) expect(keysOf(lease)).toEqual(['claim', 'name'])
        expect(detail).toEqual({ count: 1 })
      },
    }
    expect(Object.keys(shapes)).toEqual([...PROBE_NAMES])
    // One lease, so the claims list has an element whose shape can be checked.
    await mkdir(path.join(dir, 'claims'))
    await writeFile(path.join(dir, 'claims', 'lease.json'), '{"session":"w1"}')
    for (const row of PROBES) {
      for (const snapshot of [await row.probe(ctx()), await runProbe(row.name, ctx())]) {
        expect(Object.keys(snapshot).sort(), row.name).toEqual(['detail', 'signal'])
        // The error signal would pass a loose check; it must not be what a healthy probe gives.
        expect(snapshot.signal, row.name).not.toEqual(PROBE_ERROR_SIGNAL)
        shapes[row.name]?.({ signal: snapshot.signal, detail: snapshot.detail })
        expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot)
      }
    }
  })
})

describe('runner', () => {
  it('keeps a stable signal and the volatile numbers in detail', async () => {
    const env = { RUNNER_ENVIRONMENT: 'github-hosted', RUNNER_NAME: 'GitHub Actions 7' }
    const first = await runProbe('runner', ctx(env))
    const second = await runProbe('runner', ctx(env))
    expect(first.signal).toEqual({
      os: process.platform,
      arch: process.arch,
      environment: 'github-hosted',
    })
    expect(second.signal).toEqual(first.signal)
    const detail = first.detail as Record<string, unknown>
    expect(detail.name).toBe('GitHub Actions 7')
    expect(detail.node_version).toBe(process.version)
    expect(detail.cpus).toBeGreaterThan(0)
    const memory = detail.memory as { total_bytes: number; free_bytes: number }
    expect(memory.total_bytes).toBeGreaterThan(0)
    expect(memory.free_bytes).toBeGreaterThan(0)
    expect(detail.load_average).toHaveLength(3)
    const disk = detail.disk as { free_bytes: number; total_bytes: number }
    expect(disk.total_bytes).toBeGreaterThan(0)
    expect(disk.free_bytes).toBeGreaterThanOrEqual(0)
    expect(disk.free_bytes).toBeLessThanOrEqual(disk.total_bytes)
  })

  it('reports absent runner variables as null', async () => {
    const snapshot = await runProbe('runner', ctx({}))
    expect((snapshot.signal as { environment: unknown }).environment).toBeNull()
    expect((snapshot.detail as { name: unknown }).name).toBeNull()
  })

  it('reports an unreadable disk in detail and keeps the signal', async () => {
    const gone = { workingDirectory: path.join(dir, 'missing'), env: {} }
    const snapshot = await runProbe('runner', gone)
    expect(snapshot.signal).toEqual((await runProbe('runner', ctx())).signal)
    expect((snapshot.detail as { disk: { error: string } }).disk.error).toMatch(/ENOENT/)
  })
})

describe('workflow', () => {
  it('reads the env object it is given, not process.env', async () => {
    const env = {
      GITHUB_REPOSITORY: 'octo/repo',
      GITHUB_WORKFLOW: 'watch',
      GITHUB_EVENT_NAME: 'schedule',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'abc123',
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_ACTOR: 'octocat',
      GITHUB_JOB: 'sense',
      GITHUB_SERVER_URL: 'https://github.example',
    }
    expect(await runProbe('workflow', ctx(env))).toEqual({
      signal: {
        repository: 'octo/repo',
        workflow: 'watch',
      },
      detail: {
        event: 'schedule',
        ref: 'refs/heads/main',
        sha: 'abc123',
        run_id: '42',
        run_attempt: '2',
        actor: 'octocat',
        job: 'sense',
        run_url: 'https://github.example/octo/repo/actions/runs/42',
      },
    })
  })

  it('gives null, not missing keys, for absent variables', async () => {
    expect(await runProbe('workflow', ctx({ GITHUB_REPOSITORY: 'octo/repo' }))).toEqual({
      signal: { repository: 'octo/repo', workflow: null },
      detail: {
        event: null,
        ref: null,
        sha: null,
        run_id: null,
        run_attempt: null,
        actor: null,
        job: null,
        run_url: null,
      },
    })
  })
})

describe('claims', () => {
  it('is an empty list when there is no claims folder', async () => {
    expect(await runProbe('claims', ctx())).toEqual({ signal: [], detail: { count: 0 } })
  })

  it('lists claims/*.json sorted by file name in byte order', async () => {
    const claims = path.join(dir, 'claims')
    await mkdir(claims)
    await writeFile(path.join(claims, 'repo-b.json'), '{"session":"w2"}')
    await writeFile(path.join(claims, 'repo-a.json'), '{"session":"w1"}')
    await writeFile(path.join(claims, 'Repo-c.json'), '{"session":"w3"}')
    await writeFile(path.join(claims, 'notes.txt'), 'not a lease')
    await writeFile(path.join(claims, '.hidden.json'), '{}')
    await mkdir(path.join(claims, 'folder.json'))
    const snapshot = await runProbe('claims', ctx())
    expect(snapshot.signal).toEqual([
      { name: 'Repo-c', claim: { session: 'w3' } },
      { name: 'repo-a', claim: { session: 'w1' } },
      { name: 'repo-b', claim: { session: 'w2' } },
    ])
    expect(snapshot.detail).toEqual({ count: 3 })
  })

  it('lists an unreadable claim with claim null', async () => {
    const claims = path.join(dir, 'claims')
    await mkdir(claims)
    await writeFile(path.join(claims, 'bad.json'), '{not json')
    await writeFile(path.join(claims, 'binary.json'), Buffer.from([0x22, 0xff, 0x22]))
    await writeFile(path.join(claims, 'empty.json'), '')
    await symlink(path.join(dir, 'nowhere.json'), path.join(claims, 'dangling.json'))
    await writeFile(path.join(claims, 'good.json'), '["x"]')
    expect((await runProbe('claims', ctx())).signal).toEqual([
      { name: 'bad', claim: null },
      { name: 'binary', claim: null },
      { name: 'dangling', claim: null },
      { name: 'empty', claim: null },
      { name: 'good', claim: ['x'] },
    ])
  })

  it('leaves out a FIFO and a link to a device, and keeps the other claims', async () => {
    const claims = path.join(dir, 'claims')
    await mkdir(claims)
    await writeFile(path.join(claims, 'a-first.json'), '{"session":"w1"}')
    const fifo = path.join(claims, 'b-stuck.json')
    execFileSync('mkfifo', [fifo])
    fifos.push(fifo)
    await symlink('/dev/zero', path.join(claims, 'c-zero.json'))
    await writeFile(path.join(claims, 'd-last.json'), '{"session":"w2"}')
    expect(await runProbe('claims', ctx())).toEqual({
      signal: [
        { name: 'a-first', claim: { session: 'w1' } },
        { name: 'd-last', claim: { session: 'w2' } },
      ],
      detail: { count: 2 },
    })
  })

  it('lists a claim over CLAIM_MAX_BYTES with claim null, and one at the cap in full', async () => {
    const claims = path.join(dir, 'claims')
    await mkdir(claims)
    const json = (size: number) => `{"pad":"${'x'.repeat(size - '{"pad":""}'.length)}"}`
    await writeFile(path.join(claims, 'at-cap.json'), json(CLAIM_MAX_BYTES))
    await writeFile(path.join(claims, 'huge.json'), json(1024 * 1024))
    await writeFile(path.join(claims, 'over-by-one.json'), json(CLAIM_MAX_BYTES + 1))
    const signal = (await runProbe('claims', ctx())).signal as { name: string; claim: unknown }[]
    expect(signal.map((l) => l.name)).toEqual(['at-cap', 'huge', 'over-by-one'])
    // Compared as booleans and lengths: a failure must not print a megabyte of claim.
    expect(signal.map((l) => l.claim === null)).toEqual([false, true, true])
    expect(JSON.stringify(signal[0]?.claim).length).toBe(CLAIM_MAX_BYTES)
  })

  it('is an empty list when claims is a file, not a folder', async () => {
    await writeFile(path.join(dir, 'claims'), 'x')
    expect((await runProbe('claims', ctx())).signal).toEqual([])
  })
})

describe('runProbe', () => {
  it('never throws: an internal error becomes a stable signal and the message in detail', async () => {
    // An environment that cannot be read stands for any internal failure.
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get() {
        throw new Error('environment unreadable')
      },
    })
    const snapshot = await runProbe('workflow', { workingDirectory: dir, env })
    expect(snapshot).toEqual({
      signal: { error: 'probe-error' },
      detail: { error: 'environment unreadable' },
    })
  })

  it('turns an unknown probe name into an error snapshot naming the known ones', async () => {
    const snapshot = await runProbe('nope' as never, ctx())
    expect(snapshot.signal).toEqual({ error: 'probe-error' })
    expect((snapshot.detail as { error: string }).error).toContain('runner, workflow, claims')
  })
})
