import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../vm/run-command.ts';
import type { StandaloneArch } from './standalone-arch.ts';

/** Where the sandbox runner package keeps its sources and node-gyp's output, relative to the repository. */
const PACKAGE = 'services/sandbox-runner';
const TARGET = 'actiond-sandbox';

/** How binding.gyp builds the helper: what a cross build must repeat. */
export interface HelperCompilation {
  /** Source files, relative to the sandbox runner package. */
  readonly sources: readonly string[];
  /** Compiler and linker arguments, in node-gyp's order: -D defines, cflags, ldflags. */
  readonly args: readonly string[];
}

/**
 * Reads the actiond-sandbox target of binding.gyp (JSON once its `#` comment
 * lines are dropped, as tools/src/bazel reads it), so the cross build cannot
 * drift from the one node-gyp runs.
 */
export function helperCompilation(bindingGyp: string): HelperCompilation {
  const gyp = JSON.parse(bindingGyp.replace(/^\s*#.*$/gm, '')) as {
    targets?: { target_name?: string; sources?: string[]; defines?: string[]; cflags?: string[]; 'cflags!'?: string[]; ldflags?: string[] }[];
  };
  const target = gyp.targets?.find((t) => t.target_name === TARGET);
  if (target === undefined) throw new Error(`${PACKAGE}/binding.gyp has no target named ${TARGET}`);
  if (target.sources === undefined || target.sources.length === 0) throw new Error(`${PACKAGE}/binding.gyp: ${TARGET} lists no sources`);
  const removed = new Set(target['cflags!'] ?? []);
  return {
    sources: target.sources,
    args: [
      ...(target.defines ?? []).map((d) => `-D${d}`),
      ...(target.cflags ?? []).filter((f) => !removed.has(f)),
      ...(target.ldflags ?? []),
    ],
  };
}

/**
 * The static actiond-sandbox executable for `arch`. For the CPU this runs on
 * it is the one `pnpm install` built with node-gyp; for the other it is
 * compiled into `workDir` with the cross compiler, from binding.gyp's
 * sources and flags.
 */
export async function sandboxHelperFor(arch: StandaloneArch, repoRoot: string, workDir: string): Promise<string> {
  const packageDir = join(repoRoot, PACKAGE);
  if (arch.native) {
    const built = join(packageDir, 'build', 'Release', TARGET);
    if (!existsSync(built)) {
      throw new Error(`${built} is missing: run \`pnpm install\` at the workspace root (the sandbox runner's install script builds it)`);
    }
    return built;
  }
  const compilation = helperCompilation(readFileSync(join(packageDir, 'binding.gyp'), 'utf8'));
  const output = join(workDir, TARGET);
  await runCommand(arch.crossCompiler, [...compilation.args, '-o', output, ...compilation.sources], { cwd: packageDir }, `Debian package gcc-${arch.info.multiarch}`);
  return output;
}
