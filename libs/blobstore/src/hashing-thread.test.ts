import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { HashingThread } from './hashing-thread.ts';

/** `text` in a SharedArrayBuffer, as the hashing thread requires. */
function shared(text: string): Uint8Array {
  const bytes = Buffer.from(text);
  const view = new Uint8Array(new SharedArrayBuffer(bytes.length + 8), 8, bytes.length);
  view.set(bytes);
  return view;
}

describe('HashingThread', () => {
  it('hashes the updates of each job in order, jobs interleaved', async () => {
    const thread = HashingThread.shared();
    const a = thread.startJob('sha256');
    const b = thread.startJob('sha256');
    await Promise.all([a.update(shared('hello ')), b.update(shared('other')), a.update(shared('world'))]);
    assert.equal(await a.digestHex(), createHash('sha256').update('hello world').digest('hex'));
    assert.equal(await b.digestHex(), createHash('sha256').update('other').digest('hex'));
  });

  it('gives the hash of nothing for a job without updates', async () => {
    assert.equal(await HashingThread.shared().startJob('sha256').digestHex(), createHash('sha256').digest('hex'));
  });

  it('refuses memory it cannot share, rather than copying it', async () => {
    await assert.rejects(HashingThread.shared().startJob('sha256').update(Buffer.from('x')), /needs a view of a SharedArrayBuffer/);
  });

  it('reports an unknown algorithm as an error of the update', async () => {
    await assert.rejects(HashingThread.shared().startJob('no-such-hash').update(shared('x')), /hashing thread: .*Digest method not supported/i);
  });
});
