import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createCasImage, MIN_CAS_IMAGE_BYTES } from './cas-image.ts';

const dir = mkdtempSync(join(tmpdir(), 'cas-image-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('createCasImage', () => {
  it('creates a sparse ext4 image with the actiond-cas label and no reserved blocks', async () => {
    const path = join(dir, 'cas.ext4');
    await createCasImage(path, 64 * 1024 * 1024);
    assert.equal(statSync(path).size, 64 * 1024 * 1024);
    assert.ok(statSync(path).blocks * 512 < 32 * 1024 * 1024, 'most of the image stays sparse');
    const sb = readFileSync(path).subarray(1024, 2048);
    assert.equal(sb.readUInt16LE(0x38), 0xef53);
    assert.equal(sb.subarray(0x78, 0x78 + 11).toString(), 'actiond-cas');
    const fsck = spawnSync('e2fsck', ['-fn', path], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.creating-')), []);
  });

  it('refuses to touch an existing file, leaving its bytes as they were', async () => {
    const path = join(dir, 'existing.img');
    writeFileSync(path, 'precious data');
    await assert.rejects(createCasImage(path, MIN_CAS_IMAGE_BYTES), /refusing to create CAS image .*existing\.img: the file exists \(actiond never reformats an existing image\)/);
    assert.equal(readFileSync(path, 'utf8'), 'precious data');
  });

  it('rejects a size below the minimum or not a multiple of 4096, naming it', async () => {
    await assert.rejects(createCasImage(join(dir, 'small.img'), 4096), /CAS image size 4096 must be/);
    await assert.rejects(createCasImage(join(dir, 'odd.img'), MIN_CAS_IMAGE_BYTES + 1), new RegExp(`CAS image size ${MIN_CAS_IMAGE_BYTES + 1} must be`));
  });

  it('reports a missing directory without leaving anything behind', async () => {
    await assert.rejects(createCasImage(join(dir, 'no', 'such', 'cas.img'), MIN_CAS_IMAGE_BYTES), /cannot create CAS image .*cas\.img: ENOENT/);
  });
});
