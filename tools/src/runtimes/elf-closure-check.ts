import { posix } from 'node:path';
import { isElf, readElfDynamic } from './elf-dynamic.ts';
import type { ArchInfo } from './runtime-set.ts';
import type { RuntimeTree } from './runtime-tree.ts';

/**
 * Checks, without running anything, that every ELF file in a runtime can be
 * loaded there: it is built for the runtime's architecture, its interpreter
 * exists, and each DT_NEEDED library is found. Returns one line per problem
 * (empty when the runtime is complete), naming the file and what is missing.
 *
 * Libraries are searched as glibc's loader does in a runtime without
 * /etc/ld.so.cache (we never run ldconfig): DT_RUNPATH/DT_RPATH with $ORIGIN
 * expanded, then Debian's built-in multiarch and plain system directories.
 * ld.so.conf is deliberately not consulted: only ldconfig reads it.
 */
export function checkElfClosure(tree: RuntimeTree, arch: ArchInfo): string[] {
  const problems: string[] = [];
  const systemDirs = [`lib/${arch.multiarch}`, `usr/lib/${arch.multiarch}`, 'lib', 'usr/lib'];
  const isFile = (path: string): boolean => tree.resolve(path)?.node.kind === 'file';
  for (const [path, node] of tree.entries()) {
    if (node.kind !== 'file' || !isElf(node.data)) continue;
    let info;
    try {
      info = readElfDynamic(node.data, path);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    if (info.machine !== arch.elfMachine) {
      problems.push(`/${path} (${node.owner}): ELF machine ${info.machine}, expected ${arch.elfMachine} for ${arch.arch}`);
      continue;
    }
    if (info.interpreter !== undefined && !isFile(info.interpreter)) {
      problems.push(`/${path} (${node.owner}): interpreter ${info.interpreter} not found`);
    }
    const origin = posix.dirname(`/${path}`);
    const dirs = [...info.searchPath.map((d) => d.replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin)), ...systemDirs];
    for (const lib of info.needed) {
      const found = lib.includes('/') ? isFile(lib) : dirs.some((d) => isFile(`${d}/${lib}`));
      if (!found) problems.push(`/${path} (${node.owner}): needs ${lib}, not found in ${dirs.map((d) => `/${d.replace(/^\//, '')}`).join(':')}`);
    }
  }
  return problems;
}
