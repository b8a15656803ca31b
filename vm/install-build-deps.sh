#!/usr/bin/env bash
# Installs the Debian packages the VM kernel, initramfs and boot tests need
# (Debian 12). Idempotent: apt-get skips what is already there.
set -euo pipefail
packages=(
  linux-source-6.1            # the kernel source tarball, /usr/src/linux-source-6.1.tar.xz
  make gcc libc6-dev bc flex bison libelf-dev libssl-dev perl xz-utils  # kernel build, static /init
  gcc-aarch64-linux-gnu       # arm64 kernel and static arm64 /init (brings libc6-dev-arm64-cross)
  e2fsprogs                   # mkfs.ext4 for CAS images, e2fsck in the boot test
  squashfs-tools              # mksquashfs for the boot test's stand-in system image
  qemu-system-x86 qemu-system-arm  # boot smoke tests
  cpio                        # only to inspect initramfs images by hand
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-build-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-build-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
