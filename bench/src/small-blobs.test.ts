import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { makeSmallBlobs, packBatches } from './small-blobs.ts';

describe('makeSmallBlobs', () => {
  it('makes distinct blobs whose digests match their data, the same for the same seed', () => {
    const blobs = makeSmallBlobs(50, 1024, 's');
    assert.equal(new Set(blobs.map((b) => b.digest.hash)).size, 50);
    for (const b of blobs) assert.equal(b.digest.hash, createHash('sha256').update(b.data).digest('hex'));
    assert.deepEqual(makeSmallBlobs(50, 1024, 's').map((b) => b.digest.hash), blobs.map((b) => b.digest.hash));
  });
});

describe('packBatches', () => {
  it('keeps every batch within the limit, fills each before starting the next, and loses no blob', () => {
    const blobs = makeSmallBlobs(10, 100, 'p');
    const batches = packBatches(blobs, 350);
    assert.deepEqual(batches.map((b) => b.requests.length), [3, 3, 3, 1]);
    assert.deepEqual(batches.flatMap((b) => b.requests.map((r) => r.digest!.hash)), blobs.map((b) => b.digest.hash));
  });

  it('refuses a blob larger than the limit', () => {
    assert.throws(() => packBatches(makeSmallBlobs(1, 100, 'q'), 99), /larger than the batch limit of 99 bytes/);
  });
});
