import { lstat, readdir, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import type { Runtime, RuntimeEntry, RuntimeProvider } from './runtime-provider.ts';

/**
 * The runtimes in a directory, one subdirectory per runtime named by its
 * `libc` value: `<dir>/glibc2.36/{usr,etc,bin -> usr/bin,...}`. That is the
 * layout of the runtime image (runtimes/README.md) once mounted, and what
 * tests assemble from the host. Other top-level files (the image's
 * manifest.json) are ignored. Read once by {@link DirectoryRuntimeProvider.open}:
 * the image is read-only.
 */
export class DirectoryRuntimeProvider implements RuntimeProvider {
  readonly #runtimes: ReadonlyMap<string, Runtime>;
  readonly #names: readonly string[];

  private constructor(runtimes: Map<string, Runtime>) {
    this.#runtimes = runtimes;
    this.#names = [...runtimes.keys()].sort();
  }

  /** Lists `directory` (absolute) and each runtime's top level. Rejects with the fs error if it cannot be read. */
  static async open(directory: string): Promise<DirectoryRuntimeProvider> {
    if (!isAbsolute(directory)) throw new Error(`the runtime directory must be an absolute path, got ${JSON.stringify(directory)}`);
    const runtimes = new Map<string, Runtime>();
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const rootDirectory = join(directory, entry.name);
      const entries = await topLevel(rootDirectory);
      runtimes.set(entry.name, { name: entry.name, rootDirectory, entries, hasBash: await existsInRoot(rootDirectory, 'bin/bash') });
    }
    return new DirectoryRuntimeProvider(runtimes);
  }

  resolve(name: string): Runtime | undefined {
    return this.#runtimes.get(name);
  }

  names(): readonly string[] {
    return this.#names;
  }
}

async function topLevel(root: string): Promise<RuntimeEntry[]> {
  const entries: RuntimeEntry[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) {
      entries.push({ name: entry.name, kind: 'symlink', target: await readlink(join(root, entry.name)) });
    } else if (entry.isDirectory()) {
      entries.push({ name: entry.name, kind: 'directory', source: join(root, entry.name) });
    } else if (entry.isFile()) {
      entries.push({ name: entry.name, kind: 'file', source: join(root, entry.name) });
    }
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Whether `path` exists inside `root` as the sandbox would see it: symlinks
 * are resolved with `root` as `/` (an absolute `bin -> /usr/bin` must not
 * be looked up on the host).
 */
async function existsInRoot(root: string, path: string): Promise<boolean> {
  let pending = path.split('/').filter((s) => s !== '');
  let resolved: string[] = [];
  for (let hops = 0; pending.length > 0; ) {
    const [segment, ...rest] = pending;
    pending = rest;
    if (segment === '.') continue;
    if (segment === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, segment!);
    const info = await lstat(host).catch(() => undefined);
    if (info === undefined) return false;
    if (!info.isSymbolicLink()) {
      resolved.push(segment!);
      continue;
    }
    if (++hops > 40) return false;
    const target = await readlink(host);
    if (posix.isAbsolute(target)) resolved = [];
    pending = [...target.split('/').filter((s) => s !== ''), ...pending];
  }
  return true;
}
