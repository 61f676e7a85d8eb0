/**
 * The upload as shipped: `node dist/index.js` run the way the runner runs it, uploading through
 * the real @actions/artifact client to the results-service stand-in and Azurite. One harness
 * serves every test; each test uses its own artifact name, so they run concurrently (the 500
 * test sits out the client's ~28 s of retries while the others run).
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, it } from 'vitest'
import {
  type ActionRun,
  commands,
  jsonSensor,
  type Workspace,
  workspace,
} from './fixtures/action.js'
import {
  readZip,
  startUploadHarness,
  threeDaysAfter,
  type UploadHarness,
} from './fixtures/results-service.js'

let harness: UploadHarness
const workspaces: Workspace[] = []

beforeAll(async () => {
  harness = await startUploadHarness()
})

afterAll(async () => {
  await Promise.all(workspaces.map((w) => w.cleanup()))
  await harness?.stop()
})

async function freshWorkspace(): Promise<Workspace> {
  const ws = await workspace()
  workspaces.push(ws)
  return ws
}

/** Two sensors, one of which fails with stderr, so the run writes a `.err` file too. */
async function okAndFailingSensors(ws: Workspace): Promise<void> {
  await ws.write('sensors/good.sh', jsonSensor({ signal: { up: true }, detail: 'x'.repeat(500) }))
  await ws.write('sensors/bad.sh', '#!/usr/bin/env bash\necho "disk unreadable" >&2\nexit 7\n')
}

/** The calls that concern one artifact name (every method names it, or filters by it). */
function callsFor(name: string, method?: string) {
  return harness.service.calls.filter(
    (c) => (c.body.name ?? c.body.name_filter) === name && (!method || c.method === method),
  )
}

/** The last `::error::` message, decoded from the workflow-command escaping. */
function lastError(run: ActionRun): string {
  const line = commands(run.stdout, 'error').at(-1) ?? ''
  return line
    .replace(/^::error[^:]*::/, '')
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%25/g, '%')
}

/** Name → bytes of every regular file in the snapshots directory, read after the run. */
async function filesOnDisk(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const full = path.join(entry.parentPath, entry.name)
    files.set(path.relative(dir, full), await readFile(full))
  }
  return files
}

function liveArtifact(name: string) {
  return harness.service.artifacts.filter((a) => a.name === name && !a.deleted).at(-1)
}

const EMPTY_ARTIFACT_OUTPUTS = { 'artifact-id': '', 'artifact-url': '', 'artifact-digest': '' }

