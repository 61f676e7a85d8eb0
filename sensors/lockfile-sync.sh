#!/usr/bin/env bash
# Does package-lock.json agree with package.json? A drift breaks `npm ci` on a clean machine.
set -euo pipefail
node --input-type=module -e '
import { readFileSync } from "node:fs"
const pkg = JSON.parse(readFileSync("package.json", "utf8"))
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"))
const root = lock.packages?.[""] ?? {}
const drift = []
for (const field of ["dependencies", "devDependencies"]) {
  for (const [name, range] of Object.entries(pkg[field] ?? {})) {
    if (root[field]?.[name] !== range) drift.push(name)
  }
}
process.stdout.write(JSON.stringify({ signal: { in_sync: drift.length === 0, drift: drift.sort() }, detail: { lockfile_version: lock.lockfileVersion } }) + "\n")
'
