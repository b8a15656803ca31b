import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestBufferPool } from './request-buffer-pool.ts';

describe('RequestBufferPool', () => {
  it('assembles a released message-sized buffer again for the next message', () => {
    const pool = new RequestBufferPool();
    const first = pool.allocate(1024 * 1024 + 40);
    assert.equal(first.length, 1024 * 1024 + 40);
    pool.release(first.subarray(40));
    assert.equal(pool.free, 1);
    const second = pool.allocate(1024 * 1024);
    assert.equal(second.buffer, first.buffer);
    assert.equal(pool.free, 0);
  });

  it('never lends the same memory twice: a second release, or a release of foreign memory, is ignored', () => {
    const pool = new RequestBufferPool();
    const lent = pool.allocate(200_000);
    pool.release(lent);
    pool.release(lent);
    assert.equal(pool.free, 1);
    pool.release(Buffer.alloc(200_000));
    pool.release(new Uint8Array(new SharedArrayBuffer(16)));
    assert.equal(pool.free, 1);
    const a = pool.allocate(200_000);
    const b = pool.allocate(200_000);
    assert.notEqual(a.buffer, b.buffer);
  });

  it('leaves small and oversized messages to ordinary allocation', () => {
    const pool = new RequestBufferPool();
    pool.release(pool.allocate(100));
    pool.release(pool.allocate(4 * 1024 * 1024));
    assert.equal(pool.free, 0);
  });
});
