import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Options of {@link sandboxHelperPath}. */
export interface SandboxHelperPathOptions {
  /**
   * Use this executable instead of the one node-gyp builds in the checkout.
   * The standalone binary passes its embedded copy, extracted at startup; the
   * library itself never looks anywhere else (no environment variables).
   */
  readonly path?: string;
}

/**
 * Where node-gyp leaves the helper when this package installs (binding.gyp).
 * Computed on demand rather than at module load: in a CommonJS bundle (the
 * standalone binary) `import.meta.url` is not this file, and only callers
 * that pass no `path` need the checkout's location.
 */
function builtHelperPath(): string {
  return fileURLToPath(new URL('../build/Release/actiond-sandbox', import.meta.url));
}

/**
 * Absolute path of the actiond-sandbox executable: `options.path` when given,
 * else the one built in the checkout. Throws when it is missing or not
 * executable: for the checkout's, an error that says how to build it
 * (`pnpm install` builds it, this package's install script runs node-gyp;
 * `pnpm --filter @actiond/sandbox-runner run install` rebuilds it after the C
 * sources change); for a given path, one that names that path.
 */
export function sandboxHelperPath(options: SandboxHelperPathOptions = {}): string {
  if (options.path === undefined) return executableHelper(builtHelperPath());
  try {
    accessSync(options.path, constants.X_OK);
  } catch (cause) {
    throw new Error(`the actiond-sandbox helper given as ${options.path} is not an executable file`, { cause });
  }
  return options.path;
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
