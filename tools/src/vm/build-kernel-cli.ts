/**
 * `vm/build-kernel.sh --arch x86_64|aarch64 --out DIR [--jobs N] [--cache DIR]`:
 * builds (or takes from the cache) the VM guest kernel and copies the boot
 * image, its .zst copy, kernel.config and kernel-manifest.json into DIR.
 */
import { resolve } from 'node:path';
import { parseBuildArgs } from './build-args.ts';
import { buildKernel } from './kernel-build.ts';
import { vmArch } from './vm-arch.ts';

try {
  const args = parseBuildArgs(process.argv.slice(2), ['jobs', 'cache']);
  vmArch(args.arch);
  const result = await buildKernel({
    arch: args.arch,
    outDir: resolve(args.outDir),
    ...(args.jobs === undefined ? {} : { jobs: args.jobs }),
    ...(args.cacheDir === undefined ? {} : { cacheDir: resolve(args.cacheDir) }),
    log: (line) => console.error(`build-kernel: ${line}`),
  });
  const m = result.manifest;
  console.log(`${result.image} (${m.imageBytes} bytes; ${m.imageZst} ${m.imageZstBytes} bytes; Linux ${m.kernelRelease}; ${result.cached ? 'cached' : `built in ${m.buildSeconds} s`})`);
} catch (err) {
  console.error(`build-kernel: ${(err as Error).message}`);
  process.exitCode = 1;
}
