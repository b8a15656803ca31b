import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ensureCasImage } from './cas-disk-image.ts';

const MiB = 1024 * 1024;
const hasMkfs = spawnSync('mkfs.ext4', ['-V']).error === undefined;

/** The filesystem UUID, which a new format would change. */
function uuidOf(path: string): string {
  const out = spawnSync('dumpe2fs', ['-h', path], { encoding: 'utf8' }).stdout;
  return /^Filesystem UUID:\s+(\S+)$/m.exec(out)?.[1] ?? 'none';
}

describe('ensureCasImage', { skip: hasMkfs ? false : 'mkfs.ext4 is not installed (Debian package e2fsprogs)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cas-image-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('creates a sparse ext4 image of the asked size when there is none', async () => {
    const path = join(dir, 'new.ext4');
    const image = await ensureCasImage(path, 256 * MiB);
    assert.deepEqual(image, { path, created: true, sizeBytes: 256 * MiB });
    const stats = statSync(path);
    assert.equal(stats.size, 256 * MiB);
    assert.ok(stats.blocks * 512 < 64 * MiB, `the image should be sparse, uses ${stats.blocks * 512} bytes`);
    assert.equal(spawnSync('e2fsck', ['-fn', path]).status, 0);
    assert.match(spawnSync('dumpe2fs', ['-h', path], { encoding: 'utf8' }).stdout, /Filesystem volume name:\s+actiond-cas/);
  });

  test('uses an existing image as it is, whatever size is asked, and never formats it again', async () => {
    const path = join(dir, 'existing.ext4');
    await ensureCasImage(path, 128 * MiB);
    const uuid = uuidOf(path);
    const again = await ensureCasImage(path, 512 * MiB);
    assert.deepEqual(again, { path, created: false, sizeBytes: 128 * MiB });
    assert.equal(uuidOf(path), uuid);
  });

  test('refuses a file that is not ext4, saying what it holds, and leaves it unchanged', async () => {
    const zero = join(dir, 'zero.img');
    writeFileSync(zero, Buffer.alloc(64 * 1024));
    await assert.rejects(ensureCasImage(zero, 128 * MiB), /is not an ext4 filesystem \(its first 4 KiB are all zero: created but never formatted\); serve-vm never formats an existing file/);
    assert.ok(readFileSync(zero).every((b) => b === 0));
    const squashfs = join(dir, 'swapped.img');
    writeFileSync(squashfs, Buffer.concat([Buffer.from('hsqs'), Buffer.alloc(8192, 1)]));
    await assert.rejects(ensureCasImage(squashfs, 128 * MiB), /\(it holds a squashfs image\)/);
    const empty = join(dir, 'empty.img');
    writeFileSync(empty, '');
    await assert.rejects(ensureCasImage(empty, 128 * MiB), /\(it is empty\)/);
  });

  test('refuses a directory and a size that is too small or not whole MiB', async () => {
    const directory = join(dir, 'a-directory');
    mkdirSync(directory);
    await assert.rejects(ensureCasImage(directory, 128 * MiB), /is not a regular file/);
    await assert.rejects(ensureCasImage(join(dir, 'small.ext4'), 16 * MiB), /must be a whole number of MiB, at least 64 MiB/);
    await assert.rejects(ensureCasImage(join(dir, 'odd.ext4'), 128 * MiB + 4096), /must be a whole number of MiB/);
  });

  test('a directory that cannot hold the image fails naming the image, and leaves nothing behind', async () => {
    const path = join(dir, 'no-such-dir', 'cas.ext4');
    await assert.rejects(ensureCasImage(path, 128 * MiB), /cannot create the CAS image .*no-such-dir\/cas\.ext4: ENOENT/);
  });
});
