#!/usr/bin/env bash
# Writes the many small source files that //exec/inputs:manifest reads: 12
# directories of 30 files (360 in all) with sizes from 0 to about 2 KiB. They are
# generated rather than checked in to keep hundreds of trivial files out of git;
# the output is deterministic, and //exec/inputs:manifest_test checks its digest.
# tools/e2e.sh runs this before every build; run it yourself before a plain
# `bazel build` in e2e/workspace. Idempotent: it rewrites the same bytes.
set -euo pipefail
cd "$(dirname "$0")"

rm -rf generated
for d in $(seq -w 1 12); do
  mkdir -p "generated/dir_$d"
  for f in $(seq -w 1 30); do
    # 10#: seq -w pads with zeros, which bash would otherwise read as octal.
    lines=$(( (10#$d * 30 + 10#$f) % 37 ))
    path="generated/dir_$d/file_$f.txt"
    : > "$path"
    for ((i = 1; i <= lines; i++)); do
      printf 'exec/inputs generated dir_%s file_%s line %d\n' "$d" "$f" "$i" >> "$path"
    done
  done
done