describe.concurrent('the bundled action uploading its snapshots', () => {
  it('uploads by default (upload: auto) when the runtime is present, publishing id, url and digest', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    await okAndFailingSensors(ws)
    // No `upload` input: the default `auto` must upload because the runtime is there.
    const run = await ws.run({ 'artifact-name': 'e2e-ok' }, harness.env)

    // The failing sensor fails the step, but the upload itself went through.
    expect(run.code).toBe(1)
    const error = lastError(run)
    expect(error).toContain('1 of 2 sensors failed: sensor-bad (failed)')
    expect(error).not.toContain('upload')
    expect(commands(run.stdout, 'notice').join('\n')).not.toContain('Artifact upload skipped')
    expect(callsFor('e2e-ok', 'CreateArtifact').map((c) => c.status)).toEqual([200])
    expect(callsFor('e2e-ok', 'FinalizeArtifact').map((c) => c.status)).toEqual([200])

    const snapshots = path.join(ws.dir, 'snapshots')
    const onDisk = await filesOnDisk(snapshots)
    expect([...onDisk.keys()]).toEqual(
      expect.arrayContaining([
        'index.json',
        'sensor-good.json',
        'sensor-bad.json',
        'sensor-bad.err',
      ]),
    )
    const zip = await harness.downloadZip('e2e-ok')
    const entries = readZip(zip)
    expect(entries.map((e) => e.name).sort()).toEqual([...onDisk.keys()].sort())
    for (const entry of entries) {
      expect(entry.data.equals(onDisk.get(entry.name) as Buffer), entry.name).toBe(true)
    }

    const record = liveArtifact('e2e-ok')
    expect(record?.finalized).toBe(true)
    const digest = createHash('sha256').update(zip).digest('hex')
    expect(run.outputs).toMatchObject({
      'artifact-id': String(record?.id),
      'artifact-url': `https://github.com/looop/sense-fixture/actions/runs/4242/artifacts/${record?.id}`,
      'artifact-digest': digest,
    })
    expect(record?.hash).toBe(`sha256:${digest}`)
    // No retention asked: the repository's setting applies, so none is sent.
    expect(record?.expiresAt).toBeUndefined()
    expect(run.summary).toContain(`<a href="${run.outputs['artifact-url']}">e2e-ok</a>`)
  })

  it('leaves out files of the snapshots directory that this run did not write', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    await ws.write('snapshots/notes.txt', 'written by hand, not by a sensor\n', 0o644)
    const run = await ws.run(
      { 'artifact-name': 'e2e-foreign', upload: 'true', probes: 'none' },
      harness.env,
    )

    expect(run.code).toBe(0)
    const snapshots = path.join(ws.dir, 'snapshots')
    // The foreign file is neither pruned nor uploaded.
    expect(await readFile(path.join(snapshots, 'notes.txt'), 'utf8')).toBe(
      'written by hand, not by a sensor\n',
    )
    const entries = readZip(await harness.downloadZip('e2e-foreign'))
    expect(entries.map((e) => e.name).sort()).toEqual(['index.json', 'sensor-good.json'])
  })

  it("still uploads, with a warning, when a sensor deleted another sensor's snapshot", async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    // concurrency 1: `a` has published before `b` deletes its snapshot.
    await ws.write('sensors/a.sh', jsonSensor({ signal: 'a' }))
    await ws.write(
      'sensors/b.sh',
      `#!/bin/sh\nrm "$SNAPSHOTS_DIR/sensor-a.json"\necho '{"signal":"b"}'\n`,
    )
    const run = await ws.run(
      { 'artifact-name': 'e2e-vanished', upload: 'true', probes: 'none', concurrency: '1' },
      harness.env,
    )

    expect(run.code).toBe(0)
    expect(run.outputs['artifact-id']).not.toBe('')
    const warning = commands(run.stdout, 'warning').join('\n')
    expect(warning).toContain('snapshots missing from the artifact')
    expect(warning).toContain('sensor-a.json')
    const entries = readZip(await harness.downloadZip('e2e-vanished'))
    expect(entries.map((e) => e.name).sort()).toEqual(['index.json', 'sensor-b.json'])
  })

  it('skips the upload with a notice when there is no runtime and upload is auto', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    const run = await ws.run({ 'artifact-name': 'e2e-auto', upload: 'auto', probes: 'none' })

    expect(run.code).toBe(0)
    expect(commands(run.stdout, 'error')).toEqual([])
    expect(commands(run.stdout, 'notice')).toContainEqual(
      expect.stringContaining('Artifact upload skipped: the Actions runtime is not available'),
    )
    expect(run.outputs).toMatchObject({ ...EMPTY_ARTIFACT_OUTPUTS, total: '1', ok: '1' })
    expect(run.summary).toContain('not uploaded: no Actions runtime')
    expect(callsFor('e2e-auto')).toEqual([])
  })

  it('fails when upload is true and there is no runtime, after writing everything else', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    const run = await ws.run({ 'artifact-name': 'e2e-always', upload: 'true', probes: 'none' })

    expect(run.code).toBe(1)
    const error = lastError(run)
    expect(error).toContain('`upload` is `true` but the Actions runtime is not available')
    expect(error).toContain('ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are unset')
    expect(error).toContain('Run inside a GitHub Actions job, or set `upload: auto`')
    const snapshots = path.join(ws.dir, 'snapshots')
    expect((await readdir(snapshots)).sort()).toEqual(['index.json', 'sensor-good.json'])
    expect(run.summary).toContain('not uploaded: no Actions runtime')
    expect(run.outputs).toMatchObject({
      ...EMPTY_ARTIFACT_OUTPUTS,
      total: '1',
      ok: '1',
      'snapshots-dir': snapshots,
    })
    expect(run.outputs['world-hash']).toMatch(/^[0-9a-f]{64}$/)
    expect(callsFor('e2e-always')).toEqual([])
  })

  it('never calls the service when upload is false, even with the runtime present', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    const run = await ws.run(
      { 'artifact-name': 'e2e-never', upload: 'false', probes: 'none' },
      harness.env,
    )

    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ ...EMPTY_ARTIFACT_OUTPUTS, ok: '1' })
    expect(commands(run.stdout, 'notice')).toEqual([])
    expect(callsFor('e2e-never')).toEqual([])
    expect(harness.service.artifacts.some((a) => a.name === 'e2e-never')).toBe(false)
  })

  it('refuses a second upload under the same name, and replaces it with overwrite', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    const inputs = { 'artifact-name': 'e2e-clash', upload: 'true', probes: 'none' }

    const first = await ws.run(inputs, harness.env)
    expect(first.code).toBe(0)
    const firstId = first.outputs['artifact-id']
    expect(firstId).toBe(String(liveArtifact('e2e-clash')?.id))

    const second = await ws.run(inputs, harness.env)
    expect(second.code).toBe(1)
    const error = lastError(second)
    expect(error).toContain('artifact-name "e2e-clash" is already used by an artifact of this run')
    expect(error).toContain('job "sense"')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the workflow expression, literally
    expect(error).toContain('`artifact-name: e2e-clash-${{ github.job }}`')
    expect(error).toContain('`overwrite: true`')
    expect(error).toContain(`The snapshots are still in ${path.join(ws.dir, 'snapshots')}`)
    expect(second.outputs).toMatchObject({ ...EMPTY_ARTIFACT_OUTPUTS, ok: '1' })
    expect(callsFor('e2e-clash', 'DeleteArtifact')).toEqual([])

    const third = await ws.run({ ...inputs, overwrite: 'true' }, harness.env)
    expect(third.code).toBe(0)
    expect(callsFor('e2e-clash', 'DeleteArtifact').map((c) => c.status)).toEqual([200])
    const records = harness.service.artifacts.filter((a) => a.name === 'e2e-clash')
    expect(records.map((a) => [String(a.id), a.deleted])).toEqual([
      [firstId, true],
      [third.outputs['artifact-id'], false],
    ])
  })

  it('fails after writing summary and outputs when the service answers 403, naming both failures', async ({
    expect,
  }) => {
    harness.service.failNext({
      method: 'CreateArtifact',
      name: 'e2e-403',
      status: 403,
      msg: 'token lacks Actions.Results scope',
    })
    const ws = await freshWorkspace()
    await okAndFailingSensors(ws)
    const run = await ws.run({ 'artifact-name': 'e2e-403', upload: 'true' }, harness.env)

    expect(run.code).toBe(1)
    const snapshots = path.join(ws.dir, 'snapshots')
    const error = lastError(run)
    expect(error).toContain('1 of 2 sensors failed: sensor-bad (failed)')
    expect(error).toContain('Artifact upload failed: artifact "e2e-403" upload failed')
    expect(error).toContain('(403) Forbidden: token lacks Actions.Results scope')
    expect(error).toContain(`The snapshots are still in ${snapshots}`)
    // One failure message that holds both, not two competing ones.
    expect(commands(run.stdout, 'error').filter((l) => l.includes('Artifact upload'))).toHaveLength(
      1,
    )

    expect(callsFor('e2e-403', 'CreateArtifact').map((c) => c.status)).toEqual([403])
    expect(existsSync(path.join(snapshots, 'sensor-good.json'))).toBe(true)
    expect(existsSync(path.join(snapshots, 'sensor-bad.err'))).toBe(true)
    expect(run.summary).toContain('upload failed')
    expect(run.summary).toContain('sensor-bad')
    expect(run.outputs).toMatchObject({
      ...EMPTY_ARTIFACT_OUTPUTS,
      total: '2',
      failed: '1',
      'failed-sensors': '["sensor-bad"]',
    })
  })

  it('fails after the client gave up on a service that keeps answering 500', async ({ expect }) => {
    harness.service.failNext({
      method: 'CreateArtifact',
      name: 'e2e-500',
      status: 500,
      times: Number.POSITIVE_INFINITY,
      msg: 'database on fire',
    })
    const ws = await freshWorkspace()
    await ws.write('sensors/good.sh', jsonSensor({ signal: 1 }))
    const run = await ws.run(
      { 'artifact-name': 'e2e-500', upload: 'true', probes: 'none' },
      harness.env,
    )

    expect(run.code).toBe(1)
    const error = lastError(run)
    expect(error).not.toContain('sensors failed')
    expect(error).toContain('Artifact upload failed: artifact "e2e-500" upload failed')
    expect(error).toContain('after 5 attempts')
    expect(error).toContain('(500) Internal Server Error: database on fire')
    expect(callsFor('e2e-500', 'CreateArtifact').map((c) => c.status)).toEqual([
      500, 500, 500, 500, 500,
    ])
    expect(existsSync(path.join(ws.dir, 'snapshots', 'sensor-good.json'))).toBe(true)
    expect(run.summary).toContain('upload failed')
    expect(run.outputs).toMatchObject({ ...EMPTY_ARTIFACT_OUTPUTS, total: '1', ok: '1' })
  }, 90_000)

  it('passes retention-days and compression-level through to the service and the zip', async ({
    expect,
  }) => {
    const ws = await freshWorkspace()
    await ws.write(
      'sensors/big.sh',
      jsonSensor({ signal: 1, detail: 'the same line, over and over\n'.repeat(2000) }),
    )
    const before = Date.now()
    const run = await ws.run(
      {
        'artifact-name': 'e2e-levels',
        upload: 'true',
        probes: 'none',
        'max-bytes': '1048576',
        'retention-days': '3',
        'compression-level': '0',
      },
      // The same time zone as this process, so that both agree on what "3 days later" is.
      { ...harness.env, TZ: process.env.TZ },
    )
    const after = Date.now()

    expect(run.code).toBe(0)
    const [create] = callsFor('e2e-levels', 'CreateArtifact')
    // The client computes "now + 3 days" at some instant between before and after.
    const expiresAt = Date.parse(String(create?.body.expires_at))
    expect(expiresAt).toBeGreaterThanOrEqual(threeDaysAfter(before, 'earliest'))
    expect(expiresAt).toBeLessThanOrEqual(threeDaysAfter(after, 'latest'))
    expect(liveArtifact('e2e-levels')?.expiresAt).toBe(create?.body.expires_at)

    const entries = readZip(await harness.downloadZip('e2e-levels'))
    const stored = entries.map((e) => [e.name, e.method, e.compressedSize === e.size])
    expect(stored.sort()).toEqual([
      ['index.json', 0, true],
      ['sensor-big.json', 0, true],
    ])
    const onDisk = await readFile(path.join(ws.dir, 'snapshots', 'sensor-big.json'))
    expect(entries.find((e) => e.name === 'sensor-big.json')?.data.equals(onDisk)).toBe(true)
    // Level 0 was a choice, not a consequence: this snapshot deflates to a small fraction.
    expect(deflateRawSync(onDisk).length).toBeLessThan(onDisk.length / 10)
  })
})
