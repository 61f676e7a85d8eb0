/**
 * `npm run bench`: what the bundled action costs, as ONE table of ratios against baselines that
 * run side by side with it, in the same run, on the same sensor scripts. Build first:
 * `npm run bundle`. Each row's runs are interleaved (baseline, ours, baseline, ours, …) so a
 * load spike from a neighbour hits both sides; every figure is a median of RUNS runs (cold
 * start: COLD_RUNS). Targets are the issue's; nothing here is asserted: the table is for people,
 * and `npm test` never runs it. `npm run bench -- a d` runs only rows a and d.
 *
 * The action runs as the runner runs it: `node dist/index.js` in a fresh process, inputs as
 * `INPUT_*` variables, the file commands as files, nothing of this process's environment but
 * PATH and HOME, on 127.0.0.1 only.
 *
 * Wall time is this process's clock around the child. CPU time and peak RSS come from GNU time
 * (`/usr/bin/time -f '%U %S %M'`): user + system time of the whole process tree the child
 * waited for (the action reaps its sensors, xargs its scripts), and the largest RSS of any one
 * process in it (for the action that is node itself: sensors here are bash, head, sleep).
 * Without GNU time those cells read n/a.
 */
import { spawn } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BUNDLE = path.join(ROOT, 'dist/index.js')
/** The merge sub-action's bundle (issue 10; ncc's `-o dist` would wipe one nested in dist/). */
const MERGE_BUNDLE = path.join(ROOT, 'merge/dist/index.js')
const NCC = path.join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js')
const GNU_TIME = '/usr/bin/time'
const HAVE_TIME = existsSync(GNU_TIME)
const RUNS = 5
/** Cold starts are short and noisy: more runs for the same confidence. */
const COLD_RUNS = 11
const GIB = 1024 ** 3
const MIB = 1024 ** 2
/** The default `max-bytes`. */
const CAP = 8192
const STDERR_KEEP = 64 * 1024
/** The time budget of the whole bench (issue 10). */
const BUDGET_S = 180
/**
 * Every bench sensor starts with this line. For such a script the kernel executes exactly
 * `/usr/bin/env bash <script>`, so an xargs running that argv executes each script directly,
 * with the same two program loads per sensor as the action's spawn, and nothing in between.
 */
const SHEBANG = ['/usr/bin/env', 'bash']

if (!existsSync(BUNDLE)) {
  console.error(`${BUNDLE} is missing: run \`npm run bundle\` first.`)
  process.exit(1)
}

const base = mkdtempSync(path.join(tmpdir(), 'looop-bench-'))
process.on('exit', () => rmSync(base, { recursive: true, force: true }))

// ---------------------------------------------------------------------------------------------
// Helpers

/** A workspace `label/` with `sensors/<name>.sh` for each entry of `sensors` (name → body). */
function workspace(label, sensors = {}) {
  const dir = path.join(base, label)
  mkdirSync(path.join(dir, 'sensors'), { recursive: true })
  for (const [name, body] of Object.entries(sensors)) {
    writeFileSync(path.join(dir, 'sensors', `${name}.sh`), `#!${SHEBANG.join(' ')}\n${body}\n`, {
      mode: 0o755,
    })
  }
  return dir
}

/** `count` sensors named s0000…, each with `body`. */
function many(count, body) {
  const width = String(count - 1).length
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`s${String(i).padStart(width, '0')}`, body]),
  )
}

/** A file listing the sensor scripts of `dir`, one absolute path a line, for `xargs -a`. */
function scriptList(dir) {
  const list = path.join(dir, '..', `${path.basename(dir)}.list`)
  const scripts = readdirSync(path.join(dir, 'sensors'))
    .sort()
    .map((f) => path.join(dir, 'sensors', f))
  writeFileSync(list, `${scripts.join('\n')}\n`)
  return list
}

/**
 * The runner's environment for one step, with fresh file-command files. Input names are
 * mangled as @actions/core reads them: spaces → `_`, upper case, hyphens kept.
 */
