#!/usr/bin/env bash
# Is the committed dist/ bundle built from the committed src/? Compares the newest commit that
# touched each: a src/ change with no dist/ change after it means the action runs stale code.
set -euo pipefail
src=$(git log -1 --format=%ct -- src 2>/dev/null || echo 0)
dist=$(git log -1 --format=%ct -- dist 2>/dev/null || echo 0)
dirty=$(git status --porcelain -- src dist | wc -l | tr -d ' ')
stale=false
[ "${src:-0}" -gt "${dist:-0}" ] && stale=true
printf '{"signal":{"dist_stale":%s},"detail":{"src_commit_time":%s,"dist_commit_time":%s,"uncommitted_files":%s}}\n' \
  "$stale" "${src:-0}" "${dist:-0}" "$dirty"
