/**
 * The declared runtime set: which runtimes exist, where their packages come
 * from, and what goes into each. This file is the one place to change the
 * set; `pnpm runtimes:update` turns it into the lock, and the build refuses a
 * lock that no longer matches it.
 */

/** A CPU architecture an image is built for, named as `uname -m` prints it. */
export type RuntimeArch = 'x86_64' | 'aarch64';

/** Everything the build needs to know about an architecture. */
export interface ArchInfo {
  readonly arch: RuntimeArch;
  /** Debian's name for it, as in `binary-amd64` and `_amd64.deb`. */
  readonly debianArch: string;
  /** The multiarch tuple under /lib and /usr/lib. */
  readonly multiarch: string;
  /** ELF e_machine of every binary in the runtime (EM_X86_64, EM_AARCH64). */
  readonly elfMachine: number;
  /** Top-level directories a merged-/usr system aliases into /usr (debootstrap's list for the arch). */
  readonly mergedUsrAliases: readonly string[];
}

/** The two architectures images are built for. */
export const ARCHES: readonly ArchInfo[] = [
  { arch: 'x86_64', debianArch: 'amd64', multiarch: 'x86_64-linux-gnu', elfMachine: 62, mergedUsrAliases: ['bin', 'lib', 'lib64', 'sbin'] },
  { arch: 'aarch64', debianArch: 'arm64', multiarch: 'aarch64-linux-gnu', elfMachine: 183, mergedUsrAliases: ['bin', 'lib', 'sbin'] },
];

/** Looks up an architecture by its `uname -m` name; throws listing the supported ones. */
export function archInfo(arch: string): ArchInfo {
  const found = ARCHES.find((a) => a.arch === arch);
  if (found === undefined) throw new Error(`unsupported architecture ${JSON.stringify(arch)}; supported: ${ARCHES.map((a) => a.arch).join(', ')}`);
  return found;
}

/** One runtime: a named userland built from one Debian suite. */
export interface RuntimeSpec {
  /** The value of the `libc` execution property that selects it, and its top-level directory in the image. */
  readonly name: string;
  readonly suite: string;
  /** The glibc upstream version libc6 must have; the update fails if the suite moved on. */
  readonly glibc: string;
  /** Whether the suite's systems alias /bin, /lib, /sbin (and /lib64) into /usr (bookworm and later). */
  readonly mergedUsr: boolean;
  /** Packages wanted for their own sake; their dependencies follow. */
  readonly roots: readonly string[];
  /** Packages (or virtual names) dependency resolution stops at. */
  readonly excluded: readonly string[];
}

// The C runtime, then the userland Bazel's action and test scripts call by
// path. libc-bin brings getconf, ldd, iconv and the C.UTF-8 locale, which build
// scripts use (`getconf _NPROCESSORS_ONLN`, LANG=C.UTF-8). dash is there so
// /bin/sh behaves exactly as on a Debian host: `#!/bin/sh` scripts that work on
// Debian work here, and bashisms fail the same way.
const ROOTS = [
  'libc6',
  'libc-bin',
  'libgcc-s1',
  'libstdc++6',
  'bash',
  'dash',
  'coreutils',
  'sed',
  'grep',
  'findutils',
  'diffutils',
  'gzip',
  'tar',
];

// Needed only by maintainer scripts (which we never run) or by interactive
// use: the package manager, debconf, the install-info trigger, base-files
// (its /etc is replaced by ours) and debianutils (add-shell, run-parts).
const EXCLUDED = ['base-files', 'debianutils', 'dpkg', 'install-info', 'debconf', 'debconf-2.0'];

/** The runtimes every image holds, in image order. */
export const RUNTIMES: readonly RuntimeSpec[] = [
  { name: 'glibc2.31', suite: 'bullseye', glibc: '2.31', mergedUsr: false, roots: ROOTS, excluded: EXCLUDED },
  { name: 'glibc2.36', suite: 'bookworm', glibc: '2.36', mergedUsr: true, roots: ROOTS, excluded: EXCLUDED },
  { name: 'glibc2.41', suite: 'trixie', glibc: '2.41', mergedUsr: true, roots: ROOTS, excluded: EXCLUDED },
];

/** The account actions run as inside a runtime; written to /etc/passwd and /etc/group and recorded in the manifest. */
export interface SandboxUser {
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  readonly group: string;
  readonly home: string;
}

/**
 * The sandbox account, and the only place it is defined. The sandbox must run
 * actions with this uid/gid so that `id -un`, `whoami` and tools that look up
 * the current user (ssh, python's getpass) find an entry. `--sandbox-uid`
 * and `--sandbox-gid` on the build override the numbers; the image manifest
 * records what was used.
 */
export const DEFAULT_SANDBOX_USER: SandboxUser = { uid: 65534, gid: 65534, user: 'nobody', group: 'nogroup', home: '/nonexistent' };

/**
 * The sandbox account for `uid`/`gid`: the default (nobody/nogroup) when they
 * match it, otherwise an account named `sandbox`. Lets a deployment whose
 * sandbox maps actions to another id keep `id -un` working.
 */
export function sandboxUserFor(uid: number, gid: number): SandboxUser {
  for (const [what, n] of [['uid', uid], ['gid', gid]] as const) {
    if (!Number.isInteger(n) || n < 0 || n > 0xfffffffe) throw new Error(`sandbox ${what} must be an integer from 0 to 4294967294, got ${n}`);
  }
  if (uid === DEFAULT_SANDBOX_USER.uid && gid === DEFAULT_SANDBOX_USER.gid) return DEFAULT_SANDBOX_USER;
  return { uid, gid, user: 'sandbox', group: 'sandbox', home: '/nonexistent' };
}
