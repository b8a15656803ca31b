// Test support: a runtime assembled from the host's own userland (its /usr,
// with the merged-/usr symlinks), and a generated /etc with the sandbox user,
// as runtime images have (runtimes/README.md). No mounts are needed: runtime
// entries name their host source. Not exported from index.ts.
import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runtime, RuntimeEntry, RuntimeProvider } from './runtime-provider.ts';

/** The ids runtime images define for the sandbox user (nobody/nogroup). */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/** Why sandboxed runs cannot happen here, for `test(..., { skip })`; false when they can. */
export const needsSandbox: string | false =
  process.platform !== 'linux'
    ? 'the sandbox is Linux-only'
    : process.getuid?.() !== 0
      ? 'the sandbox needs root'
      : !existsSync('/usr/bin/bash')
        ? 'the host has no /usr/bin/bash to build a test runtime from'
        : false;

/** A host-made runtime and the directory holding its /etc; `dispose` removes that. */
export interface HostRuntime {
  readonly runtime: Runtime;
  readonly provider: RuntimeProvider;
  dispose(): Promise<void>;
}

export async function makeHostRuntime(name = 'host'): Promise<HostRuntime> {
  const base = await mkdtemp(join(tmpdir(), 'sandbox-runtime-'));
  const etc = join(base, 'etc');
  await mkdir(etc);
  await writeFile(join(etc, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  await writeFile(join(etc, 'passwd'), `root:x:0:0:root:/root:/bin/sh\nnobody:x:${SANDBOX_UID}:${SANDBOX_GID}:nobody:/nonexistent:/bin/sh\n`);
  await writeFile(join(etc, 'group'), `root:x:0:\nnogroup:x:${SANDBOX_GID}:\n`);
  const entries: RuntimeEntry[] = [
    { name: 'etc', kind: 'directory', source: etc },
    { name: 'usr', kind: 'directory', source: '/usr' },
  ];
  for (const top of ['bin', 'lib', 'lib64', 'sbin']) {
    const path = `/${top}`;
    if (!existsSync(path)) continue;
    entries.push(lstatSync(path).isSymbolicLink()
      ? { name: top, kind: 'symlink', target: readlinkSync(path) }
      : { name: top, kind: 'directory', source: path });
  }
  const runtime: Runtime = { name, rootDirectory: base, entries, hasBash: true };
  const provider: RuntimeProvider = { resolve: (n) => (n === name ? runtime : undefined), names: () => [name] };
  return { runtime, provider, dispose: () => rm(base, { recursive: true, force: true }) };
}
