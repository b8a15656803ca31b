#!/usr/bin/env bash
# Builds the actiond VM guest kernel: build-kernel.sh --arch x86_64|aarch64 --out DIR [--jobs N] [--cache DIR]
# The logic lives in tools/src/vm/kernel-build.ts; this wrapper only finds the
# repository's pinned Node so pnpm scripts, CI and a Bazel genrule call the same code.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/node_modules/.bin/node" "$root/tools/src/vm/build-kernel-cli.ts" "$@"
