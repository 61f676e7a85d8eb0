/**
 * The real upload path: @actions/artifact zips the files and talks to the results-service
 * stand-in over HTTP, which hands out SAS URLs into a real Azurite blob store. Each test uses
 * its own artifact name, so they run concurrently against one harness (the 500 test sits out
 * the client's ~30 s of retries while the others run).
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { runtimePresent, UploadError, uploadSnapshots } from '../src/upload/artifact.js'
import {
  readZip,
  startUploadHarness,
  threeDaysAfter,
  type UploadHarness,
} from './fixtures/results-service.js'

let harness: UploadHarness
let work: string
const savedEnv: Record<string, string | undefined> = {}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'upload-test-'))
  harness = await startUploadHarness()
  // The library reads process.env itself; the runner's retention cap must not leak in.
  for (const key of [...Object.keys(harness.env), 'GITHUB_RETENTION_DAYS']) {
    savedEnv[key] = process.env[key]
  }
  delete process.env.GITHUB_RETENTION_DAYS
  Object.assign(process.env, harness.env)
})

afterAll(async () => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  await harness?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Writes `files` (relative path → content) under a fresh directory; returns it and the paths. */
function snapshots(files: Record<string, string | Buffer>): { root: string; paths: string[] } {
  const root = mkdtempSync(join(work, 'snapshots-'))
  const paths = Object.entries(files).map(([rel, content]) => {
    const path = join(root, rel)
    mkdirSync(join(path, '..'), { recursive: true })
    writeFileSync(path, content)
    return path
  })
  return { root, paths }
}

const base = { compressionLevel: 6, overwrite: false }

function callsFor(method: string, name: string) {
  return harness.service.calls.filter(
    (c) => c.method === method && (c.body.name ?? c.body.name_filter) === name,
  )
}

