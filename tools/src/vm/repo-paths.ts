import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in tools/src/vm/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** vm/ in the repository: kernel fragments, init sources, wrappers. */
export const VM_DIR = join(REPO_ROOT, 'vm');

/**
 * Where built kernels and the unpacked kernel source are kept between runs:
 * $ACTIOND_CACHE_DIR, else ~/.cache/actiond. It lives outside the checkout
 * on purpose: CI runs in a fresh clone on a machine that may be reused, and
 * every entry is keyed by a hash of its inputs, so a stale entry is never
 * picked up.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['ACTIOND_CACHE_DIR'];
  if (configured !== undefined && configured !== '') return configured;
  return join(homedir(), '.cache', 'actiond');
}
