import { chmod, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DiscoveryError, discoverSensors, patternBase, sensorName } from '../src/sense/discover.js'
import { writeSensor } from './fixtures/sensors.js'

let root: string
let wd: string

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'looop-discover-'))
  wd = path.join(root, 'work')
  await mkdir(wd)
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Writes a small bash sensor at `rel` under `base` (default: the working directory). */
function sensor(rel: string, { exec = true, base = wd } = {}): Promise<string> {
  return writeSensor(path.join(base, rel), 'echo "{}"', {
    mode: exec ? 0o755 : 0o644,
    shebang: true,
  })
}

const names = (scripts: { name: string }[]) => scripts.map((s) => s.name)

describe('sensorName', () => {
  it('removes the last extension and turns folders into dots', () => {
    expect(sensorName('today.sh')).toBe('today')
    expect(sensorName('net/ping.sh')).toBe('net.ping')
    expect(sensorName('a/b/c.tar.gz')).toBe('a.b.c.tar')
    expect(sensorName('v1.2/check')).toBe('v1.2.check')
    expect(sensorName('.env.sh')).toBe('.env')
    expect(sensorName('.hidden')).toBe('.hidden')
  })

  it('replaces every character outside [A-Za-z0-9._-] with _', () => {
    expect(sensorName('my disk (ssd)/free space+%.sh')).toBe('my_disk__ssd_.free_space__')
    expect(sensorName('caf\u00e9/\u{1F600}.sh')).toBe('caf_.__')
    expect(sensorName('ok_name-1.sh')).toBe('ok_name-1')
  })
})

describe('patternBase', () => {
  it('is the folders before the first glob segment', () => {
    expect(patternBase('sensors/*.sh')).toBe('sensors')
    expect(patternBase('sensors/**/*.sh')).toBe('sensors')
    expect(patternBase('a/b/c?/*.sh')).toBe('a/b')
    expect(patternBase('a/[xy]/*.sh')).toBe('a')
    expect(patternBase('*.sh')).toBe('.')
    expect(patternBase('/opt/s/*.sh')).toBe('/opt/s')
  })

  it('is its own folder for a pattern without glob characters', () => {
    expect(patternBase('checks/disk.sh')).toBe('checks')
    expect(patternBase('disk.sh')).toBe('.')
  })

  it('treats escaped and one-character sets as literal', () => {
    expect(patternBase('a/[*]b/*.sh')).toBe('a/*b')
    expect(patternBase('a/\\?/x.sh')).toBe('a/?')
  })
})