describe.concurrent('uploadSnapshots against the results-service stand-in and Azurite', () => {
  it('uploads exactly the given files, byte for byte, and reports what the service recorded', async ({
    expect,
  }) => {
    const files = {
      'api.json': '{"status":"ok"}\n',
      'nested/deep/disk.txt': 'used 42%\n',
      'binary.bin': randomBytes(4096),
      'empty.txt': '',
    }
    const { root, paths } = snapshots(files)
    const result = await uploadSnapshots({
      ...base,
      name: 'snapshots-ok',
      rootDirectory: root,
      files: paths,
      env: process.env,
    })

    const zip = await harness.downloadZip('snapshots-ok')
    const entries = readZip(zip)
    expect(entries.map((e) => e.name).sort()).toEqual(Object.keys(files).sort())
    for (const entry of entries) {
      const want = Buffer.from(files[entry.name as keyof typeof files])
      expect(entry.data.equals(want), entry.name).toBe(true)
      expect(entry.crc32).toBe(crc32(want))
    }

    const record = harness.service.artifacts.find((a) => a.name === 'snapshots-ok')
    expect(record?.finalized).toBe(true)
    expect(result.id).toBe(String(record?.id))
    expect(result.url).toBe(
      `https://github.com/looop/sense-fixture/actions/runs/4242/artifacts/${record?.id}`,
    )
    const sha = createHash('sha256').update(zip).digest('hex')
    expect(result.digest).toBe(sha)
    expect(record?.hash).toBe(`sha256:${sha}`)
    expect(record?.size).toBe(String(zip.length))

    const [create] = callsFor('CreateArtifact', 'snapshots-ok')
    expect(create.body).toMatchObject({ name: 'snapshots-ok', version: 7 })
    expect(create.body.expires_at).toBeUndefined()
    expect(create.authorization).toBe(`Bearer ${harness.env.ACTIONS_RUNTIME_TOKEN}`)
  })

  it('leaves directories and symlinks in the file list out of the zip', async ({ expect }) => {
    const { root, paths } = snapshots({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' })
    mkdirSync(join(root, 'empty-dir'))
    symlinkSync(join(root, 'a.txt'), join(root, 'link.txt'))
    await uploadSnapshots({
      ...base,
      name: 'with-dirs',
      rootDirectory: root,
      files: [root, join(root, 'sub'), join(root, 'empty-dir'), join(root, 'link.txt'), ...paths],
      env: process.env,
    })
    const entries = readZip(await harness.downloadZip('with-dirs'))
    expect(entries.map((e) => e.name).sort()).toEqual(['a.txt', 'sub/b.txt'])
  })

  it('skips a listed file that vanished, reports it in skipped, and uploads the rest', async ({
    expect,
  }) => {
    const { root, paths } = snapshots({ 'kept.json': '{"ok":true}\n', 'sub/also.txt': 'y\n' })
    const gone = join(root, 'sensor-deleted-by-another.json')
    const goneDeep = join(root, 'no-such-dir', 'x.json')
    const result = await uploadSnapshots({
      ...base,
      name: 'with-vanished',
      rootDirectory: root,
      files: [gone, ...paths, goneDeep],
      env: process.env,
    })
    expect(result.skipped).toEqual([gone, goneDeep])
    const entries = readZip(await harness.downloadZip('with-vanished'))
    expect(entries.map((e) => e.name).sort()).toEqual(['kept.json', 'sub/also.txt'])
    const record = harness.service.artifacts.find((a) => a.name === 'with-vanished')
    expect(result.id).toBe(String(record?.id))
  })

  it('reports an empty skipped list when every file is there', async ({ expect }) => {
    const { root, paths } = snapshots({ 'all.txt': 'here\n' })
    const result = await uploadSnapshots({
      ...base,
      name: 'none-vanished',
      rootDirectory: root,
      files: paths,
      env: process.env,
    })
    expect(result.skipped).toEqual([])
  })

  it('turns a name clash (409) into an UploadError naming the job and both fixes', async ({
    expect,
  }) => {
    const { root, paths } = snapshots({ 'x.txt': 'x\n' })
    const req = { ...base, name: 'clash', rootDirectory: root, files: paths, env: process.env }
    await uploadSnapshots(req)
    const err = await uploadSnapshots(req).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UploadError)
    const message = (err as Error).message
    expect(message).toContain('artifact-name "clash"')
    expect(message).toContain('job "sense"')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow expression, literally
    expect(message).toContain('`artifact-name: clash-${{ github.job }}`')
    expect(message).toContain('`overwrite: true`')
    expect(message).toContain('an artifact with this name already exists on the workflow run')
    expect(message).toContain('(409) Conflict')
    expect(callsFor('CreateArtifact', 'clash').map((c) => c.status)).toEqual([200, 409])
    const live = harness.service.artifacts.filter((a) => a.name === 'clash' && !a.deleted)
    expect(live).toHaveLength(1)
  })

  it('with overwrite, deletes the earlier artifact first and uploads the new one', async ({
    expect,
  }) => {
    const first = snapshots({ 'v.txt': 'first\n' })
    const second = snapshots({ 'v.txt': 'second\n' })
    const req = { ...base, name: 'replaced', overwrite: true, env: process.env }
    // Nothing to replace yet: the "not found" from the delete is not a failure.
    const one = await uploadSnapshots({ ...req, rootDirectory: first.root, files: first.paths })
    const two = await uploadSnapshots({ ...req, rootDirectory: second.root, files: second.paths })

    expect(two.id).not.toBe(one.id)
    const records = harness.service.artifacts.filter((a) => a.name === 'replaced')
    expect(records.map((a) => [String(a.id), a.deleted])).toEqual([
      [one.id, true],
      [two.id, false],
    ])
    const sequence = harness.service.calls
      .filter((c) => (c.body.name ?? c.body.name_filter) === 'replaced')
      .map((c) => `${c.method}:${c.status}`)
    expect(sequence).toEqual([
      'ListArtifacts:200',
      'CreateArtifact:200',
      'FinalizeArtifact:200',
      'ListArtifacts:200',
      'DeleteArtifact:200',
      'CreateArtifact:200',
      'FinalizeArtifact:200',
    ])
    const [entry] = readZip(await harness.downloadZip('replaced'))
    expect(entry.data.toString()).toBe('second\n')
  })

  it('fails with UploadError at once when the service answers 403', async ({ expect }) => {
    harness.service.failNext({
      method: 'CreateArtifact',
      name: 'forbidden',
      status: 403,
      msg: 'token lacks Actions.Results scope',
    })
    const { root, paths } = snapshots({ 'f.txt': 'f\n' })
    const err = await uploadSnapshots({
      ...base,
      name: 'forbidden',
      rootDirectory: root,
      files: paths,
      env: process.env,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UploadError)
    expect((err as Error).message).toContain('artifact "forbidden" upload failed')
    expect((err as Error).message).toContain('(403) Forbidden: token lacks Actions.Results scope')
    expect(callsFor('CreateArtifact', 'forbidden')).toHaveLength(1)
  })

  it('fails with UploadError when the service keeps answering 500 (after 5 attempts)', async ({
    expect,
  }) => {
    harness.service.failNext({
      method: 'CreateArtifact',
      name: 'broken',
      status: 500,
      times: Number.POSITIVE_INFINITY,
      msg: 'database on fire',
    })
    const { root, paths } = snapshots({ 'b.txt': 'b\n' })
    const err = await uploadSnapshots({
      ...base,
      name: 'broken',
      rootDirectory: root,
      files: paths,
      env: process.env,
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UploadError)
    expect((err as Error).message).toContain('after 5 attempts')
    expect((err as Error).message).toContain('(500) Internal Server Error: database on fire')
    expect(callsFor('CreateArtifact', 'broken').map((c) => c.status)).toEqual([
      500, 500, 500, 500, 500,
    ])
    expect(harness.service.artifacts.some((a) => a.name === 'broken')).toBe(false)
  })

  it('recovers from one 503 by the client retry', async ({ expect }) => {
    harness.service.failNext({ method: 'FinalizeArtifact', name: 'flaky', status: 503 })
    const { root, paths } = snapshots({ 'r.txt': 'r\n' })
    const result = await uploadSnapshots({
      ...base,
      name: 'flaky',
      rootDirectory: root,
      files: paths,
      env: process.env,
    })
    expect(callsFor('FinalizeArtifact', 'flaky').map((c) => c.status)).toEqual([503, 200])
    const record = harness.service.artifacts.find((a) => a.name === 'flaky')
    expect(result.id).toBe(String(record?.id))
  })

  it('passes retention-days through as expires_at', async ({ expect }) => {
    const { root, paths } = snapshots({ 'k.txt': 'k\n' })
    const before = Date.now()
    await uploadSnapshots({
      ...base,
      name: 'kept-3-days',
      retentionDays: 3,
      rootDirectory: root,
      files: paths,
      env: process.env,
    })
    const after = Date.now()
    const [create] = callsFor('CreateArtifact', 'kept-3-days')
    // The client computes "now + 3 days" at some instant between before and after.
    const expiresAt = Date.parse(String(create.body.expires_at))
    expect(expiresAt).toBeGreaterThanOrEqual(threeDaysAfter(before, 'earliest'))
    expect(expiresAt).toBeLessThanOrEqual(threeDaysAfter(after, 'latest'))
    expect(harness.service.artifacts.find((a) => a.name === 'kept-3-days')?.expiresAt).toBe(
      create.body.expires_at,
    )
  })

  it('passes compression-level through: 0 stores, 9 deflates', async ({ expect }) => {
    const text = 'the same line, over and over\n'.repeat(2000)
    const { root, paths } = snapshots({ 'big.txt': text, 'small.txt': 'hi\n' })
    for (const level of [0, 9]) {
      await uploadSnapshots({
        ...base,
        name: `level-${level}`,
        compressionLevel: level,
        rootDirectory: root,
        files: paths,
        env: process.env,
      })
    }
    // The client adds entries concurrently: their order in the zip is not part of the contract.
    const stored = readZip(await harness.downloadZip('level-0')).sort((a, b) =>
      a.name.localeCompare(b.name),
    )
    expect(stored.map((e) => [e.name, e.method, e.compressedSize === e.size])).toEqual([
      ['big.txt', 0, true],
      ['small.txt', 0, true],
    ])
    const [big] = readZip(await harness.downloadZip('level-9')).filter((e) => e.name === 'big.txt')
    expect(big.method).toBe(8)
    expect(big.compressedSize).toBeLessThan(big.size / 10)
    expect(big.data.toString()).toBe(text)
  })

  it('refuses bad input and an absent runtime before talking to the service', async ({
    expect,
  }) => {
    const { root, paths } = snapshots({ 'n.txt': 'n\n' })
    const req = { ...base, name: 'never', rootDirectory: root, files: paths, env: process.env }
    const noRuntime = { ...process.env, ACTIONS_RUNTIME_TOKEN: '' }
    const cases: Array<[Parameters<typeof uploadSnapshots>[0], string]> = [
      [{ ...req, env: noRuntime }, 'ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset'],
      [
        { ...req, files: [join(root, 'gone.txt'), root] },
        `no regular files to upload under ${root}; these listed files vanished: ${join(root, 'gone.txt')}`,
      ],
      [{ ...req, files: [root] }, 'no regular files to upload'],
    ]
    for (const [bad, text] of cases) {
      const err = await uploadSnapshots(bad).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UploadError)
      expect((err as Error).message).toContain(text)
    }
    expect(harness.service.calls.some((c) => (c.body.name ?? c.body.name_filter) === 'never')).toBe(
      false,
    )
  })
})

describe('runtimePresent', () => {
  it('needs both ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL non-empty', ({ expect }) => {
    expect(runtimePresent({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_RESULTS_URL: 'u' })).toBe(true)
    expect(runtimePresent({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false)
    expect(runtimePresent({ ACTIONS_RUNTIME_TOKEN: '', ACTIONS_RESULTS_URL: 'u' })).toBe(false)
    expect(runtimePresent({})).toBe(false)
  })
})