function actionEnv(dir, inputs, extra = {}) {
  const files = path.join(base, `${path.basename(dir)}-files-${randomUUID()}`)
  mkdirSync(path.join(files, 'temp'), { recursive: true })
  const output = path.join(files, 'output')
  const summary = path.join(files, 'summary')
  writeFileSync(output, '')
  writeFileSync(summary, '')
  const env = {
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
    ...Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
    ),
    ...extra,
  }
  return { env, files: { dir: files, temp: path.join(files, 'temp'), output, summary } }
}

/**
 * Runs `argv` in `cwd` (under GNU time when present). Resolves with the exit code, stdout,
 * stderr, wall ms, CPU ms (user + system of the whole waited-for tree) and peak RSS in KiB.
 */
function measure(argv, { cwd, env, stdout = 'pipe' }) {
  const timeFile = path.join(base, `time-${randomUUID()}`)
  const full = HAVE_TIME ? [GNU_TIME, '-f', '%U %S %M', '-o', timeFile, ...argv] : argv
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(full[0], full.slice(1), { cwd, env, stdio: ['ignore', stdout, 'pipe'] })
    let out = ''
    let err = ''
    child.stdout?.setEncoding('utf8').on('data', (d) => {
      out += d
    })
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      let cpuMs = Number.NaN
      let rssKiB = Number.NaN
      if (HAVE_TIME) {
        // GNU time writes "Command exited with non-zero status N" before the format line.
        const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? ''
        const [user, sys, rss] = last.split(' ').map(Number)
        cpuMs = (user + sys) * 1000
        rssKiB = rss
        rmSync(timeFile, { force: true })
      }
      resolve({ code, stdout: out, stderr: err, wallMs, cpuMs, rssKiB })
    })
  })
}

/** Runs the action bundle in `dir`; throws unless it exits with `expectCode`. */
async function runAction(dir, inputs, { extra = {}, expectCode = 0, bundle = BUNDLE } = {}) {
  const { env, files } = actionEnv(dir, inputs, extra)
  const run = await measure([process.execPath, bundle], { cwd: dir, env })
  if (run.code !== expectCode) {
    throw new Error(
      `${path.relative(ROOT, bundle)} in ${dir} exited ${run.code}, expected ${expectCode}\n` +
        `${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`,
    )
  }
  return {
    ...run,
    files,
    outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
    summaryBytes: statSync(files.summary).size,
  }
}

/** Runs a baseline command; throws unless it exits with `expectCode`. */
async function runBaseline(argv, cwd, expectCode = 0) {
  const run = await measure(argv, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdout: 'ignore',
  })
  if (run.code !== expectCode) {
    throw new Error(`baseline ${argv.join(' ')} exited ${run.code}: ${run.stderr.slice(-2000)}`)
  }
  return run
}

/** The runner's file-command format: `name<<DELIM\nvalue\nDELIM` and plain `name=value`. */
function parseOutputFile(text) {
  const out = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value = []
      i++
      while (i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i++])
      out[heredoc[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return out
}

function readIndex(dir, snapshotsDir = 'snapshots') {
  return JSON.parse(readFileSync(path.join(dir, snapshotsDir, 'index.json'), 'utf8'))
}

/** Throws unless every sensor in index.json ended with `status` and there are `count`. */
function expectStatuses(dir, count, status, snapshotsDir) {
  const sensors = readIndex(dir, snapshotsDir).sensors.filter((s) => s.kind === 'sensor')
  const wrong = sensors.filter((s) => s.status !== status)
  if (sensors.length !== count || wrong.length > 0) {
    throw new Error(
      `${dir}: expected ${count} sensors ${status}, got ${sensors.length}` +
        (wrong.length > 0 ? `, e.g. ${wrong[0].name} ${wrong[0].status}` : ''),
    )
  }
}

/** Bytes of every file under `dir`, recursively (0 when it does not exist). */
function bytesUnder(dir) {
  if (!existsSync(dir)) return 0
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    total += entry.isDirectory() ? bytesUnder(p) : statSync(p).size
  }
  return total
}

/** Live (not zombie) processes whose command line contains `marker`, as pids. */
function processesWith(marker) {
  const found = []
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (!cmdline.includes(marker)) continue
      // A killed orphan stays a zombie until PID 1 reaps it: dead all the same.
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
      if (state !== 'Z') found.push(Number(pid))
    } catch {
      // Gone between readdir and read.
    }
  }
  return found
}

