import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pinBootFiles } from './vm-boot-files.ts';

describe('pinBootFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pin-boot-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test('gives each boot file a name under the boot directory that outlives the cache entry, and leaves the runtime image alone', async () => {
    const files = { kernel: write('k1', 'kernel 1'), initramfs: write('i1', 'initramfs 1'), systemImage: write('s1', 'system 1'), runtimeImage: write('r', 'runtimes') };
    const boot = join(dir, 'root', 'boot');
    const pinned = await pinBootFiles(files, boot);
    assert.deepEqual(pinned, {
      kernel: join(boot, 'kernel'),
      initramfs: join(boot, 'initramfs.cpio.zst'),
      systemImage: join(boot, 'system.squashfs'),
      runtimeImage: files.runtimeImage,
    });
    assert.equal(statSync(pinned.systemImage).ino, statSync(files.systemImage).ino, 'a hard link on the same filesystem');
    rmSync(files.systemImage);
    assert.equal(readFileSync(pinned.systemImage, 'utf8'), 'system 1');
  });

  test('a later start replaces the pins with its own files', async () => {
    const boot = join(dir, 'again', 'boot');
    await pinBootFiles({ kernel: write('ka', 'a'), initramfs: write('ia', 'a'), systemImage: write('sa', 'a'), runtimeImage: undefined }, boot);
    const second = await pinBootFiles({ kernel: write('kb', 'b'), initramfs: write('ib', 'b'), systemImage: write('sb', 'b'), runtimeImage: undefined }, boot);
    assert.equal(readFileSync(second.kernel, 'utf8'), 'b');
    assert.equal(readFileSync(second.systemImage, 'utf8'), 'b');
  });

  test('a missing source fails naming it', async () => {
    await assert.rejects(
      pinBootFiles({ kernel: join(dir, 'nope'), initramfs: write('i', 'i'), systemImage: write('s', 's'), runtimeImage: undefined }, join(dir, 'x')),
      /cannot pin .*nope as .*kernel: ENOENT/,
    );
  });
});
