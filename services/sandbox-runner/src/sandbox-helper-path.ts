import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where node-gyp leaves the helper when this package installs (binding.gyp). */
const BUILT = fileURLToPath(new URL('../build/Release/actiond-sandbox', import.meta.url));

/**
 * Absolute path of the built actiond-sandbox executable. Throws an error that
 * says how to build it when it is missing or not executable: `pnpm install`
 * builds it (this package's install script runs node-gyp), and
 * `pnpm --filter @actiond/sandbox-runner run install` rebuilds it after the C
 * sources change.
 */
export function sandboxHelperPath(): string {
  return executableHelper(BUILT);
}

/** `path` if it is an executable file, else the error {@link sandboxHelperPath} documents. */
export function executableHelper(path: string): string {
  try {
    accessSync(path, constants.X_OK);
  } catch (cause) {
    throw new Error(
      `actiond-sandbox is not built at ${path}: run \`pnpm install\` at the workspace root, ` +
        'or `pnpm --filter @actiond/sandbox-runner run install` to rebuild it (needs python3, make and a C compiler)',
      { cause },
    );
  }
  return path;
}
