/**
 * `vm/build-initramfs.sh --arch x86_64|aarch64 --out DIR`: compiles the
 * guest /init and writes DIR/initramfs.cpio.zst.
 */
import { resolve } from 'node:path';
import { parseBuildArgs } from './build-args.ts';
import { buildInitramfs } from './initramfs-build.ts';

try {
  const args = parseBuildArgs(process.argv.slice(2));
  const result = await buildInitramfs({ arch: args.arch, outDir: resolve(args.outDir) });
  console.log(`${result.path} (${result.bytes} bytes; /init ${result.initBytes} bytes)`);
} catch (err) {
  console.error(`build-initramfs: ${(err as Error).message}`);
  process.exitCode = 1;
}
