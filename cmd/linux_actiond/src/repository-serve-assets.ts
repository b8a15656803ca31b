import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServeAssets } from './serve-assets.ts';

/**
 * The checkout this file is in. Computed on demand: in the standalone bundle
 * `import.meta.url` is not this file, and this function is never called there.
 */
function checkoutRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** Our name for the CPU Node runs on, as in runtime image file names; undefined for others. */
export function runtimeArch(nodeArch: string = process.arch): 'x86_64' | 'aarch64' | undefined {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return undefined;
}

/**
 * The assets of a server run from a checkout: the sandbox runner's default
 * helper (node-gyp's build), and `build/runtimes/runtimes-<arch>.squashfs`
 * when `pnpm runtimes:build` has made it.
 */
export function repositoryServeAssets(repository: string = checkoutRoot(), nodeArch: string = process.arch): ServeAssets {
  const arch = runtimeArch(nodeArch);
  const image = arch === undefined ? undefined : join(repository, 'build', 'runtimes', `runtimes-${arch}.squashfs`);
  return {
    sandboxHelper: undefined,
    defaultRuntimeImage: image !== undefined && existsSync(image) ? image : undefined,
  };
}