describe('discoverSensors', () => {
  it('finds the default pattern and names sensors after their path', async () => {
    const today = await sensor('sensors/today.sh')
    await sensor('sensors/net/ping.sh')
    await sensor('sensors/readme.md')
    const scripts = await discoverSensors(['sensors/*.sh'], wd)
    expect(scripts).toEqual([
      { name: 'today', snapshotName: 'sensor-today', path: today, executable: true },
    ])
  })

  it('recurses with ** and names nested sensors with dots', async () => {
    await sensor('sensors/today.sh')
    await sensor('sensors/net/ping.sh')
    await sensor('sensors/net/v6/ping.sh')
    const scripts = await discoverSensors(['sensors/**/*.sh'], wd)
    expect(names(scripts)).toEqual(['net.ping', 'net.v6.ping', 'today'])
    expect(scripts.map((s) => s.snapshotName)).toEqual([
      'sensor-net.ping',
      'sensor-net.v6.ping',
      'sensor-today',
    ])
  })

  it('takes several patterns, ignoring blank lines, whitespace and # comments', async () => {
    await sensor('sensors/a.sh')
    await sensor('checks/disk.sh')
    await sensor('more/x/y.sh')
    const scripts = await discoverSensors(
      ['  sensors/*.sh  ', '', '# checks/nothing.sh', 'checks/disk.sh\n\n more/**/*.sh'],
      wd,
    )
    // Sorted by path, not by pattern.
    expect(scripts.map((s) => [path.relative(wd, s.path), s.name])).toEqual([
      ['checks/disk.sh', 'disk'],
      ['more/x/y.sh', 'x.y'],
      ['sensors/a.sh', 'a'],
    ])
  })

  it('applies ! excludes to every include, wherever they stand', async () => {
    await sensor('sensors/a.sh')
    await sensor('sensors/slow.sh')
    await sensor('sensors/net/ping.sh')
    await sensor('sensors/net/flaky.sh')
    await sensor('extra/slow.sh')
    const scripts = await discoverSensors(
      ['!**/slow.sh', 'sensors/**/*.sh', 'extra/*.sh', '!sensors/net/flaky.sh'],
      wd,
    )
    expect(names(scripts)).toEqual(['a', 'net.ping'])
  })

  it('excludes a whole folder with !folder/**', async () => {
    await sensor('sensors/a.sh')
    await sensor('sensors/wip/b.sh')
    const scripts = await discoverSensors(['sensors/**/*.sh', '! sensors/wip/**'], wd)
    expect(names(scripts)).toEqual(['a'])
  })

  it('lists files only: a directory named x.sh is not a sensor', async () => {
    await sensor('sensors/a.sh')
    await mkdir(path.join(wd, 'sensors', 'x.sh'))
    await sensor('sensors/x.sh/inner.sh')
    expect(names(await discoverSensors(['sensors/*.sh'], wd))).toEqual(['a'])
  })

  it('lists a file matched by several patterns once, named by the first pattern', async () => {
    const ping = await sensor('sensors/net/ping.sh')
    const first = await discoverSensors(
      ['sensors/net/*.sh', 'sensors/**/*.sh', 'sensors/*/ping.sh'],
      wd,
    )
    expect(first).toEqual([
      { name: 'ping', snapshotName: 'sensor-ping', path: ping, executable: true },
    ])
    const second = await discoverSensors(['sensors/**/*.sh', 'sensors/net/*.sh'], wd)
    expect(names(second)).toEqual(['net.ping'])
  })

  it('names a pattern without glob characters after its own folder', async () => {
    await sensor('checks/disk.sh')
    await sensor('checks/other.sh')
    const scripts = await discoverSensors(['checks/disk.sh'], wd)
    expect(names(scripts)).toEqual(['disk'])
    expect(names(await discoverSensors(['./checks/disk.sh'], wd))).toEqual(['disk'])
  })

  it('sanitises odd characters in names', async () => {
    await sensor('sensors/free space (GB)+.sh')
    await sensor('sensors/caf\u00e9/t\u00e9.sh')
    const scripts = await discoverSensors(['sensors/**/*'], wd)
    expect(names(scripts)).toEqual(['caf_.t_', 'free_space__GB__'])
  })

  it('reports the exec bit as it is', async () => {
    await sensor('sensors/run.sh', { exec: true })
    await sensor('sensors/plain.sh', { exec: false })
    const file = await sensor('sensors/user-only.sh', { exec: false })
    await chmod(file, 0o744)
    const scripts = await discoverSensors(['sensors/*.sh'], wd)
    expect(scripts.map((s) => [s.name, s.executable])).toEqual([
      ['plain', false],
      ['run', true],
      ['user-only', true],
    ])
  })

  it('follows a symlink to a file and skips broken ones', async () => {
    const target = await sensor('real/target.sh', { base: root })
    await mkdir(path.join(wd, 'sensors'))
    await symlink(target, path.join(wd, 'sensors', 'linked.sh'))
    await symlink(path.join(root, 'missing.sh'), path.join(wd, 'sensors', 'broken.sh'))
    const scripts = await discoverSensors(['sensors/*.sh'], wd)
    expect(names(scripts)).toEqual(['linked'])
    expect(scripts[0].path).toBe(path.join(wd, 'sensors', 'linked.sh'))
  })

  it('names the one pattern @actions/glob refuses, include or exclude, among good ones', async () => {
    for (const bad of ['sensors/../other/*.sh', '!sensors/../other/x.sh']) {
      const attempt = discoverSensors(['sensors/*.sh', bad, 'more/*.sh'], wd)
      await expect(attempt).rejects.toThrow(DiscoveryError)
      await expect(attempt).rejects.toThrow(
        `sensors: the pattern ${JSON.stringify(bad)} is not usable: Invalid pattern`,
      )
    }
  })

  it('sorts by path in byte order', async () => {
    await sensor('sensors/b.sh')
    await sensor('sensors/B.sh')
    await sensor('sensors/a.sh')
    await sensor('sensors/_.sh')
    expect(names(await discoverSensors(['sensors/*.sh'], wd))).toEqual(['B', '_', 'a', 'b'])
  })

  it('returns an empty list when nothing matches', async () => {
    expect(await discoverSensors(['sensors/*.sh'], wd)).toEqual([])
    expect(await discoverSensors([], wd)).toEqual([])
    expect(await discoverSensors(['', '# only a comment'], wd)).toEqual([])
  })

  it('throws a DiscoveryError naming both paths when two scripts share a name', async () => {
    await sensor('sensors/net/ping.sh')
    await sensor('sensors/net.ping.sh')
    const found = discoverSensors(['sensors/**/*.sh'], wd)
    await expect(found).rejects.toBeInstanceOf(DiscoveryError)
    await expect(found).rejects.toThrow(
      'sensors: 2 scripts would be named "net.ping" (sensor-net.ping.json): ' +
        '"sensors/net.ping.sh", "sensors/net/ping.sh". Each sensor needs its own name: ' +
        'rename one of them, or exclude one with a "!" line in the sensors input, ' +
        'e.g. "!sensors/net/ping.sh"',
    )
  })

  it('refuses a name whose snapshot file would pass the 255-byte file-name limit', async () => {
    // Each folder name fits; together, as the dotted name, they do not.
    const deep = `sensors/${'d'.repeat(200)}/${'f'.repeat(100)}.sh`
    await sensor(deep)
    await sensor('sensors/short.sh')
    const error = await discoverSensors(['sensors/**/*.sh'], wd).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DiscoveryError)
    expect((error as Error).message).toContain(
      `"${deep}" would get a snapshot file name over 255 bytes`,
    )
  })

  it('skips files under an excluded folder (the snapshots directory)', async () => {
    await sensor('sensors/a.sh')
    await sensor('sensors/out/sensor-a.json')
    const found = await discoverSensors(['sensors/**'], wd, [path.join(wd, 'sensors/out')])
    expect(names(found)).toEqual(['a'])
  })

  it('counts a collision made by sanitising or by different extensions', async () => {
    await sensor('sensors/a b.sh')
    await sensor('sensors/a_b.sh')
    await sensor('sensors/x.sh')
    await sensor('sensors/x.py')
    const error = await discoverSensors(['sensors/*'], wd).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DiscoveryError)
    const message = (error as Error).message
    expect(message).toContain('"sensors/a b.sh", "sensors/a_b.sh"')
    expect(message).toContain('"sensors/x.py", "sensors/x.sh"')
  })

  it('resolves against the working directory, whatever process.cwd() is', async () => {
    await sensor('sensors/mine.sh')
    const elsewhere = path.join(root, 'elsewhere')
    await sensor('sensors/decoy.sh', { base: elsewhere })
    const before = process.cwd()
    process.chdir(elsewhere)
    try {
      const scripts = await discoverSensors(['sensors/*.sh', './sensors/*.sh'], wd)
      expect(names(scripts)).toEqual(['mine'])
      expect(scripts[0].path).toBe(path.join(wd, 'sensors', 'mine.sh'))
      // A relative working directory is relative to cwd, as any path is.
      expect(names(await discoverSensors(['sensors/*.sh'], '.'))).toEqual(['decoy'])
    } finally {
      process.chdir(before)
    }
  })

  it('takes a working directory whose name holds glob characters literally', async () => {
    const odd = path.join(root, 'w[1]*?')
    await sensor('sensors/a.sh', { base: odd })
    await sensor('sensors/b.sh', { base: path.join(root, 'w1xy') })
    const scripts = await discoverSensors(['sensors/*.sh'], odd)
    expect(names(scripts)).toEqual(['a'])
    expect(scripts[0].path).toBe(path.join(odd, 'sensors', 'a.sh'))
  })

  it('accepts leading .. segments, naming from the resolved base', async () => {
    await sensor('shared/net/up.sh', { base: root })
    const scripts = await discoverSensors(['../shared/**/*.sh'], wd)
    expect(names(scripts)).toEqual(['net.up'])
    expect(scripts[0].path).toBe(path.join(root, 'shared', 'net', 'up.sh'))
  })

  it('rejects a .. inside a pattern, naming the pattern', async () => {
    const error = await discoverSensors(['sensors/*.sh', 'sensors/../x/*.sh'], wd).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(DiscoveryError)
    expect((error as Error).message).toContain('"sensors/../x/*.sh"')
  })

  it('rejects a lone !, saying how to write an exclude', async () => {
    await expect(discoverSensors(['sensors/*.sh', '!'], wd)).rejects.toThrow(/!<pattern>/)
  })
})
