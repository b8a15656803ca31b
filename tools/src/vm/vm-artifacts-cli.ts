/**
 * `node tools/src/vm/vm-artifacts-cli.ts --arch x86_64|aarch64 [--out DIR] [--no-runtimes]`:
 * builds (or finds in the caches) everything `serve-vm` boots and prints
 * their paths as one JSON object on stdout (kernel, initramfs, systemImage,
 * runtimeImage); progress goes to stderr. serve-vm runs this in a checkout
 * when no image flags are given. DIR defaults to build/vm/<arch>.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './repo-paths.ts';
import { ensureVmArtifacts } from './vm-artifacts.ts';
import { vmArch } from './vm-arch.ts';

try {
  const { values } = parseArgs({ options: { arch: { type: 'string' }, out: { type: 'string' }, 'no-runtimes': { type: 'boolean' } }, strict: true });
  if (values.arch === undefined) throw new Error('missing --arch (x86_64 or aarch64)');
  const arch = vmArch(values.arch);
  const artifacts = await ensureVmArtifacts({
    arch: arch.name,
    outDir: resolve(values.out ?? join(REPO_ROOT, 'build', 'vm', arch.name)),
    runtimes: values['no-runtimes'] !== true,
    log: (line) => void process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(artifacts)}\n`);
} catch (error) {
  process.stderr.write(`vm-artifacts: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
