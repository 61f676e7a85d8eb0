/**
 * `npm run bench`: what the bundled action costs, as ratios against baselines. Runs
 * `node dist/index.js` exactly as the runner does (inputs as INPUT_* variables, file commands
 * as files), on 127.0.0.1 only. Timings are medians of several runs; nothing here is asserted,
 * the numbers are for people to read. Build first: `npm run bundle`.
 *
 * 1. Cold start without upload vs with upload. "With upload" loads the @actions/artifact chunk
 *    and makes one CreateArtifact call to an inline stand-in that answers 400 (a Twirp JSON
 *    error the client does not retry): the cost of the module and one round trip, without the
 *    zip and blob transfer (those depend on the network, not on this action).
 * 2. 50 trivial sensors with concurrency 1 vs a bash loop running the same 50 scripts: the
 *    engine's overhead against "one process per sensor".
 * 3. Peak RSS with one sensor printing 1 GiB (default max-bytes) vs one trivial sensor: stays
 *    ~1 when output is streamed and dropped, not buffered.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BUNDLE = path.join(ROOT, 'dist/index.js')
const RUNS = 7
const SENSOR_RUNS = 5
const MEMORY_RUNS = 3
const MANY = 50
const GIB = 1024 ** 3
const GNU_TIME = '/usr/bin/time'

if (!existsSync(BUNDLE)) {
  console.error(`${BUNDLE} is missing: run \`npm run bundle\` first.`)
  process.exit(1)
}

const base = mkdtempSync(path.join(tmpdir(), 'looop-bench-'))
process.on('exit', () => rmSync(base, { recursive: true, force: true }))

/** A workspace with `sensors/<name>.sh` for each entry of `sensors` (name → body). */
function workspace(label, sensors) {
  const dir = path.join(base, label)
  mkdirSync(path.join(dir, 'sensors'), { recursive: true })
  for (const [name, body] of Object.entries(sensors)) {
    writeFileSync(path.join(dir, 'sensors', `${name}.sh`), `#!/usr/bin/env bash\n${body}\n`, {
      mode: 0o755,
    })
  }
  return dir
}

/** The runner's environment for one step, and nothing of this process's but PATH and HOME. */
function actionEnv(dir, inputs, extra = {}) {
  const files = path.join(dir, '..', `${path.basename(dir)}-files`)
  mkdirSync(path.join(files, 'temp'), { recursive: true })
  const output = path.join(files, 'output')
  const summary = path.join(files, 'summary')
  writeFileSync(output, '')
  writeFileSync(summary, '')
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: path.join(files, 'temp'),
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_REPOSITORY: 'looop/sense-bench',
    GITHUB_RUN_ID: '1',
    GITHUB_JOB: 'bench',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...extra,
  }
}

/** Runs `argv` in `cwd`; resolves with its exit code, stdout and wall time in ms. */
function timed(argv, cwd, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }))
  })
}

/** Runs the action `times` times; every run must end with `expectCode`. Returns the runs. */
async function repeat(times, dir, inputs, extra, expectCode, check = () => {}) {
  const runs = []
  for (let i = 0; i < times; i++) {
    const run = await timed([process.execPath, BUNDLE], dir, actionEnv(dir, inputs, extra))
    if (run.code !== expectCode) {
      throw new Error(
        `action in ${dir} exited ${run.code}, expected ${expectCode}\n${run.stdout}\n${run.stderr}`,
      )
    }
    check(run)
    runs.push(run)
  }
  return runs
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const ms = (v) => `${v.toFixed(0)} ms`
const mib = (kib) => `${(kib / 1024).toFixed(1)} MiB`

/**
 * A results service that answers every call with a Twirp 400: the client fails at once (400 is
 * not retried) after it has loaded the artifact module and made one request.
 */
async function refusingResultsService() {
  let calls = 0
  const server = createServer((req, res) => {
    calls++
    req.resume()
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: 'invalid_argument', msg: 'bench: refused on purpose' }))
    })
  })
  await new Promise((done) => server.listen(0, '127.0.0.1', done))
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const scp =
    'Actions.Results:00000000-0000-0000-0000-000000000001:00000000-0000-0000-0000-000000000002'
  return {
    env: {
      ACTIONS_RUNTIME_TOKEN: `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp })}.`,
      ACTIONS_RESULTS_URL: `http://127.0.0.1:${server.address().port}/`,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
    },
    calls: () => calls,
    stop: () => new Promise((done) => server.close(() => done())),
  }
}

/**
 * Peak RSS (KiB) of `node dist/index.js`. GNU time reports the largest maximum RSS among the
 * process and the descendants it waited for; the sensors here (bash, head) are far smaller than
 * node, so that is node's. Without GNU time, VmHWM is sampled from /proc until the process exits.
 */
async function peakRss(dir, inputs) {
  const env = actionEnv(dir, inputs)
  if (existsSync(GNU_TIME)) {
    const out = path.join(base, `rss-${Date.now()}-${Math.random()}`)
    const run = await timed([GNU_TIME, '-f', '%M', '-o', out, process.execPath, BUNDLE], dir, env)
    if (run.code !== 0) throw new Error(`action exited ${run.code}\n${run.stdout}\n${run.stderr}`)
    return Number(readFileSync(out, 'utf8').trim().split('\n').at(-1))
  }
  const child = spawn(process.execPath, [BUNDLE], { cwd: dir, env, stdio: 'ignore' })
  let kib = 0
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
      if (m) kib = Math.max(kib, Number(m[1]))
    } catch {
      // The process has just exited: the last sample stands.
    }
  }
  const timer = setInterval(sample, 10)
  const code = await new Promise((done) => child.on('close', done))
  clearInterval(timer)
  if (code !== 0) throw new Error(`action exited ${code}`)
  return kib
}

