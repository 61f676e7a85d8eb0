#!/usr/bin/env bash
# How many TODO/FIXME markers live in src/: the count is the signal (it wakes the loop when it
# moves), where they are is detail.
set -euo pipefail
hits=$(grep -rnE 'TODO|FIXME' src 2>/dev/null || true)
count=0
[ -n "$hits" ] && count=$(printf '%s\n' "$hits" | wc -l | tr -d ' ')
files=$(printf '%s\n' "$hits" | cut -d: -f1 | sort -u | head -20 |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(s.split("\n").filter(Boolean))))')
printf '{"signal":{"todo":%s},"detail":{"files":%s}}\n' "$count" "$files"
