import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { MemoryBlobAccess } from './memory-blob-access.ts';

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

test('the empty blob is always present and reads as zero bytes, even after remove', async () => {
  const blobs = new MemoryBlobAccess();
  const empty = SHA256.emptyDigest;
  blobs.remove(empty);
  assert.equal((await blobs.findMissing([empty])).size, 0);
  assert.equal((await blobs.get(empty)).length, 0);
});

test('put refuses content that does not match its digest, naming it, and stores nothing', async () => {
  const blobs = new MemoryBlobAccess();
  const digest = SHA256.compute(Buffer.from('right'));
  await assert.rejects(blobs.put(digest, Buffer.from('wrong')), (err: { codeName: string; message: string }) => {
    assert.equal(err.codeName, 'INVALID_ARGUMENT');
    assert.match(err.message, new RegExp(digest.hash));
    return true;
  });
  await assert.rejects(blobs.put(digest, Buffer.from('right!')), { codeName: 'INVALID_ARGUMENT' });
  assert.equal(blobs.has(digest), false);
});

test('findMissing reports absent and removed blobs once each, and counts the digests asked about', async () => {
  const blobs = new MemoryBlobAccess();
  const kept = blobs.add('kept');
  const lost = blobs.add('lost');
  const never = SHA256.compute(Buffer.from('never'));
  blobs.remove(lost);
  const missing = await blobs.findMissing([kept, lost, never, never]);
  assert.deepEqual([...missing].map((d) => d.key).sort(), [lost.key, never.key].sort());
  assert.deepEqual(blobs.calls, { findMissing: 1, findMissingDigests: 3, get: 0, read: 0 });
});

test('get of an absent blob is NOT_FOUND naming the digest', async () => {
  const blobs = new MemoryBlobAccess();
  const digest = SHA256.compute(Buffer.from('absent'));
  await assert.rejects(blobs.get(digest), (err: { codeName: string; message: string }) => {
    assert.equal(err.codeName, 'NOT_FOUND');
    assert.ok(err.message.includes(digest.toString()));
    return true;
  });
});

test('read honours offset, limit and chunk size, and an offset past the end is OUT_OF_RANGE', async () => {
  const blobs = new MemoryBlobAccess();
  const digest = blobs.add('0123456789');
  const chunks = await collect(await blobs.read(digest, { offset: 2, limit: 5, chunkSizeBytes: 2 }));
  assert.deepEqual(chunks.map(String), ['23', '45', '6']);
  assert.deepEqual(await collect(await blobs.read(digest, { offset: 10 })), []);
  await assert.rejects(blobs.read(digest, { offset: 11 }), { codeName: 'OUT_OF_RANGE' });
});

test('a streamed write is visible only after commit verifies it; a wrong one aborts and stores nothing', async () => {
  const blobs = new MemoryBlobAccess();
  const data = Buffer.from('streamed content');
  const digest = SHA256.compute(data);
  const write = await blobs.beginWrite(digest);
  await write.write(data.subarray(0, 4), 0);
  await assert.rejects(write.write(data.subarray(4), 3), { codeName: 'INVALID_ARGUMENT' });
  await write.write(data.subarray(4), 4);
  assert.equal(blobs.has(digest), false);
  await write.commit();
  assert.equal(write.complete, true);
  assert.deepEqual(await blobs.get(digest), data);

  const other = SHA256.compute(Buffer.from('other bytes!'));
  const bad = await blobs.beginWrite(other);
  await bad.write(Buffer.from('wrong bytes!'));
  await assert.rejects(bad.commit(), { codeName: 'INVALID_ARGUMENT' });
  assert.equal(bad.aborted, true);
  assert.equal(blobs.has(other), false);
});

test('a write of a blob already stored is complete from the start, and too many bytes abort it', async () => {
  const blobs = new MemoryBlobAccess();
  const stored = blobs.add('stored');
  const again = await blobs.beginWrite(stored);
  assert.equal(again.complete, true);
  assert.equal(again.committedSize, stored.sizeBytes);

  const digest = SHA256.compute(Buffer.from('four'));
  const write = await blobs.beginWrite(digest);
  await assert.rejects(write.write(Buffer.from('five!')), { codeName: 'INVALID_ARGUMENT' });
  assert.equal(write.aborted, true);
});
