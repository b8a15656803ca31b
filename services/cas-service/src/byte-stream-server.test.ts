import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { status, type ServiceError } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { Compressor_Value, type bytestream } from '@actiond/proto';
import { READ_CHUNK_BYTES, SMALL_READ_BYTES } from './cas-limits.ts';
import {
  call,
  compressible,
  digestOf,
  pieces,
  readBlob,
  startCasTestServer,
  writeRequests,
  type CasTestServer,
} from './cas-test-server.test-support.ts';
import { formatReadResourceName, formatUploadResourceName } from './resource-name.ts';

const BS = 'google.bytestream.ByteStream';
let uuidCounter = 0;
const newUuid = () => `00000000-0000-4000-8000-${String(++uuidCounter).padStart(12, '0')}`;

function rejectsWith(code: status, ...fragments: string[]) {
  return (err: unknown) => {
    const e = err as ServiceError | undefined;
    assert.ok(e !== undefined, `expected ${status[code]}, got success`);
    assert.equal(e.code, code, `expected ${status[code]}, got ${status[e.code]}: ${e.details}`);
    for (const fragment of fragments) assert.ok(e.details.includes(fragment), `"${e.details}" lacks "${fragment}"`);
    return true;
  };
}

const blobName = (data: Buffer, instanceName = '', compressor: Compressor_Value = Compressor_Value.IDENTITY) =>
  formatReadResourceName({ instanceName, digest: digestOf(data), compressor });
const uploadName = (data: Buffer, options: { uuid?: string; instanceName?: string; compressor?: Compressor_Value } = {}) =>
  formatUploadResourceName({
    instanceName: options.instanceName ?? '',
    uploadId: options.uuid ?? newUuid(),
    digest: digestOf(data),
    compressor: options.compressor ?? Compressor_Value.IDENTITY,
  });

