#!/usr/bin/env bash
# Builds the actiond VM guest initramfs: build-initramfs.sh --arch x86_64|aarch64 --out DIR
# The logic lives in tools/src/vm/initramfs-build.ts (see build-kernel.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$root/node_modules/.bin/node" "$root/tools/src/vm/build-initramfs-cli.ts" "$@"