function median(values) {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const fmtMs = (v) =>
  Number.isNaN(v) ? 'n/a' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`
const fmtMiB = (kib) => (Number.isNaN(kib) ? 'n/a' : `${(kib / 1024).toFixed(1)} MiB`)
const fmtBytes = (b) =>
  b >= MIB ? `${(b / MIB).toFixed(2)} MiB` : b >= 1024 ? `${(b / 1024).toFixed(1)} KiB` : `${b} B`

/**
 * Spawns ncc from node_modules to bundle `entry` into `outDir`. `cwd` matters for TypeScript:
 * ncc compiles with the tsconfig.json it finds from there; `--transpile-only`, because ncc
 * would otherwise type-check the whole project, and a type error in any test file is no
 * reason for the bench to fail.
 */
async function nccBuild(entry, outDir, cwd = path.dirname(entry)) {
  const argv = [process.execPath, NCC, 'build', entry, '-o', outDir, '-q', '--transpile-only']
  const run = await measure(argv, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  })
  if (run.code !== 0) throw new Error(`ncc build ${entry} failed:\n${run.stderr}`)
  const built = readdirSync(outDir).find((f) => /^index\.m?js$/.test(f))
  if (!built) throw new Error(`ncc build ${entry} left no index.js in ${outDir}`)
  return path.join(outDir, built)
}

/**
 * A folder under the bench's temp dir that resolves packages from this repository's
 * node_modules (a symlink), so ncc can bundle a file written there.
 */
function buildDir(label) {
  const dir = path.join(base, label)
  mkdirSync(dir, { recursive: true })
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir')
  return dir
}

/**
 * The merge finds the shards' artifacts through the results service, so row g runs the test
 * stand-in (with Azurite), bundled from test/fixtures by ncc. Bundling takes seconds, so the
 * bundle is kept in node_modules/.cache, keyed by the sources and the lockfile. It finds
 * Azurite at ../../node_modules from its own folder: a symlink two levels up provides that.
 */
async function uploadHarnessBundle() {
  const sources = [
    'test/fixtures/results-service.ts',
    'test/fixtures/azurite.ts',
    'package-lock.json',
  ]
  const hash = createHash('sha256')
  for (const file of sources) hash.update(readFileSync(path.join(ROOT, file)))
  const key = path.join(ROOT, 'node_modules/.cache/looop-bench', hash.digest('hex').slice(0, 16))
  const bundle = path.join(key, 'out', 'bundle', 'index.js')
  if (existsSync(bundle)) return bundle
  // A half-built cache entry (an interrupted bench) is rebuilt from scratch.
  rmSync(key, { recursive: true, force: true })
  mkdirSync(key, { recursive: true })
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(key, 'node_modules'), 'dir')
  const staging = path.join(key, 'out', 'staging')
  await nccBuild(path.join(ROOT, sources[0]), staging, ROOT)
  renameSync(staging, path.dirname(bundle))
  return bundle
}

// ---------------------------------------------------------------------------------------------
// The table

/** Rows: { id, measure, baseline, ours, ratio (number|undefined), target, met (bool|undefined) }. */
const rows = []
const notes = []
function row(id, measure, baseline, ours, ratio, target, met) {
  rows.push({ id, measure, baseline, ours, ratio, target, met })
}
function naRow(id, measure, why) {
  row(id, measure, '—', why, undefined, '—', undefined)
}

/** Ratio and met for "ours ≤ limit × baseline". */
function ratioRow(id, measure, baseline, ours, limit, fmt = fmtMs) {
  const ratio = ours / baseline
  const met = Number.isNaN(ratio) ? undefined : ratio <= limit
  row(id, measure, fmt(baseline), fmt(ours), ratio, `≤ ${limit}×`, met)
  return ratio
}

/** Runs every function in turn, `times` rounds; returns one list of results per function. */
async function sideBySide(times, ...sides) {
  const results = sides.map(() => [])
  for (let i = 0; i < times; i++) {
    for (const [k, side] of sides.entries()) results[k].push(await side(i))
  }
  return results
}

/**
 * Node's own floors, to tell what the action's code costs from what any Node program pays:
 * FLOOR_SPAWN runs every script of ./sensors with `concurrency` in flight, spawned as
 * run-sensor.ts spawns them (own group, stdout and stderr piped and read), and nothing else;
 * FLOOR_READ spawns one script and reads its stdout to the end, counting bytes.
 */
const FLOOR_SPAWN = `import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
const limit = Number(process.argv[2])
const scripts = readdirSync('sensors').sort().map((f) => path.resolve('sensors', f))
let next = 0
const one = (file) => new Promise((resolve) => {
  const child = spawn(file, [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  const kept = []
  child.stdout.on('data', (d) => kept.push(d))
  child.stderr.on('data', () => {})
  child.on('close', resolve)
})
const worker = async () => { while (next < scripts.length) await one(scripts[next++]) }
await Promise.all(Array.from({ length: limit }, worker))
`
const FLOOR_READ = `import { spawn } from 'node:child_process'
const child = spawn(process.argv[2], [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
let bytes = 0
child.stdout.on('data', (d) => { bytes += d.length })
child.stderr.resume()
child.on('close', () => { if (bytes === 0) process.exit(1) })
`
function floorScript(name, text) {
  const file = path.join(base, name)
  if (!existsSync(file)) writeFileSync(file, text)
  return file
}

const wall = (runs) => median(runs.map((r) => r.wallMs))
const cpu = (runs) => median(runs.map((r) => r.cpuMs))
const rss = (runs) => median(runs.map((r) => r.rssKiB))
const maxOf = (runs, key) => Math.max(...runs.map((r) => r[key]))

// ---------------------------------------------------------------------------------------------
// The rows

const TRIVIAL = `echo '{"signal":1}'`

async function rowA() {
  const count = 200
  const dir = workspace('a', many(count, TRIVIAL))
  const list = scriptList(dir)
  const floor = floorScript('floor-spawn.mjs', FLOOR_SPAWN)
  const [xargs, node, action] = await sideBySide(
    RUNS,
    () => runBaseline(['xargs', '-a', list, '-P8', '-n1', ...SHEBANG], dir),
    () => runBaseline([process.execPath, floor, '8'], dir),
    () => runAction(dir, { concurrency: '8', probes: 'none', upload: 'false' }),
  )
  expectStatuses(dir, count, 'ok')
  ratioRow(
    'a',
    `${count} trivial sensors @8: wall vs xargs -P8 -n1`,
    wall(xargs),
    wall(action),
    1.5,
  )
  ratioRow(
    'a',
    `${count} trivial sensors @8: CPU (process tree) vs xargs`,
    cpu(xargs),
    cpu(action),
    1.5,
  )
  row(
    'a',
    'reference: a minimal Node spawner (no action code), wall · CPU vs xargs',
    `${fmtMs(wall(xargs))} · ${fmtMs(cpu(xargs))}`,
    `${fmtMs(wall(node))} · ${fmtMs(cpu(node))}`,
    wall(node) / wall(xargs),
    '— (Node floor)',
    undefined,
  )
  notes.push(
    `(a) the minimal Node spawner's CPU ratio to xargs is ${(cpu(node) / cpu(xargs)).toFixed(2)}×; ` +
      'the ratio column shows wall.',
  )
}

async function rowB() {
  const count = 20
  const dir = workspace('b', many(count, `sleep 1\n${TRIVIAL}`))
  const list = scriptList(dir)
  const [xargs, action] = await sideBySide(
    RUNS,
    () => runBaseline(['xargs', '-a', list, '-P20', '-n1', ...SHEBANG], dir),
    () => runAction(dir, { concurrency: '20', probes: 'none', upload: 'false' }),
  )
  expectStatuses(dir, count, 'ok')
  const ours = wall(action)
  row(
    'b',
    `${count} sensors sleeping 1 s @20: wall (baseline xargs -P20)`,
    fmtMs(wall(xargs)),
    fmtMs(ours),
    ours / wall(xargs),
    '≤ 1250 ms',
    ours <= 1250,
  )
}

async function rowC() {
  const dir = workspace('c', { flood: `head -c ${GIB} /dev/zero` })
  const script = path.join(dir, 'sensors/flood.sh')
  const floor = floorScript('floor-read.mjs', FLOOR_READ)
  const [pipe, node, action] = await sideBySide(
    RUNS,
    () => runBaseline(['/bin/sh', '-c', '"$0" | cat > /dev/null', script], dir),
    () => runBaseline([process.execPath, floor, script], dir),
    async () => {
      const run = await runAction(dir, {
        probes: 'none',
        upload: 'false',
        'fail-on-error': 'false',
      })
      // The flood must have been read to its end (counted and dropped), not cut short.
      const [entry] = readIndex(dir).sensors
      if (entry.bytes !== GIB || entry.status !== 'too-large') {
        throw new Error(`1 GiB sensor: ${entry.status}, ${entry.bytes} bytes counted`)
      }
      return { ...run, disk: bytesUnder(path.join(dir, 'snapshots')) + bytesUnder(run.files.temp) }
    },
  )
  ratioRow(
    'c',
    '1 GiB on stdout: wall vs `sensor | cat > /dev/null`',
    wall(pipe),
    wall(action),
    1.5,
  )
  row(
    'c',
    'reference: a minimal Node reader of the same stdout, wall · peak RSS',
    fmtMs(wall(pipe)),
    `${fmtMs(wall(node))} · ${fmtMiB(rss(node))}`,
    wall(node) / wall(pipe),
    '— (Node floor)',
    undefined,
  )
  const peak = rss(action)
  row(
    'c',
    '1 GiB on stdout: peak RSS of node',
    '—',
    fmtMiB(peak),
    undefined,
    '≤ 100 MiB',
    peak <= 100 * 1024,
  )
  const disk = maxOf(action, 'disk')
  row(
    'c',
    '1 GiB on stdout: bytes written (snapshots + RUNNER_TEMP), max',
    '—',
    fmtBytes(disk),
    undefined,
    `≤ cap + 64 KiB (${fmtBytes(CAP + STDERR_KEEP)})`,
    disk <= CAP + STDERR_KEEP,
  )
}

async function rowD() {
  // The baseline any toolkit action pays: an ncc bundle that imports @actions/core, prints one line.
  const build = buildDir('toolkit')
  writeFileSync(
    path.join(build, 'index.mjs'),
    "import * as core from '@actions/core'\ncore.info('looop bench: toolkit baseline')\n",
  )
  const toolkit = await nccBuild(path.join(build, 'index.mjs'), path.join(build, 'out'))
  const dir = workspace('d')
  const inputs = {
    sensors: 'sensors/*.sh',
    'if-no-sensors': 'ignore',
    probes: 'all',
    upload: 'false',
  }
  const bare = []
  const core = []
  const ours = []
  for (let i = 0; i < COLD_RUNS; i++) {
    bare.push(await runBaseline([process.execPath, '-e', '0'], dir))
    core.push(await measure([process.execPath, toolkit], { cwd: dir, env: actionEnv(dir, {}).env }))
    ours.push(await runAction(dir, inputs))
  }
  if (core.some((r) => r.code !== 0)) throw new Error(`toolkit baseline failed: ${core[0].stderr}`)
  ratioRow(
    'd',
    'cold start, probes only, no upload: vs ncc bundle of @actions/core',
    wall(core),
    wall(ours),
    1.1,
  )
  row(
    'd',
    'cold start, probes only, no upload: vs bare `node -e 0`',
    fmtMs(wall(bare)),
    fmtMs(wall(ours)),
    wall(ours) / wall(bare),
    '— (reported)',
    undefined,
  )
}

async function rowE() {
  // A marker no other process carries: `sleep` accepts a fractional duration.
  const marker = `3600.${String(process.pid).padStart(6, '0')}${Math.floor(Math.random() * 1e6)}`
  const dir = workspace('e', { hung: `sleep ${marker} &\nsleep ${marker}\n${TRIVIAL}` })
  const script = path.join(dir, 'sensors/hung.sh')
  let left = 0
  const leftovers = () => {
    const pids = processesWith(marker)
    for (const pid of pids) process.kill(pid, 'SIGKILL')
    return pids.length
  }
  const [timeout, action] = await sideBySide(
    RUNS,
    // coreutils timeout runs the command in its own group and signals the whole group.
    async () => {
      const run = await runBaseline(['timeout', '1', script], dir, 124)
      leftovers()
      return run
    },
    async () => {
      const run = await runAction(dir, {
        timeout: '1',
        probes: 'none',
        upload: 'false',
        'fail-on-error': 'false',
      })
      left += leftovers()
      expectStatuses(dir, 1, 'timeout')
      return run
    },
  )
  const ours = wall(action)
  row(
    'e',
    'hung sensor with a child, timeout 1 s: wall (baseline coreutils timeout 1)',
    fmtMs(wall(timeout)),
    fmtMs(ours),
    ours / wall(timeout),
    '≤ 1300 ms',
    ours <= 1300,
  )
  row(
    'e',
    `hung sensor with a child: processes left after the action, all ${RUNS} runs`,
    '—',
    String(left),
    undefined,
    '0',
    left === 0,
  )
}

async function rowF() {
  const count = 2000
  const dir = workspace('f', many(count, TRIVIAL))
  // Row a's setting, run again here, alternately with this row's: a load that changes between
  // rows would otherwise move the ratio.
  const countA = 200
  const dirA = workspace('f-a', many(countA, TRIVIAL))
  const [small, runs] = await sideBySide(
    RUNS,
    () => runAction(dirA, { concurrency: '8', probes: 'none', upload: 'false' }),
    () => runAction(dir, { concurrency: '16', probes: 'none', upload: 'false' }),
  )
  expectStatuses(dir, count, 'ok')
  ratioRow(
    'f',
    `${count} trivial sensors @16: wall per sensor vs (a)'s ${countA} @8`,
    wall(small) / countA,
    wall(runs) / count,
    1.2,
    (v) => (Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)} ms`),
  )
  const peak = rss(runs)
  row(
    'f',
    `${count} trivial sensors @16: peak RSS of node`,
    '—',
    fmtMiB(peak),
    undefined,
    '≤ 150 MiB',
    peak <= 150 * 1024,
  )
  // With every sensor ok the summary is the short form (the table lists failed rows only).
  const summary = maxOf(runs, 'summaryBytes')
  row(
    'f',
    `${count} trivial sensors @16: job summary size, max`,
    '—',
    fmtBytes(summary),
    undefined,
    '< 1 MiB',
    summary < MIB,
  )
}

async function rowG() {
  const measureName = '400 sensors sleeping 0.1 s @40: 4 shards in a row + merge vs unsharded'
  if (!existsSync(MERGE_BUNDLE)) {
    naRow('g', measureName, `n/a (not built: ${path.relative(ROOT, MERGE_BUNDLE)})`)
    return
  }
  const fixtures = await import(await uploadHarnessBundle())
  const harness = await fixtures.startUploadHarness()
  try {
    const count = 400
    const dir = workspace('g', many(count, `sleep 0.1\n${TRIVIAL}`))
    const common = { concurrency: '40', probes: 'none', upload: 'true' }
    /** A fresh workflow run in the stand-in: artifact names never clash across iterations. */
    const runEnv = () => ({
      ...harness.env,
      ACTIONS_RUNTIME_TOKEN: fixtures.runtimeToken(randomUUID(), randomUUID()),
    })
    // Probe once: a dist whose `shard` input is still ignored would upload `snapshots` four times.
    await runAction(dir, { ...common, shard: '1/4', 'snapshots-dir': 'probe' }, { extra: runEnv() })
    if (readIndex(dir, 'probe').shard === undefined) {
      naRow('g', measureName, 'n/a (the `shard` input is not implemented in dist/index.js)')
      return
    }
    const full = []
    const sharded = []
    const merges = []
    const mismatches = []
    for (let i = 0; i < RUNS; i++) {
      full.push(await runAction(dir, { ...common, 'snapshots-dir': 'full' }, { extra: runEnv() }))
      const env = runEnv()
      let shardsMs = 0
      for (let k = 1; k <= 4; k++) {
        const run = await runAction(
          dir,
          { ...common, shard: `${k}/4`, 'snapshots-dir': `shard-${k}` },
          { extra: env },
        )
        shardsMs += run.wallMs
      }
      const mergeDir = workspace(`g-merge-${i}`)
      const merge = await runAction(
        mergeDir,
        { upload: 'true' },
        { extra: env, bundle: MERGE_BUNDLE },
      )
      merges.push(merge)
      sharded.push({ wallMs: shardsMs + merge.wallMs })
      if (merge.outputs['world-hash'] !== full.at(-1).outputs['world-hash']) {
        mismatches.push(`${merge.outputs['world-hash']} ≠ ${full.at(-1).outputs['world-hash']}`)
      }
    }
    expectStatuses(dir, count, 'ok', 'full')
    const baseline = wall(full)
    row(
      'g',
      measureName,
      fmtMs(baseline),
      fmtMs(wall(sharded)),
      wall(sharded) / baseline,
      '— (reported)',
      undefined,
    )
    row(
      'g',
      "the merge step's own cost vs the unsharded run",
      fmtMs(baseline),
      fmtMs(wall(merges)),
      wall(merges) / baseline,
      '— (reported)',
      undefined,
    )
    row(
      'g',
      `merged world hash equals the unsharded run's, all ${RUNS} runs`,
      '—',
      mismatches.length === 0 ? 'equal' : `${mismatches.length} differ`,
      undefined,
      'equal',
      mismatches.length === 0,
    )
    if (mismatches.length > 0) notes.push(`(g) merged ≠ unsharded world hash: ${mismatches[0]}`)
  } finally {
    await harness.stop()
  }
}

const ROWS = { a: rowA, b: rowB, c: rowC, d: rowD, e: rowE, f: rowF, g: rowG }

// ---------------------------------------------------------------------------------------------
// Main

const asked = process.argv.slice(2).map((s) => s.toLowerCase())
const unknown = asked.filter((id) => !(id in ROWS))
if (unknown.length > 0) {
  console.error(`Unknown row(s) ${unknown.join(', ')}; rows are ${Object.keys(ROWS).join(' ')}.`)
  process.exit(2)
}
const selected = new Set(asked.length > 0 ? asked : Object.keys(ROWS))

const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')
const started = performance.now()
for (const id of Object.keys(ROWS).filter((k) => selected.has(k))) {
  const t0 = performance.now()
  try {
    await ROWS[id]()
  } catch (error) {
    naRow(id, `row ${id}`, 'error (see notes)')
    notes.push(`(${id}) failed: ${error instanceof Error ? error.message : String(error)}`)
  }
  process.stderr.write(`bench: row ${id} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
}
const total = (performance.now() - started) / 1000

const cpuModel = cpus()[0]?.model ?? 'unknown CPU'
console.log(
  `looop sense bench: node ${process.version}, ${cpus().length} × ${cpuModel}, load average at start ${load}; ` +
    `medians of ${RUNS} runs (cold start ${COLD_RUNS}); ${total.toFixed(0)} s in all` +
    (total > BUDGET_S ? ` (OVER the ${BUDGET_S} s budget)` : ''),
)
console.log('')
console.log('| | measure | baseline | looop sense | ratio | target | |')
console.log('|---|---|---:|---:|---:|---|---|')
for (const r of rows) {
  const ratio = r.ratio === undefined || Number.isNaN(r.ratio) ? '—' : `${r.ratio.toFixed(2)}×`
  const met = r.met === undefined ? '' : r.met ? 'met' : 'MISSED'
  // A `|` inside a cell (a shell pipeline) would end the cell: Markdown escapes it.
  const cells = [r.id, r.measure, r.baseline, r.ours, ratio, r.target, met]
  console.log(`| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`)
}
console.log('')
notes.push(
  'CPU and peak RSS: GNU time (user + system of the process tree the child reaped; the largest ' +
    'single RSS in it, which for the action is node). Baseline for a, b: `xargs -P<n> -n1 ' +
    `${SHEBANG.join(' ')}\` over the same scripts, which is what the kernel runs for their ` +
    `\`#!${SHEBANG.join(' ')}\` line.`,
)
if (!HAVE_TIME) notes.push(`${GNU_TIME} is missing: CPU and RSS read n/a (apt-get install time).`)
for (const note of notes) console.log(`- ${note}`)
