#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine needs to run, test and build actiond:
# Debian packages (protoc, Bazel 4.2.3 for the e2e client, QEMU, kernel sources,
# squashfs/ext4 tools, a C toolchain for the native helpers), pnpm, and the workspace's
# npm dependencies (which pin Node.js 24). Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.21.0
APT_PACKAGES=(
  build-essential python3 ca-certificates xz-utils zstd
  protobuf-compiler
  bazel-bootstrap
  squashfs-tools e2fsprogs cpio
  qemu-system-x86 qemu-system-arm qemu-user-static
  linux-source-6.1 bc flex bison libelf-dev libssl-dev gcc-aarch64-linux-gnu
)

log() { printf 'setup: %s\n' "$*"; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

log "installing the workspace (Node.js 24 comes from the lock file)"
CI=true pnpm install --frozen-lockfile


# The default runtime image (the userlands actions run in), built once from the
# pinned Debian packages and cached: later runs take no network. Rebuilt when the
# lock changes.
arch=$(uname -m)
image="build/runtimes/runtimes-$arch.squashfs"
if [ ! -f "$image" ] || [ runtimes/runtimes.lock.json -nt "$image" ]; then
  log "building the runtime image $image (first run downloads about 40 MiB of Debian packages)"
  pnpm runtimes:build --arch "$arch"
fi
log "ready: Node $(pnpm exec node --version), pnpm $(pnpm --version), runtime image $image"
