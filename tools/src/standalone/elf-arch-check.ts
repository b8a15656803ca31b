import { readFile } from 'node:fs/promises';
import { readElfDynamic } from '../runtimes/elf-dynamic.ts';
import type { StandaloneArch } from './standalone-arch.ts';

/**
 * Throws, naming `label` and `path`, unless the file is an ELF executable for
 * `arch` and, when `linkage` is 'static', has no program interpreter (the
 * sandbox helper must run where the host's libc is unknown). Catches a helper
 * or Node.js binary for the wrong CPU before it is embedded.
 */
export async function checkElfArch(path: string, arch: StandaloneArch, linkage: 'static' | 'any', label: string): Promise<void> {
  const info = readElfDynamic(await readFile(path), `${label} (${path})`);
  if (info.machine !== arch.info.elfMachine) {
    throw new Error(`${label} (${path}) is for ELF machine ${info.machine}, not ${arch.name} (${arch.info.elfMachine})`);
  }
  if (linkage === 'static' && info.interpreter !== undefined) {
    throw new Error(`${label} (${path}) is dynamically linked (interpreter ${info.interpreter}); it must be static`);
  }
}
