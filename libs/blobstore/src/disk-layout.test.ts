import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Digest, SHA256 } from '@actiond/digest';
import { DiskLayout, SHARDS } from './disk-layout.ts';

const HASH = 'ab' + 'cd'.repeat(31);

test('entries are named <hash>-<size> under a two-hex-digit shard of the function directory', () => {
  const layout = new DiskLayout('/r/cas', SHA256);
  const digest = Digest.parse(HASH, 42);
  assert.equal(layout.entryPath(digest), `/r/cas/sha256/ab/${HASH}-42`);
  assert.equal(layout.executablePath(digest), `/r/cas/executable/sha256/ab/${HASH}-42`);
  assert.equal(layout.tempDirectory, '/r/cas/tmp');
});

test('there are 256 shards from 00 to ff', () => {
  assert.equal(SHARDS.length, 256);
  assert.equal(SHARDS[0], '00');
  assert.equal(SHARDS[255], 'ff');
});

test('parseEntryName inverts the naming and rejects names the layout never produces', () => {
  const layout = new DiskLayout('/r', SHA256);
  assert.deepEqual(layout.parseEntryName('ab', `${HASH}-42`), { hash: HASH, sizeBytes: 42 });
  assert.deepEqual(layout.parseEntryName('ab', `${HASH}-0`), { hash: HASH, sizeBytes: 0 });
  for (const bad of [HASH, `${HASH}-`, `${HASH}-042`, `${HASH}--1`, `${HASH}-1x`, `${HASH.toUpperCase()}-1`, `${HASH.slice(1)}-1`, `${HASH}-99999999999999999999`]) {
    assert.equal(layout.parseEntryName('ab', bad), undefined, bad);
  }
  assert.equal(layout.parseEntryName('cd', `${HASH}-42`), undefined, 'a blob in the wrong shard is not one of ours');
});
