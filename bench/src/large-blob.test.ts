import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { BlobPattern, CHUNK_BYTES, LargeBlob } from './large-blob.ts';

const pattern = new BlobPattern('test');

function content(blob: LargeBlob): Buffer {
  return Buffer.concat([...blob.chunks()]);
}

describe('LargeBlob', () => {
  it('yields exactly sizeBytes in chunks of at most CHUNK_BYTES, wrapping around the pattern', () => {
    const size = BlobPattern.BYTES + 2 * CHUNK_BYTES + 17;
    const blob = LargeBlob.create(pattern, size, 'a');
    const sizes = [...blob.chunks()].map((c) => c.length);
    assert.equal(sizes.reduce((a, b) => a + b, 0), size);
    assert.ok(sizes.every((s) => s <= CHUNK_BYTES && s > 0));
    assert.equal(sizes.at(-1), 17);
  });

  it('has the SHA-256 digest of the bytes it yields', () => {
    const blob = LargeBlob.create(pattern, 3 * CHUNK_BYTES + 5, 'b');
    assert.equal(blob.digest.hash, createHash('sha256').update(content(blob)).digest('hex'));
    assert.equal(blob.digest.sizeBytes, 3 * CHUNK_BYTES + 5);
  });

  it('gives each seed its own digest and the same seed the same bytes', () => {
    const a1 = LargeBlob.create(pattern, 2 * CHUNK_BYTES, 'run-1');
    const a2 = LargeBlob.create(new BlobPattern('test'), 2 * CHUNK_BYTES, 'run-1');
    const b = LargeBlob.create(pattern, 2 * CHUNK_BYTES, 'run-2');
    assert.ok(a1.digest.equals(a2.digest));
    assert.ok(!a1.digest.equals(b.digest));
  });

  it('handles a blob smaller than one chunk', () => {
    const blob = LargeBlob.create(pattern, 10, 'small');
    assert.equal(content(blob).length, 10);
  });

  it('refuses a size that is not a positive integer', () => {
    assert.throws(() => LargeBlob.create(pattern, 0, 'x'), /positive size, got 0/);
    assert.throws(() => LargeBlob.create(pattern, 1.5, 'x'), /positive size, got 1.5/);
  });
});
