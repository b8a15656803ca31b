import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { MemoryBlobAccess } from './memory-blob-access.ts';
import { DEFAULT_LOG_BLOB_BUDGET_BYTES, LOG_BLOB_ENTRY_OVERHEAD_BYTES, MemoryLogBlobStore } from './memory-log-blob-store.ts';

/** A log of exactly `size` bytes, distinct per `tag`. */
function log(tag: string, size: number): Buffer {
  return Buffer.from(tag.padEnd(size, '.'));
}

const digestOf = (data: Buffer) => SHA256.compute(data);

describe('MemoryLogBlobStore', () => {
  test('keeps a log and returns its bytes, without writing to the overflow store', async () => {
    const disk = new MemoryBlobAccess();
    const logs = new MemoryLogBlobStore(disk);
    const text = Buffer.from('queued: 1.0 ms\n');
    await logs.put(digestOf(text), text);
    assert.deepEqual(logs.lookup(digestOf(text)), text);
    assert.equal(disk.size, 0);
    assert.equal(logs.size, 1);
    assert.equal(logs.bytes, text.length + LOG_BLOB_ENTRY_OVERHEAD_BYTES);
    assert.equal(logs.maxBytes, DEFAULT_LOG_BLOB_BUDGET_BYTES);
  });

  test('copies the bytes, so a caller reusing its buffer does not change the kept log', async () => {
    const logs = new MemoryLogBlobStore(new MemoryBlobAccess());
    const text = Buffer.from('run: 2.0 ms\n');
    const digest = digestOf(text);
    await logs.put(digest, text);
    text.fill(0);
    assert.equal(logs.lookup(digest)?.toString(), 'run: 2.0 ms\n');
  });

  test('evicts the oldest logs first once their bytes and overhead exceed the budget', async () => {
    const perLog = 100 + LOG_BLOB_ENTRY_OVERHEAD_BYTES;
    const logs = new MemoryLogBlobStore(new MemoryBlobAccess(), { maxBytes: 3 * perLog });
    const all = ['a', 'b', 'c', 'd', 'e'].map((tag) => log(tag, 100));
    for (const data of all) await logs.put(digestOf(data), data);
    assert.deepEqual(all.map((data) => logs.lookup(digestOf(data)) !== undefined), [false, false, true, true, true]);
    assert.equal(logs.size, 3);
    assert.equal(logs.bytes, 3 * perLog);
  });

  test('evicts as many old logs as a large new one needs', async () => {
    const small = 10 + LOG_BLOB_ENTRY_OVERHEAD_BYTES;
    const logs = new MemoryLogBlobStore(new MemoryBlobAccess(), { maxBytes: 4 * small });
    const smalls = ['a', 'b', 'c', 'd'].map((tag) => log(tag, 10));
    for (const data of smalls) await logs.put(digestOf(data), data);
    const big = log('big', 2 * small - LOG_BLOB_ENTRY_OVERHEAD_BYTES + 1);
    await logs.put(digestOf(big), big);
    assert.deepEqual(smalls.map((data) => logs.lookup(digestOf(data)) !== undefined), [false, false, false, true]);
    assert.ok(logs.lookup(digestOf(big)));
    assert.ok(logs.bytes <= logs.maxBytes);
  });

  test('putting a kept log again makes it the newest, so it outlives logs put after it the first time', async () => {
    const perLog = 50 + LOG_BLOB_ENTRY_OVERHEAD_BYTES;
    const logs = new MemoryLogBlobStore(new MemoryBlobAccess(), { maxBytes: 2 * perLog });
    const [a, b, c] = ['a', 'b', 'c'].map((tag) => log(tag, 50)) as [Buffer, Buffer, Buffer];
    await logs.put(digestOf(a), a);
    await logs.put(digestOf(b), b);
    await logs.put(digestOf(a), a);
    await logs.put(digestOf(c), c);
    assert.ok(logs.lookup(digestOf(a)));
    assert.equal(logs.lookup(digestOf(b)), undefined);
    assert.equal(logs.bytes, 2 * perLog, 'a second put of a kept log is not charged twice');
  });

  test('a log larger than the whole budget goes to the overflow store, readable there, and evicts nothing', async () => {
    const disk = new MemoryBlobAccess();
    const logs = new MemoryLogBlobStore(disk, { maxBytes: 1000 });
    const kept = log('kept', 100);
    await logs.put(digestOf(kept), kept);
    const huge = log('huge', 1000);
    await logs.put(digestOf(huge), huge);
    assert.equal(logs.lookup(digestOf(huge)), undefined);
    assert.deepEqual(await disk.get(digestOf(huge)), huge);
    assert.ok(logs.lookup(digestOf(kept)), 'the oversize log evicted nothing');
  });

  test('a log that fits the budget only without its overhead also goes to the overflow store', async () => {
    const disk = new MemoryBlobAccess();
    const logs = new MemoryLogBlobStore(disk, { maxBytes: 1000 });
    const edge = log('edge', 1000 - LOG_BLOB_ENTRY_OVERHEAD_BYTES + 1);
    await logs.put(digestOf(edge), edge);
    assert.ok(disk.has(digestOf(edge)));
    const fits = log('fits', 1000 - LOG_BLOB_ENTRY_OVERHEAD_BYTES);
    await logs.put(digestOf(fits), fits);
    assert.equal(disk.has(digestOf(fits)), false);
    assert.ok(logs.lookup(digestOf(fits)));
  });

  test('an oversize log the overflow store fails to take rejects with that store\'s error', async () => {
    const failing = { digestFunction: SHA256, put: async () => Promise.reject(new Error('disk full')) };
    const logs = new MemoryLogBlobStore(failing, { maxBytes: 10 });
    const data = log('x', 100);
    await assert.rejects(logs.put(digestOf(data), data), /disk full/);
  });

  test('with a zero budget every log goes to the overflow store', async () => {
    const disk = new MemoryBlobAccess();
    const logs = new MemoryLogBlobStore(disk, { maxBytes: 0 });
    const data = log('x', 10);
    await logs.put(digestOf(data), data);
    assert.equal(logs.size, 0);
    assert.ok(disk.has(digestOf(data)));
  });

  test('content that does not match its digest is INVALID_ARGUMENT naming both, and nothing is kept anywhere', async () => {
    const disk = new MemoryBlobAccess();
    const logs = new MemoryLogBlobStore(disk);
    const digest = digestOf(Buffer.from('right'));
    await assert.rejects(logs.put(digest, Buffer.from('wrong')), (err: { codeName: string; message: string }) => {
      assert.equal(err.codeName, 'INVALID_ARGUMENT');
      assert.match(err.message, new RegExp(digest.hash));
      assert.match(err.message, new RegExp(digestOf(Buffer.from('wrong')).hash));
      return true;
    });
    assert.equal(logs.size, 0);
    assert.equal(disk.size, 0);
  });

  test('the empty log is stored nowhere', async () => {
    const disk = new MemoryBlobAccess();
    const logs = new MemoryLogBlobStore(disk);
    await logs.put(SHA256.emptyDigest, Buffer.alloc(0));
    assert.equal(logs.size, 0);
    assert.equal(logs.bytes, 0);
    assert.equal(disk.size, 0);
  });

  test('a negative or fractional budget is a RangeError naming maxBytes', () => {
    for (const maxBytes of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new MemoryLogBlobStore(new MemoryBlobAccess(), { maxBytes }), (err: Error) => {
        assert.ok(err instanceof RangeError);
        assert.match(err.message, /maxBytes/);
        return true;
      });
    }
  });
});
