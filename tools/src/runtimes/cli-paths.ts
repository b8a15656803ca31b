import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (this file is tools/src/runtimes/cli-paths.ts). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** Where the lock lives unless `--lock` says otherwise. */
export const DEFAULT_LOCK_PATH = join(REPO_ROOT, 'runtimes/runtimes.lock.json');

/** Where images go unless `--out` says otherwise. */
export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'build/runtimes');

/** The environment variable naming the .deb download cache when `--cache` is not given. */
export const CACHE_ENV = 'ACTIOND_RUNTIME_CACHE';

/**
 * The download cache: `--cache`, else ACTIOND_RUNTIME_CACHE, else
 * `$XDG_CACHE_HOME/actiond/runtime-debs` (~/.cache when unset). Outside the
 * build directory so `rm -rf build` keeps it, and outside the repository.
 */
export function resolveCacheDir(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const fromEnv = env[CACHE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'actiond', 'runtime-debs');
}
