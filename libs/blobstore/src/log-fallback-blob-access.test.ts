import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHA256, type Digest } from '@actiond/digest';
import { ActiondError, dataLoss } from '@actiond/status';
import { hasExistenceIndexLookup } from './existence-index-lookup.ts';
import { LogFallbackBlobAccess } from './log-fallback-blob-access.ts';
import { MemoryBlobAccess } from './memory-blob-access.ts';
import { MemoryLogBlobStore } from './memory-log-blob-store.ts';

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const LOG = Buffer.from('queued:        1.0 ms\nrun:          20.5 ms\ntotal:        21.5 ms\n');

/** A disk stand-in, the tier over it, the decorator, and one log kept only in the tier. */
async function setup(): Promise<{ disk: MemoryBlobAccess; logs: MemoryLogBlobStore; cas: LogFallbackBlobAccess; log: Digest }> {
  const disk = new MemoryBlobAccess();
  const logs = new MemoryLogBlobStore(disk);
  const log = SHA256.compute(LOG);
  await logs.put(log, LOG);
  return { disk, logs, cas: new LogFallbackBlobAccess(disk, logs), log };
}

function codeName(err: unknown): string {
  return ActiondError.from(err).codeName;
}

describe('LogFallbackBlobAccess', () => {
  test('get returns a log kept only in the tier, byte for byte', async () => {
    const { disk, cas, log } = await setup();
    assert.equal(disk.has(log), false);
    assert.deepEqual(await cas.get(log), LOG);
  });

  test('get of a tier log returns a copy, so the caller cannot change the kept bytes', async () => {
    const { cas, log } = await setup();
    (await cas.get(log)).fill(0);
    assert.deepEqual(await cas.get(log), LOG);
  });

  test('read streams a tier log whole, and in chunks of chunkSizeBytes', async () => {
    const { cas, log } = await setup();
    assert.deepEqual(Buffer.concat(await collect(await cas.read(log))), LOG);
    const chunks = await collect(await cas.read(log, { chunkSizeBytes: 10 }));
    const full = Math.floor(LOG.length / 10);
    assert.deepEqual(chunks.map((c) => c.length), [...Array<number>(full).fill(10), LOG.length - 10 * full].filter((n) => n > 0));
    assert.deepEqual(Buffer.concat(chunks), LOG);
  });

  test('read honours offset and limit on a tier log, and an offset at the end yields nothing', async () => {
    const { cas, log } = await setup();
    assert.deepEqual(Buffer.concat(await collect(await cas.read(log, { offset: 5, limit: 7 }))), LOG.subarray(5, 12));
    assert.deepEqual(Buffer.concat(await collect(await cas.read(log, { offset: 30 }))), LOG.subarray(30));
    assert.deepEqual(Buffer.concat(await collect(await cas.read(log, { offset: 60, limit: 1000 }))), LOG.subarray(60));
    assert.deepEqual(await collect(await cas.read(log, { offset: LOG.length })), []);
  });

  test('read of a tier log past its end is OUT_OF_RANGE naming the offset and the blob', async () => {
    const { cas, log } = await setup();
    await assert.rejects(cas.read(log, { offset: LOG.length + 1 }), (err: unknown) => {
      assert.equal(codeName(err), 'OUT_OF_RANGE');
      assert.match((err as Error).message, new RegExp(`${LOG.length + 1}.*${log.hash}`));
      return true;
    });
  });

  test('read of a tier log with a negative offset or limit, or a zero chunk size, is INVALID_ARGUMENT naming it', async () => {
    const { cas, log } = await setup();
    await assert.rejects(cas.read(log, { offset: -1 }), (err: Error) => codeName(err) === 'INVALID_ARGUMENT' && /read offset -1/.test(err.message));
    await assert.rejects(cas.read(log, { limit: -2 }), (err: Error) => codeName(err) === 'INVALID_ARGUMENT' && /read limit -2/.test(err.message));
    await assert.rejects(cas.read(log, { chunkSizeBytes: 0 }), (err: Error) => codeName(err) === 'INVALID_ARGUMENT' && /chunk size/.test(err.message));
  });

  test('a blob in neither place is the inner store\'s NOT_FOUND, for get and read', async () => {
    const { cas } = await setup();
    const absent = SHA256.compute(Buffer.from('absent'));
    await assert.rejects(cas.get(absent), (err: Error) => codeName(err) === 'NOT_FOUND' && err.message.includes(absent.hash));
    await assert.rejects(cas.read(absent), (err: Error) => codeName(err) === 'NOT_FOUND' && err.message.includes(absent.hash));
  });

  test('an inner error other than NOT_FOUND passes unchanged, even for a blob the tier has', async () => {
    const { logs, log } = await setup();
    const damaged = dataLoss(`blob ${log} is damaged`);
    const failing = Object.assign(new MemoryBlobAccess(), {
      get: async () => Promise.reject(damaged),
      read: async () => Promise.reject(damaged),
    });
    const cas = new LogFallbackBlobAccess(failing, logs);
    await assert.rejects(cas.get(log), (err: unknown) => err === damaged);
    await assert.rejects(cas.read(log), (err: unknown) => err === damaged);
  });

  test('a blob on disk is served from disk, and the tier is not asked', async () => {
    const { disk, cas } = await setup();
    const onDisk = disk.add('an output file');
    const tierless = new LogFallbackBlobAccess(disk, new MemoryLogBlobStore(disk));
    assert.equal((await cas.get(onDisk)).toString(), 'an output file');
    assert.equal(Buffer.concat(await collect(await tierless.read(onDisk, { offset: 3 }))).toString(), 'output file');
  });

  test('findMissing answers for the inner store alone: a tier-only log is reported missing', async () => {
    const { disk, cas, log } = await setup();
    const onDisk = disk.add('on disk');
    const missing = await cas.findMissing([log, onDisk, SHA256.emptyDigest]);
    assert.deepEqual([...missing].map((d) => d.key), [log.key]);
  });

  test('a tier log uploaded by a client is on disk afterwards and no longer missing', async () => {
    const { disk, cas, log } = await setup();
    const write = await cas.beginWrite(log);
    assert.equal(write.complete, false, 'the upload is not skipped: the log is not in the CAS');
    await write.write(LOG);
    await write.commit();
    assert.ok(disk.has(log));
    assert.equal((await cas.findMissing([log])).size, 0);
    await cas.put(SHA256.compute(Buffer.from('put')), Buffer.from('put'));
    assert.ok(disk.has(SHA256.compute(Buffer.from('put'))));
  });

  test('the existence index fast lane is passed through exactly when the inner store has one', async () => {
    const { disk, logs } = await setup();
    assert.equal(hasExistenceIndexLookup(new LogFallbackBlobAccess(disk, logs)), false);
    const asked: [number, number][] = [];
    const indexed = Object.assign(new MemoryBlobAccess(), {
      hasHexDigest: (_bytes: Uint8Array, start: number, sizeBytes: number) => {
        asked.push([start, sizeBytes]);
        return sizeBytes === 7;
      },
    });
    const cas = new LogFallbackBlobAccess(indexed, logs);
    assert.ok(hasExistenceIndexLookup(cas));
    assert.equal(cas.hasHexDigest(new Uint8Array(64), 0, 7), true);
    assert.equal(cas.hasHexDigest(new Uint8Array(64), 2, 8), false);
    assert.deepEqual(asked, [[0, 7], [2, 8]]);
  });

  test('a tier with another digest function is a RangeError naming both', async () => {
    const { disk } = await setup();
    const other = { ...SHA256, name: 'BLAKE3' };
    const logs = new MemoryLogBlobStore({ digestFunction: other, put: async () => {} });
    assert.throws(() => new LogFallbackBlobAccess(disk, logs), /BLAKE3.*SHA256|SHA256.*BLAKE3/);
  });
});
