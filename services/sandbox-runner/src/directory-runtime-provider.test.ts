import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryRuntimeProvider } from './directory-runtime-provider.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'runtime-provider-test-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('each subdirectory is a runtime named by its libc value; other files are ignored', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'manifest.json'), '{}');
    await mkdir(join(dir, 'glibc2.36/usr/bin'), { recursive: true });
    await writeFile(join(dir, 'glibc2.36/usr/bin/bash'), '');
    await symlink('usr/bin', join(dir, 'glibc2.36/bin'));
    await mkdir(join(dir, 'glibc2.36/etc'));
    await mkdir(join(dir, 'glibc2.31/bin'), { recursive: true });
    const provider = await DirectoryRuntimeProvider.open(dir);
    assert.deepEqual(provider.names(), ['glibc2.31', 'glibc2.36']);
    assert.deepEqual(provider.resolve('glibc2.36'), {
      name: 'glibc2.36',
      rootDirectory: join(dir, 'glibc2.36'),
      entries: [
        { name: 'bin', kind: 'symlink', target: 'usr/bin' },
        { name: 'etc', kind: 'directory', source: join(dir, 'glibc2.36/etc') },
        { name: 'usr', kind: 'directory', source: join(dir, 'glibc2.36/usr') },
      ],
      hasBash: true,
    });
    assert.equal(provider.resolve('glibc2.31')?.hasBash, false);
    assert.equal(provider.resolve('manifest.json'), undefined);
    assert.equal(provider.resolve('glibc2.41'), undefined);
  }));

test('/bin/bash is looked up inside the runtime: an absolute symlink is resolved against the runtime root, not the host', () =>
  withDir(async (dir) => {
    // The host has /bin/bash; this runtime's /bin points at its own /usr/bin, which has none.
    await mkdir(join(dir, 'rt/usr/bin'), { recursive: true });
    await symlink('/usr/bin', join(dir, 'rt/bin'));
    assert.equal((await DirectoryRuntimeProvider.open(dir)).resolve('rt')?.hasBash, false);
    await writeFile(join(dir, 'rt/usr/bin/bash'), '');
    assert.equal((await DirectoryRuntimeProvider.open(dir)).resolve('rt')?.hasBash, true);
  }));

test('a relative runtime directory is refused', async () => {
  await assert.rejects(DirectoryRuntimeProvider.open('runtimes'), /must be an absolute path/);
});