describe('ByteStream service', () => {
  let server: CasTestServer;
  before(async () => {
    server = await startCasTestServer();
  });
  after(() => server.close());

  const queryWriteStatus = (resourceName: string) =>
    call<bytestream.QueryWriteStatusResponse>((cb) => server.byteStream.queryWriteStatus({ resourceName }, cb));
  const isStored = async (data: Buffer) => (await server.blobs.findMissing([digestOf(data)])).size === 0;
  const store = async (data: Buffer) => {
    await server.blobs.put(digestOf(data), data);
    return data;
  };

  describe('Read', () => {
    it('streams a blob in chunks no larger than READ_CHUNK_BYTES', async () => {
      const data = await store(randomBytes(READ_CHUNK_BYTES * 3 + 17));
      const { data: got, chunks, error } = await readBlob(server, blobName(data));
      assert.equal(error, undefined);
      assert.deepEqual(got, data);
      assert.deepEqual(chunks, [READ_CHUNK_BYTES, READ_CHUNK_BYTES, READ_CHUNK_BYTES, 17]);
    });

    it('honours read_offset and read_limit, and reads nothing at offset = size', async () => {
      const data = await store(Buffer.from('0123456789abcdef'));
      assert.equal((await readBlob(server, blobName(data), { readOffset: 10 })).data.toString(), 'abcdef');
      assert.equal((await readBlob(server, blobName(data), { readOffset: 3, readLimit: 4 })).data.toString(), '3456');
      assert.equal((await readBlob(server, blobName(data), { readLimit: 100 })).data.toString(), '0123456789abcdef');
      const atEnd = await readBlob(server, blobName(data), { readOffset: 16 });
      assert.equal(atEnd.error, undefined);
      assert.equal(atEnd.data.length, 0);
    });

    it('blobs just under, at and over SMALL_READ_BYTES (read whole below, streamed above) give the same ranges', async () => {
      for (const size of [SMALL_READ_BYTES - 1, SMALL_READ_BYTES, SMALL_READ_BYTES + 1]) {
        const data = await store(randomBytes(size));
        const whole = await readBlob(server, blobName(data));
        assert.equal(whole.error, undefined, `${size}`);
        assert.deepEqual(whole.data, data, `${size}`);
        assert.deepEqual((await readBlob(server, blobName(data), { readOffset: 5, readLimit: 1000 })).data, data.subarray(5, 1005), `${size}`);
        assert.deepEqual((await readBlob(server, blobName(data), { readOffset: size - 3 })).data, data.subarray(size - 3), `${size}`);
        assert.deepEqual((await readBlob(server, blobName(data), { readOffset: size - 3, readLimit: 100 })).data, data.subarray(size - 3), `${size}`);
        assert.equal((await readBlob(server, blobName(data), { readOffset: size })).data.length, 0, `${size}`);
      }
    });

    it('reads under a served instance name and the empty blob without storing it', async () => {
      const data = await store(Buffer.from('instance read'));
      assert.equal((await readBlob(server, blobName(data, 'main'))).data.toString(), 'instance read');
      const empty = await readBlob(server, formatReadResourceName({ instanceName: '', digest: SHA256.emptyDigest, compressor: 0 }));
      assert.equal(empty.error, undefined);
      assert.equal(empty.data.length, 0);
    });

    it('is OUT_OF_RANGE for an offset past the end or negative, INVALID_ARGUMENT for a negative limit', async () => {
      const data = await store(Buffer.from('ten bytes!'));
      rejectsWith(status.OUT_OF_RANGE, 'read_offset 11 is beyond the end of blob', '(10 bytes)')((await readBlob(server, blobName(data), { readOffset: 11 })).error);
      rejectsWith(status.OUT_OF_RANGE, 'read_offset -1 is negative')((await readBlob(server, blobName(data), { readOffset: -1 })).error);
      rejectsWith(status.INVALID_ARGUMENT, 'read_limit -2 is negative')((await readBlob(server, blobName(data), { readLimit: -2 })).error);
    });

    it('is NOT_FOUND for a blob that is not stored', async () => {
      const absent = Buffer.from('never stored for reading');
      rejectsWith(status.NOT_FOUND, digestOf(absent).key, 'not in the CAS')((await readBlob(server, blobName(absent))).error);
    });

    it('is INVALID_ARGUMENT naming what is wrong with a bad resource name', async () => {
      const data = await store(Buffer.from('named'));
      const d = digestOf(data);
      const cases: [string, string][] = [
        ['', 'resource_name is empty'],
        [`blobs/${d.hash}`, 'the size after the hash is missing'],
        [`blobs/${d.hash.toUpperCase()}/${d.sizeBytes}`, 'not lowercase hex'],
        [`blobs/${d.hash}/-5`, 'invalid size "-5"'],
        [`blobs/${d.hash}/five`, 'invalid size "five"'],
        [`compressed-blobs/lz4/${d.hash}/${d.sizeBytes}`, 'unknown compressor "lz4"'],
        [`../blobs/${d.hash}/${d.sizeBytes}`, 'a ".." segment'],
        [`other/blobs/${d.hash}/${d.sizeBytes}`, 'unknown instance name "other"'],
        [`blobs/blake3/${d.hash}/${d.sizeBytes}`, 'unsupported digest function BLAKE3; this server supports SHA256'],
        [`uploads/${newUuid()}/blobs/${d.hash}/${d.sizeBytes}`, '"uploads" appears where the instance name belongs'],
      ];
      for (const [name, fragment] of cases) rejectsWith(status.INVALID_ARGUMENT, fragment)((await readBlob(server, name)).error);
    });

    it('a size in the name that differs from the stored blob is a different blob: NOT_FOUND', async () => {
      const data = await store(Buffer.from('sized'));
      rejectsWith(status.NOT_FOUND)((await readBlob(server, `blobs/${digestOf(data).hash}/6`)).error);
    });

    it('serves compressed-blobs/zstd, from an uncompressed offset, and refuses a read_limit there', async () => {
      const data = await store(compressible(600_000, 1));
      const whole = await readBlob(server, blobName(data, '', Compressor_Value.ZSTD));
      assert.equal(whole.error, undefined);
      assert.ok(whole.data.length < data.length / 10);
      assert.deepEqual(zstdDecompressSync(whole.data), data);
      const tail = await readBlob(server, blobName(data, '', Compressor_Value.ZSTD), { readOffset: 123_456 });
      assert.deepEqual(zstdDecompressSync(tail.data), data.subarray(123_456));
      const limited = await readBlob(server, blobName(data, '', Compressor_Value.ZSTD), { readLimit: 10 });
      rejectsWith(status.INVALID_ARGUMENT, 'read_limit must be 0 when reading compressed-blobs')(limited.error);
      const empty = await readBlob(server, formatReadResourceName({ instanceName: '', digest: SHA256.emptyDigest, compressor: Compressor_Value.ZSTD }));
      assert.equal(zstdDecompressSync(empty.data).length, 0);
    });

    it('counts bytes sent and blobs read', async () => {
      const method = { method: `${BS}/Read` };
      const data = await store(Buffer.from('count these 20 bytes'));
      const bytes = await server.telemetry.counterValue('actiond.bytes.sent', method);
      const blobs = await server.telemetry.counterValue('actiond.cas.blobs.read', method);
      await readBlob(server, blobName(data));
      assert.equal((await server.telemetry.counterValue('actiond.bytes.sent', method)) - bytes, 20);
      assert.equal((await server.telemetry.counterValue('actiond.cas.blobs.read', method)) - blobs, 1);
    });
  });

  describe('Write', () => {
    it('stores a blob sent in pieces, the name in the first request only, and reports its size', async () => {
      const data = randomBytes(100_000);
      const name = uploadName(data);
      const response = await writeRequests(server, pieces(name, data, 16 * 1024));
      assert.equal(response.committedSize, data.length);
      assert.ok(await isStored(data));
      assert.deepEqual((await readBlob(server, blobName(data))).data, data);
      assert.deepEqual(await queryWriteStatus(name), { committedSize: data.length, complete: true });
    });

    it('accepts the resource name repeated in every request, and optional metadata in it', async () => {
      const data = randomBytes(5000);
      const response = await writeRequests(server, pieces(`${uploadName(data, { instanceName: 'main' })}/some/metadata`, data, 1000, { nameEveryRequest: true }));
      assert.equal(response.committedSize, 5000);
      assert.ok(await isStored(data));
    });

    it('refuses a stream without a resource name, or whose later request names another resource', async () => {
      const data = randomBytes(3000);
      await assert.rejects(writeRequests(server, [{ resourceName: '', writeOffset: 0, finishWrite: true, data }]), rejectsWith(status.INVALID_ARGUMENT, 'the first WriteRequest has no resource_name'));
      const requests = [...pieces(uploadName(data), data, 1000)];
      requests[1] = { ...requests[1]!, resourceName: uploadName(data) };
      await assert.rejects(writeRequests(server, requests), rejectsWith(status.INVALID_ARGUMENT, 'but this stream writes'));
      assert.ok(!(await isStored(data)));
      await assert.rejects(writeRequests(server, []), rejectsWith(status.INVALID_ARGUMENT, 'ended before its first request'));
    });

    it('refuses write offsets that do not continue the stream', async () => {
      const data = randomBytes(3000);
      await assert.rejects(
        writeRequests(server, pieces(uploadName(data), data, 1000, { offset: 5 })),
        rejectsWith(status.INVALID_ARGUMENT, 'write_offset 5 of the first WriteRequest', 'does not match the 0 bytes committed so far'),
      );
      const requests = [...pieces(uploadName(data), data, 1000)];
      requests[2] = { ...requests[2]!, writeOffset: 2500 };
      await assert.rejects(writeRequests(server, requests), rejectsWith(status.INVALID_ARGUMENT, 'write_offset 2500', 'does not continue the stream at 2000'));
      assert.ok(!(await isStored(data)));
    });

    it('refuses content whose hash does not match, naming expected and actual, and stores nothing', async () => {
      const data = randomBytes(4000);
      const tampered = Buffer.from(data);
      tampered[100] = tampered[100]! ^ 0xff;
      const name = uploadName(data);
      await assert.rejects(
        writeRequests(server, pieces(name, tampered, 1000)),
        rejectsWith(status.INVALID_ARGUMENT, `expected ${digestOf(data).key}`, `got ${digestOf(tampered).key}`, 'nothing was stored'),
      );
      assert.ok(!(await isStored(data)));
      assert.ok(!(await isStored(tampered)));
      await assert.rejects(queryWriteStatus(name), rejectsWith(status.NOT_FOUND));
    });

    it('refuses more bytes than the digest says, and fewer at finish_write, storing nothing', async () => {
      const data = randomBytes(2000);
      const name = uploadName(data);
      await assert.rejects(
        writeRequests(server, pieces(name, Buffer.concat([data, Buffer.from('extra')]), 1000)),
        rejectsWith(status.INVALID_ARGUMENT, `has 2000 bytes but at least 2005 bytes were sent`),
      );
      await assert.rejects(
        writeRequests(server, pieces(uploadName(data), data.subarray(0, 1500), 1000)),
        rejectsWith(status.INVALID_ARGUMENT, `expected ${digestOf(data).key}`, '/1500'),
      );
      assert.ok(!(await isStored(data)));
    });

    it('resumes an upload in a second stream at the committed size that QueryWriteStatus reports', async () => {
      const data = randomBytes(50_000);
      const name = uploadName(data);
      const first = await writeRequests(server, pieces(name, data.subarray(0, 20_000), 4096, { finish: false }));
      assert.equal(first.committedSize, 20_000);
      assert.deepEqual(await queryWriteStatus(name), { committedSize: 20_000, complete: false });
      assert.ok(!(await isStored(data)));
      await assert.rejects(
        writeRequests(server, pieces(name, data, 4096)),
        rejectsWith(status.INVALID_ARGUMENT, 'write_offset 0', 'does not match the 20000 bytes committed so far'),
      );
      const second = await writeRequests(server, pieces(name, data.subarray(20_000), 4096, { offset: 20_000 }));
      assert.equal(second.committedSize, 50_000);
      assert.deepEqual(await queryWriteStatus(name), { committedSize: 50_000, complete: true });
      assert.deepEqual((await readBlob(server, blobName(data))).data, data);
    });

    it('keeps what a cancelled stream committed, for the next stream to resume', async () => {
      const data = randomBytes(30_000);
      const name = uploadName(data);
      let stream!: ReturnType<typeof server.byteStream.write>;
      const outcome = call((cb) => (stream = server.byteStream.write(cb)));
      stream.write({ resourceName: name, writeOffset: 0, finishWrite: false, data: data.subarray(0, 10_000) });
      for (let i = 0; i < 100 && (await queryWriteStatus(name).catch(() => ({ committedSize: 0 }))).committedSize < 10_000; i++) await sleep(10);
      stream.cancel();
      await assert.rejects(outcome, rejectsWith(status.CANCELLED));
      assert.deepEqual(await queryWriteStatus(name), { committedSize: 10_000, complete: false });
      const response = await writeRequests(server, pieces(name, data.subarray(10_000), 8000, { offset: 10_000 }));
      assert.equal(response.committedSize, 30_000);
      assert.ok(await isStored(data));
    });

    it('finishes at once for a blob that is already stored, without waiting for the rest of the stream', async () => {
      const data = await store(randomBytes(10_000));
      let stream!: ReturnType<typeof server.byteStream.write>;
      const response = call<bytestream.WriteResponse>((cb) => (stream = server.byteStream.write(cb)));
      stream.on('error', () => {});
      stream.write({ resourceName: uploadName(data), writeOffset: 0, finishWrite: false, data: data.subarray(0, 1000) });
      // The client neither finishes nor half-closes; the answer comes anyway.
      assert.equal((await response).committedSize, 10_000);
      stream.end();
      const compressed = call<bytestream.WriteResponse>((cb) => (stream = server.byteStream.write(cb)));
      stream.on('error', () => {});
      stream.write({ resourceName: uploadName(data, { compressor: Compressor_Value.ZSTD }), writeOffset: 0, finishWrite: false, data: zstdCompressSync(data).subarray(0, 100) });
      assert.equal((await compressed).committedSize, -1, 'compressed uploads of stored blobs answer -1');
      stream.end();
      const empty = Buffer.alloc(0);
      assert.equal((await writeRequests(server, pieces(uploadName(empty), empty, 1))).committedSize, 0);
    });

    it('stores zstd-compressed uploads, reporting the offset after the compressed bytes', async () => {
      const data = compressible(700_000, 2);
      const compressed = zstdCompressSync(data);
      const name = uploadName(data, { compressor: Compressor_Value.ZSTD });
      const response = await writeRequests(server, pieces(name, compressed, 1000));
      assert.equal(response.committedSize, compressed.length);
      assert.deepEqual((await readBlob(server, blobName(data))).data, data);
    });

    it('decodes compressed uploads made of several zstd frames', async () => {
      const data = randomBytes(200_000);
      const compressed = Buffer.concat([zstdCompressSync(data.subarray(0, 70_000)), zstdCompressSync(data.subarray(70_000))]);
      const response = await writeRequests(server, pieces(uploadName(data, { compressor: Compressor_Value.ZSTD }), compressed, 30_000));
      assert.equal(response.committedSize, compressed.length);
      assert.ok(await isStored(data));
    });

    it('refuses corrupt zstd, and zstd of the wrong content, storing nothing', async () => {
      const data = compressible(50_000, 3);
      await assert.rejects(
        writeRequests(server, pieces(uploadName(data, { compressor: Compressor_Value.ZSTD }), Buffer.from('this is not zstd data at all'), 10)),
        rejectsWith(status.INVALID_ARGUMENT, 'the zstd data is corrupt'),
      );
      const other = compressible(50_000, 4);
      await assert.rejects(
        writeRequests(server, pieces(uploadName(data, { compressor: Compressor_Value.ZSTD }), zstdCompressSync(other), 1000)),
        rejectsWith(status.INVALID_ARGUMENT, `expected ${digestOf(data).key}`, `got ${digestOf(other).key}`),
      );
      const compressed = zstdCompressSync(data);
      await assert.rejects(
        writeRequests(server, pieces(uploadName(data, { compressor: Compressor_Value.ZSTD }), compressed.subarray(0, compressed.length - 5), 1000)),
        rejectsWith(status.INVALID_ARGUMENT, 'the zstd data is truncated'),
      );
      const bomb = compressible(5_000_000, 5);
      await assert.rejects(
        writeRequests(server, pieces(uploadName(data, { compressor: Compressor_Value.ZSTD }), zstdCompressSync(bomb), 1000)),
        rejectsWith(status.INVALID_ARGUMENT, 'has 50000 bytes but at least'),
      );
      assert.ok(!(await isStored(data)));
    });

    it('resumes a compressed upload from the uncompressed committed size with a new zstd stream', async () => {
      const data = randomBytes(400_000);
      const name = uploadName(data, { compressor: Compressor_Value.ZSTD });
      const compressed = zstdCompressSync(data);
      const first = await writeRequests(server, pieces(name, compressed.subarray(0, 250_000), 50_000, { finish: false }));
      const { committedSize, complete } = await queryWriteStatus(name);
      assert.equal(complete, false);
      assert.equal(first.committedSize, committedSize);
      assert.ok(committedSize > 0 && committedSize < data.length, `committed ${committedSize}`);
      const rest = zstdCompressSync(data.subarray(committedSize));
      const second = await writeRequests(server, pieces(name, rest, 50_000, { offset: committedSize }));
      assert.equal(second.committedSize, committedSize + rest.length);
      assert.deepEqual((await readBlob(server, blobName(data))).data, data);
    });

    it('refuses bad upload names and unknown instances', async () => {
      const data = randomBytes(10);
      const d = digestOf(data);
      const write = (resourceName: string) => writeRequests(server, [{ resourceName, writeOffset: 0, finishWrite: true, data }]);
      await assert.rejects(write(`blobs/${d.hash}/${d.sizeBytes}`), rejectsWith(status.INVALID_ARGUMENT, 'no "uploads" segment'));
      await assert.rejects(write(`uploads/${newUuid()}/blobs/${d.hash}/x`), rejectsWith(status.INVALID_ARGUMENT, 'invalid size "x"'));
      await assert.rejects(write(`uploads/${newUuid()}/compressed-blobs/brotli/${d.hash}/${d.sizeBytes}`), rejectsWith(status.INVALID_ARGUMENT, 'compressor "brotli" is not supported'));
      await assert.rejects(write(`elsewhere/uploads/${newUuid()}/blobs/${d.hash}/${d.sizeBytes}`), rejectsWith(status.INVALID_ARGUMENT, 'unknown instance name "elsewhere"'));
      await assert.rejects(write(`uploads/../blobs/${d.hash}/${d.sizeBytes}`), rejectsWith(status.INVALID_ARGUMENT, 'a ".." segment'));
    });

    it('keeps concurrent uploads of different blobs under one uuid apart', async () => {
      const uuid = newUuid();
      const a = randomBytes(40_000);
      const b = randomBytes(40_000);
      const [ra, rb] = await Promise.all([
        writeRequests(server, pieces(uploadName(a, { uuid }), a, 2000)),
        writeRequests(server, pieces(uploadName(b, { uuid }), b, 2000)),
      ]);
      assert.equal(ra.committedSize, 40_000);
      assert.equal(rb.committedSize, 40_000);
      assert.ok((await isStored(a)) && (await isStored(b)));
    });

    it('counts bytes received, and a blob written once stored', async () => {
      const method = { method: `${BS}/Write` };
      const bytes = await server.telemetry.counterValue('actiond.bytes.received', method);
      const written = await server.telemetry.counterValue('actiond.cas.blobs.written', method);
      const data = randomBytes(1234);
      await writeRequests(server, pieces(uploadName(data), data, 500));
      assert.equal((await server.telemetry.counterValue('actiond.bytes.received', method)) - bytes, 1234);
      assert.equal((await server.telemetry.counterValue('actiond.cas.blobs.written', method)) - written, 1);
    });
  });

  describe('QueryWriteStatus', () => {
    it('is NOT_FOUND for an upload that never started, and complete for a stored blob', async () => {
      const data = randomBytes(64);
      await assert.rejects(queryWriteStatus(uploadName(data)), rejectsWith(status.NOT_FOUND, 'is not in progress'));
      await store(data);
      assert.deepEqual(await queryWriteStatus(uploadName(data)), { committedSize: 64, complete: true });
    });

    it('refuses malformed names', async () => {
      await assert.rejects(queryWriteStatus('uploads/x/blobs/abc/1'), rejectsWith(status.INVALID_ARGUMENT, 'has 3 characters'));
      await assert.rejects(queryWriteStatus(''), rejectsWith(status.INVALID_ARGUMENT, 'resource_name is empty'));
    });
  });
});
