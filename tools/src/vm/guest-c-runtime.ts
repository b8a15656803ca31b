import { posix } from 'node:path';
import type { DebCache } from '../runtimes/deb-cache.ts';
import { readDebData } from '../runtimes/deb-package.ts';
import { readElfDynamic } from '../runtimes/elf-dynamic.ts';
import type { RuntimeLock } from '../runtimes/runtime-lock.ts';
import type { ArchInfo } from '../runtimes/runtime-set.ts';
import { RuntimeTree } from '../runtimes/runtime-tree.ts';
import { defaultTrim } from '../runtimes/runtime-trim.ts';

/**
 * The runtime of the lock whose C library the guest system image takes: the
 * pinned Debian 12 packages, the same bytes the glibc2.36 action runtime
 * ships, so the image depends on nothing installed on the build machine.
 */
export const GUEST_C_RUNTIME = 'glibc2.36';

/** The packages the guest's Node.js needs from it. */
export const GUEST_C_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6'] as const;

/**
 * libgcc-s1 and libstdc++6 keep their copyright notice in gcc-N-base (their
 * /usr/share/doc directories are symlinks to it), so that package comes
 * along for its notice alone.
 */
const NOTICE_PACKAGE = /^gcc-\d+-base$/;

/** A file of the C runtime as it goes into the system image. */
export interface CRuntimeFile {
  /** Path inside the image, e.g. `lib/x86_64-linux-gnu/libc.so.6` or `lib64/ld-linux-x86-64.so.2`. */
  readonly path: string;
  readonly data: Buffer;
  readonly mode: number;
}

/** The locked packages {@link guestCRuntime} reads, for the cache key and the download step. */
export function guestCRuntimePackages(lock: RuntimeLock, arch: ArchInfo) {
  const runtime = lock.runtimes.find((rt) => rt.name === GUEST_C_RUNTIME);
  if (runtime === undefined) {
    throw new Error(`the runtime lock has no ${GUEST_C_RUNTIME} runtime, which the guest system image takes its C library from (tools/src/vm/guest-c-runtime.ts)`);
  }
  const packages = GUEST_C_PACKAGES.map((name) => {
    const pkg = runtime.packages[arch.arch].find((p) => p.name === name);
    if (pkg === undefined) throw new Error(`the ${GUEST_C_RUNTIME} runtime of the lock has no ${name} for ${arch.arch}`);
    return pkg;
  });
  return [...packages, ...runtime.packages[arch.arch].filter((p) => NOTICE_PACKAGE.test(p.name))];
}

/**
 * The files an executable needs to run in an otherwise empty root: its
 * program interpreter at the path the executable names, and every shared
 * library in the DT_NEEDED closure under `lib/<multiarch>/` by the name it is
 * asked for (glibc's loader finds them there by default, no ld.so.cache
 * needed), plus each package's copyright notice under
 * `share/doc/<package>/` (the image redistributes these binaries; their
 * licenses require the notices to go with them). The libraries come from the locked packages
 * (fetched into `cache` if missing). Throws naming any library the packages
 * do not have.
 */
export async function guestCRuntime(executable: Buffer, lock: RuntimeLock, arch: ArchInfo, cache: DebCache): Promise<CRuntimeFile[]> {
  const packages = guestCRuntimePackages(lock, arch);
  const tree = new RuntimeTree({ mergedUsrAliases: arch.mergedUsrAliases, trim: defaultTrim });
  for (const pkg of packages) tree.addPackage(pkg.name, await readDebData(await cache.read(pkg), `${pkg.name} ${pkg.version}`));

  const files: CRuntimeFile[] = [];
  const main = readElfDynamic(executable, 'the executable');
  if (main.machine !== arch.elfMachine) throw new Error(`the executable is for ELF machine ${main.machine}, not ${arch.arch} (${arch.elfMachine})`);
  if (main.interpreter === undefined) throw new Error('the executable has no program interpreter (it is static and needs no C runtime)');
  const interpreter = resolveFile(tree, main.interpreter, 'the program interpreter');
  files.push({ path: main.interpreter.replace(/^\//, ''), data: interpreter.data, mode: 0o755 });

  const searchDirs = [`lib/${arch.multiarch}`, `usr/lib/${arch.multiarch}`, 'lib', 'usr/lib'];
  const interpreterName = posix.basename(main.interpreter);
  const seen = new Set<string>();
  const pending = [...main.needed];
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (seen.has(name) || name === interpreterName) continue;
    seen.add(name);
    const found = searchDirs.map((dir) => tree.resolve(`${dir}/${name}`)).find((r) => r?.node.kind === 'file');
    if (found === undefined || found.node.kind !== 'file') {
      throw new Error(`${name} (needed by Node.js) is in none of ${GUEST_C_PACKAGES.join(', ')} of the ${GUEST_C_RUNTIME} runtime for ${arch.arch}`);
    }
    files.push({ path: `lib/${arch.multiarch}/${name}`, data: found.node.data, mode: 0o755 });
    pending.push(...readElfDynamic(found.node.data, name).needed);
  }
  for (const pkg of packages) {
    const copyright = tree.resolve(`usr/share/doc/${pkg.name}/copyright`);
    if (copyright?.node.kind !== 'file') throw new Error(`${pkg.name} ${pkg.version} has no usr/share/doc/${pkg.name}/copyright, which must travel with its binaries`);
    files.push({ path: `share/doc/${pkg.name}/copyright`, data: copyright.node.data, mode: 0o644 });
  }
  return files;
}

function resolveFile(tree: RuntimeTree, path: string, what: string) {
  const found = tree.resolve(path);
  if (found === undefined || found.node.kind !== 'file') throw new Error(`${what} ${path} is not in ${GUEST_C_PACKAGES.join(', ')}`);
  return found.node;
}