const rows = []
const notes = []
/** Median of section 1 without upload: the fixed cost the per-sensor row subtracts. */
let coldNoUpload = 0
const started = performance.now()

// 1. Cold start, without and with the upload module.
{
  const trivial = { a: `echo '{"signal":1}'`, b: `echo '{"signal":2}'`, c: `echo '{"signal":3}'` }
  const dir = workspace('cold', trivial)
  const inputs = { probes: 'none', concurrency: '1' }
  const without = await repeat(RUNS, dir, { ...inputs, upload: 'false' }, {}, 0)
  const service = await refusingResultsService()
  let withUpload
  try {
    withUpload = await repeat(RUNS, dir, { ...inputs, upload: 'true' }, service.env, 1, (run) => {
      if (!run.stdout.includes('(400) Bad Request: bench: refused on purpose')) {
        throw new Error(`the upload did not reach the stand-in:\n${run.stdout}\n${run.stderr}`)
      }
    })
    if (service.calls() !== RUNS) throw new Error(`stand-in saw ${service.calls()} calls`)
  } finally {
    await service.stop()
  }
  const a = median(without.map((r) => r.ms))
  const b = median(withUpload.map((r) => r.ms))
  rows.push(['cold start, 3 sensors: upload false → true (chunk + 1 call)', ms(a), ms(b), b / a])
  notes.push(
    '"upload true" loads the @actions/artifact chunk and makes one CreateArtifact call that a ' +
      'local stand-in refuses with 400 (not retried): module cost + one round trip, no zip/blob transfer.',
  )
  coldNoUpload = a
}

// 2. 50 trivial sensors, one at a time, vs the same scripts in a bash loop.
{
  const sensors = Object.fromEntries(
    Array.from({ length: MANY }, (_, i) => [
      `s${String(i).padStart(2, '0')}`,
      `echo '{"signal":1}'`,
    ]),
  )
  const dir = workspace('many', sensors)
  const bashRuns = []
  for (let i = 0; i < SENSOR_RUNS; i++) {
    const run = await timed(
      ['bash', '-c', 'for f in sensors/*.sh; do "$f" > /dev/null; done'],
      dir,
      { PATH: process.env.PATH, HOME: process.env.HOME },
    )
    if (run.code !== 0) throw new Error(`bash loop exited ${run.code}: ${run.stderr}`)
    bashRuns.push(run)
  }
  const actionRuns = await repeat(
    SENSOR_RUNS,
    dir,
    { probes: 'none', concurrency: '1', upload: 'false' },
    {},
    0,
  )
  const a = median(bashRuns.map((r) => r.ms))
  const b = median(actionRuns.map((r) => r.ms))
  rows.push([`${MANY} trivial sensors, concurrency 1: bash loop → action`, ms(a), ms(b), b / a])
  const perSensor = (b - coldNoUpload) / (MANY - 3)
  rows.push([
    'per extra sensor (action: (t50 − t3) / 47; bash: t50 / 50)',
    `${(a / MANY).toFixed(1)} ms`,
    `${perSensor.toFixed(1)} ms`,
    perSensor / (a / MANY),
  ])
}

// 3. Peak RSS: 1 GiB on stdout vs a trivial sensor, default max-bytes; and 4 GiB vs 1 GiB, which
// shows whether the peak grows with the output at all.
{
  const inputs = { probes: 'none', upload: 'false', 'fail-on-error': 'false' }
  /** Median peak RSS (KiB) of runs whose one sensor prints `size` bytes (0: a trivial sensor). */
  const medianRss = async (size) => {
    const body = size === 0 ? `echo '{"signal":1}'` : `head -c ${size} /dev/zero`
    const dir = workspace(`rss-${size}`, { flood: body })
    const kib = []
    for (let i = 0; i < MEMORY_RUNS; i++) kib.push(await peakRss(dir, inputs))
    // The flood must have been read to its end (counted and dropped), not cut short.
    const index = readFileSync(path.join(dir, 'snapshots', 'index.json'), 'utf8')
    if (size > 0 && !new RegExp(`"bytes":\\s*${size}\\b`).test(index)) {
      throw new Error(`index.json of the ${size}-byte run does not count ${size} bytes:\n${index}`)
    }
    return median(kib)
  }
  const trivial = await medianRss(0)
  const oneGib = await medianRss(GIB)
  const fourGib = await medianRss(4 * GIB)
  rows.push([
    'peak RSS: trivial sensor → 1 GiB on stdout',
    mib(trivial),
    mib(oneGib),
    oneGib / trivial,
  ])
  rows.push(['peak RSS: 1 GiB → 4 GiB on stdout', mib(oneGib), mib(fourGib), fourGib / oneGib])
  notes.push(
    `peak RSS via ${existsSync(GNU_TIME) ? 'GNU time %M' : '/proc/<pid>/status VmHWM sampling'}, median of ${MEMORY_RUNS}; default max-bytes (8192).`,
  )
}

const total = (performance.now() - started) / 1000
console.log(
  `looop sense bench — node ${process.version}, ${cpus().length} CPUs, medians of ${RUNS} (cold start) / ${SENSOR_RUNS} (sensors) runs, ${total.toFixed(0)} s\n`,
)
console.log('| measure | baseline | looop sense | ratio |')
console.log('|---|---:|---:|---:|')
for (const [measure, baseline, ours, ratio] of rows) {
  console.log(`| ${measure} | ${baseline} | ${ours} | ${ratio.toFixed(2)} |`)
}
console.log('')
for (const note of notes) console.log(`- ${note}`)
