import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { status, type ServiceError } from '@grpc/grpc-js';
import { type Digest, SHA256 } from '@actiond/digest';
import {
  Compressor_Value,
  Directory,
  DigestFunction_Value,
  type BatchReadBlobsResponse,
  type BatchUpdateBlobsResponse,
  type FindMissingBlobsResponse,
  type GetTreeResponse,
} from '@actiond/proto';
import { GET_TREE_MAX_PAGE_SIZE, MAX_BATCH_TOTAL_SIZE_BYTES } from './cas-limits.ts';
import { call, collect, compressible, digestOf, proto, startCasTestServer, type CasTestServer } from './cas-test-server.test-support.ts';
import { encodeGetTreePageToken } from './get-tree-page-token.ts';

const CAS = 'build.bazel.remote.execution.v2.ContentAddressableStorage';

function rejectsWith(code: status, ...fragments: string[]) {
  return (err: unknown) => {
    const e = err as ServiceError;
    assert.equal(e.code, code, `expected ${status[code]}, got ${status[e.code]}: ${e.details}`);
    for (const fragment of fragments) assert.ok(e.details.includes(fragment), `"${e.details}" lacks "${fragment}"`);
    return true;
  };
}

describe('ContentAddressableStorage service', () => {
  let server: CasTestServer;
  before(async () => {
    server = await startCasTestServer();
  });
  after(() => server.close());

  const findMissing = (blobDigests: { hash: string; sizeBytes: number }[], extra: { instanceName?: string; digestFunction?: number } = {}) =>
    call<FindMissingBlobsResponse>((cb) =>
      server.cas.findMissingBlobs({ instanceName: extra.instanceName ?? '', blobDigests, digestFunction: (extra.digestFunction ?? 0) as DigestFunction_Value }, cb),
    );
  const batchUpdate = (
    requests: { digest: { hash: string; sizeBytes: number } | undefined; data: Buffer; compressor?: number }[],
    extra: { instanceName?: string; digestFunction?: number } = {},
  ) =>
    call<BatchUpdateBlobsResponse>((cb) =>
      server.cas.batchUpdateBlobs(
        {
          instanceName: extra.instanceName ?? '',
          requests: requests.map((r) => ({ digest: r.digest, data: r.data, compressor: (r.compressor ?? 0) as Compressor_Value })),
          digestFunction: (extra.digestFunction ?? 0) as DigestFunction_Value,
        },
        cb,
      ),
    );
  const batchRead = (digests: { hash: string; sizeBytes: number }[], acceptableCompressors: number[] = [], instanceName = '') =>
    call<BatchReadBlobsResponse>((cb) =>
      server.cas.batchReadBlobs(
        { instanceName, digests, acceptableCompressors: acceptableCompressors as Compressor_Value[], digestFunction: DigestFunction_Value.UNKNOWN },
        cb,
      ),
    );
  const getTree = (root: Digest | { hash: string; sizeBytes: number }, pageSize = 0, pageToken = '', instanceName = '') =>
    collect<GetTreeResponse>(
      server.cas.getTree({ instanceName, rootDigest: proto(root as Digest), pageSize, pageToken, digestFunction: DigestFunction_Value.UNKNOWN }),
    );
  const store = async (...datas: Buffer[]) => {
    const response = await batchUpdate(datas.map((data) => ({ digest: proto(digestOf(data)), data })));
    assert.ok(response.responses.every((r) => r.status?.code === status.OK));
    return datas.map(digestOf);
  };

  describe('FindMissingBlobs', () => {
    it('returns the absent digests once each, in request order, and never the empty blob', async () => {
      const [present] = await store(Buffer.from('present'));
      const a = digestOf(Buffer.from('absent a'));
      const b = digestOf(Buffer.from('absent b'));
      const empty = SHA256.emptyDigest;
      const response = await findMissing([proto(b), proto(present!), proto(empty), proto(a), proto(b), proto(a)]);
      assert.deepEqual(response.missingBlobDigests.map((d) => `${d.hash}/${d.sizeBytes}`), [b.key, a.key]);
    });

    it('answers 100,000 digests, present and absent, in one call', async () => {
      const stored = await store(...Array.from({ length: 50 }, (_, i) => Buffer.from(`stored ${i}`)));
      const digests: { hash: string; sizeBytes: number }[] = [];
      const absent: string[] = [];
      for (let i = 0; i < 100_000; i++) {
        if (i % 2000 === 0) {
          digests.push(proto(stored[i / 2000]!));
        } else {
          const d = digestOf(Buffer.from(`absent ${i}`));
          absent.push(d.key);
          digests.push(proto(d));
        }
      }
      const response = await findMissing(digests);
      assert.equal(response.missingBlobDigests.length, absent.length);
      assert.deepEqual(response.missingBlobDigests.map((d) => `${d.hash}/${d.sizeBytes}`), absent);
    });

    it('fails the call naming the index of a malformed digest', async () => {
      await assert.rejects(findMissing([proto(digestOf(Buffer.from('x'))), { hash: 'NOT-HEX', sizeBytes: 1 }]), rejectsWith(status.INVALID_ARGUMENT, 'blob_digests[1]', 'NOT-HEX'));
      await assert.rejects(findMissing([{ hash: digestOf(Buffer.from('x')).hash, sizeBytes: -4 }]), rejectsWith(status.INVALID_ARGUMENT, 'blob_digests[0]', 'invalid size -4'));
      await assert.rejects(findMissing([{ hash: 'ab'.repeat(20), sizeBytes: 1 }]), rejectsWith(status.INVALID_ARGUMENT, 'has 40 characters, SHA256 hashes have 64'));
    });

    it('refuses an unknown instance name, listing the served ones, and accepts a served one', async () => {
      await assert.rejects(findMissing([], { instanceName: 'nope' }), rejectsWith(status.INVALID_ARGUMENT, 'unknown instance name "nope"', '"", "main"'));
      assert.deepEqual((await findMissing([], { instanceName: 'main' })).missingBlobDigests, []);
    });

    it('takes SHA256 explicitly and refuses other digest functions by name', async () => {
      assert.deepEqual((await findMissing([], { digestFunction: DigestFunction_Value.SHA256 })).missingBlobDigests, []);
      await assert.rejects(
        findMissing([], { digestFunction: DigestFunction_Value.BLAKE3 }),
        rejectsWith(status.INVALID_ARGUMENT, 'unsupported digest function BLAKE3; this server supports SHA256'),
      );
    });
  });

  describe('BatchUpdateBlobs', () => {
    it('stores every good blob and gives each bad one its own INVALID_ARGUMENT, storing nothing for it', async () => {
      const good = Buffer.from('a good blob');
      const good2 = compressible(5000, 1);
      const liar = Buffer.from('claims another hash');
      const liarClaim = Buffer.from('claims ANOTHER hash');
      const short = Buffer.from('short');
      const zstdGood = compressible(20_000, 2);
      const response = await batchUpdate([
        { digest: proto(digestOf(good)), data: good },
        { digest: proto(digestOf(liarClaim)), data: liar },
        { digest: { hash: digestOf(short).hash, sizeBytes: 9 }, data: short },
        { digest: { hash: 'xyz', sizeBytes: 3 }, data: Buffer.from('xyz') },
        { digest: undefined, data: Buffer.from('no digest') },
        { digest: proto(digestOf(good2)), data: good2, compressor: Compressor_Value.DEFLATE },
        { digest: proto(digestOf(zstdGood)), data: zstdCompressSync(zstdGood), compressor: Compressor_Value.ZSTD },
        { digest: proto(digestOf(good2)), data: Buffer.from('definitely not zstd'), compressor: Compressor_Value.ZSTD },
        { digest: proto(digestOf(good2)), data: good2, compressor: 9 },
      ]);
      const codes = response.responses.map((r) => status[r.status!.code]);
      assert.deepEqual(codes, ['OK', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'OK', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
      const messages = response.responses.map((r) => r.status!.message);
      assert.match(messages[1]!, /does not match its digest: expected .* got .*nothing was stored/);
      assert.match(messages[2]!, /^requests\[2\]: blob .*\/9 has 5 bytes of data but its digest says 9/);
      assert.match(messages[3]!, /^requests\[3\]\.digest: .*"xyz"/);
      assert.match(messages[4]!, /^requests\[4\]\.digest is missing/);
      assert.match(messages[5]!, /compressor DEFLATE is not supported for BatchUpdateBlobs; this server accepts IDENTITY, ZSTD/);
      assert.match(messages[7]!, /^requests\[7\]: blob .*: the zstd data is corrupt/);
      assert.match(messages[8]!, /compressor 9 is not supported/i);
      assert.deepEqual(response.responses[3]!.digest, { hash: 'xyz', sizeBytes: 3 }, 'echoes the digest as sent');
      const missing = await findMissing([good, liar, good2, zstdGood].map((b) => proto(digestOf(b))));
      assert.deepEqual(missing.missingBlobDigests.map((d) => `${d.hash}/${d.sizeBytes}`), [digestOf(liar).key, digestOf(good2).key]);
      assert.deepEqual((await batchRead([proto(digestOf(zstdGood))])).responses[0]!.data, zstdGood);
    });

    it('verifies the hash of a blob it already has', async () => {
      const [present] = await store(Buffer.from('already here'));
      const response = await batchUpdate([{ digest: proto(present!), data: Buffer.from('already HERE') }]);
      assert.equal(response.responses[0]!.status!.code, status.INVALID_ARGUMENT);
    });

    it('refuses zstd data that decompresses beyond the digest size', async () => {
      const data = compressible(10_000, 3);
      const d = digestOf(data.subarray(0, 100));
      const response = await batchUpdate([{ digest: proto(d), data: zstdCompressSync(data), compressor: Compressor_Value.ZSTD }]);
      assert.equal(response.responses[0]!.status!.code, status.INVALID_ARGUMENT);
      assert.match(response.responses[0]!.status!.message, /decompresses to more than the 100 bytes of its digest/);
    });

    it('refuses a batch over max_batch_total_size_bytes as a whole, storing none of it', async () => {
      const half = Buffer.alloc(MAX_BATCH_TOTAL_SIZE_BYTES / 2 + 1, 1);
      const other = Buffer.alloc(MAX_BATCH_TOTAL_SIZE_BYTES / 2 + 1, 2);
      await assert.rejects(
        batchUpdate([half, other].map((data) => ({ digest: proto(digestOf(data)), data }))),
        rejectsWith(status.INVALID_ARGUMENT, `total ${MAX_BATCH_TOTAL_SIZE_BYTES + 2} bytes`, `the ${MAX_BATCH_TOTAL_SIZE_BYTES} bytes allowed`, 'ByteStream Write'),
      );
      assert.equal((await findMissing([proto(digestOf(half)), proto(digestOf(other))])).missingBlobDigests.length, 2);
    });

    it('counts the sizes of compressed blobs uncompressed against the limit', async () => {
      const big = Buffer.alloc(MAX_BATCH_TOTAL_SIZE_BYTES + 1, 7);
      await assert.rejects(
        batchUpdate([{ digest: proto(digestOf(big)), data: zstdCompressSync(big), compressor: Compressor_Value.ZSTD }]),
        rejectsWith(status.INVALID_ARGUMENT, 'max_batch_total_size_bytes'),
      );
    });

    it('refuses unknown instance names and digest functions for the whole call', async () => {
      const data = Buffer.from('y');
      await assert.rejects(batchUpdate([{ digest: proto(digestOf(data)), data }], { instanceName: 'x/y' }), rejectsWith(status.INVALID_ARGUMENT, 'unknown instance name "x/y"'));
      await assert.rejects(batchUpdate([{ digest: proto(digestOf(data)), data }], { digestFunction: DigestFunction_Value.SHA1 }), rejectsWith(status.INVALID_ARGUMENT, 'unsupported digest function SHA1'));
    });

    it('counts received bytes, and written blobs only when new', async () => {
      const method = { method: `${CAS}/BatchUpdateBlobs` };
      const before = await server.telemetry.counterValue('actiond.cas.blobs.written', method);
      const bytesBefore = await server.telemetry.counterValue('actiond.bytes.received', method);
      const fresh = randomBytes(100);
      await batchUpdate([{ digest: proto(digestOf(fresh)), data: fresh }, { digest: proto(digestOf(fresh)), data: fresh }]);
      await batchUpdate([{ digest: proto(digestOf(fresh)), data: fresh }]);
      assert.equal((await server.telemetry.counterValue('actiond.cas.blobs.written', method)) - before, 1);
      assert.equal((await server.telemetry.counterValue('actiond.bytes.received', method)) - bytesBefore, 300);
    });
  });

  describe('BatchReadBlobs', () => {
    it('returns each blob with OK, NOT_FOUND for missing ones and INVALID_ARGUMENT for malformed ones', async () => {
      const [a, b] = await store(Buffer.from('read me'), Buffer.from('and me'));
      const absent = digestOf(Buffer.from('not stored'));
      const response = await batchRead([proto(a!), proto(absent), { hash: 'bad', sizeBytes: 1 }, proto(SHA256.emptyDigest), proto(b!)]);
      assert.deepEqual(response.responses.map((r) => status[r.status!.code]), ['OK', 'NOT_FOUND', 'INVALID_ARGUMENT', 'OK', 'OK']);
      assert.equal(response.responses[0]!.data.toString(), 'read me');
      assert.equal(response.responses[4]!.data.toString(), 'and me');
      assert.equal(response.responses[3]!.data.length, 0);
      assert.match(response.responses[1]!.status!.message, new RegExp(`${absent.key}.*not in the CAS`));
      assert.match(response.responses[2]!.status!.message, /^digests\[2\]/);
      assert.ok(response.responses.every((r) => r.compressor === Compressor_Value.IDENTITY));
    });

    it('sends zstd when the client accepts it and it helps, IDENTITY otherwise', async () => {
      const text = compressible(50_000, 4);
      const noise = randomBytes(5000);
      const [t, n] = await store(text, noise);
      const response = await batchRead([proto(t!), proto(n!)], [Compressor_Value.ZSTD]);
      assert.equal(response.responses[0]!.compressor, Compressor_Value.ZSTD);
      assert.ok(response.responses[0]!.data.length < text.length / 10);
      assert.deepEqual(zstdDecompressSync(response.responses[0]!.data), text);
      assert.equal(response.responses[1]!.compressor, Compressor_Value.IDENTITY);
      assert.deepEqual(response.responses[1]!.data, noise);
      const plain = await batchRead([proto(t!)], [Compressor_Value.DEFLATE]);
      assert.equal(plain.responses[0]!.compressor, Compressor_Value.IDENTITY);
      assert.deepEqual(plain.responses[0]!.data, text);
    });

    it('refuses a batch whose sizes total more than max_batch_total_size_bytes', async () => {
      const huge = { hash: digestOf(Buffer.from('h')).hash, sizeBytes: MAX_BATCH_TOTAL_SIZE_BYTES + 1 };
      await assert.rejects(batchRead([huge]), rejectsWith(status.INVALID_ARGUMENT, 'max_batch_total_size_bytes', 'ByteStream Read'));
    });

    it('refuses an unknown instance name', async () => {
      await assert.rejects(batchRead([], [], 'other'), rejectsWith(status.INVALID_ARGUMENT, 'unknown instance name "other"'));
    });

    it('counts bytes sent and blobs read', async () => {
      const method = { method: `${CAS}/BatchReadBlobs` };
      const [d] = await store(Buffer.from('counted read'));
      const bytes = await server.telemetry.counterValue('actiond.bytes.sent', method);
      const blobs = await server.telemetry.counterValue('actiond.cas.blobs.read', method);
      await batchRead([proto(d!), proto(digestOf(Buffer.from('absent for counting')))]);
      assert.equal((await server.telemetry.counterValue('actiond.bytes.sent', method)) - bytes, 12);
      assert.equal((await server.telemetry.counterValue('actiond.cas.blobs.read', method)) - blobs, 1);
    });
  });

  describe('GetTree', () => {
    const dir = (partial: Parameters<typeof Directory.fromPartial>[0]) => Buffer.from(Directory.encode(Directory.fromPartial(partial)).finish());
    const node = (name: string, d: Digest) => ({ name, digest: proto(d) });

    /** root{ a{ x{} y{} }, b{ y{} }, c{} } where y is shared; returns digests in walk order. */
    async function storeTree(tag: string) {
      const x = dir({ symlinks: [{ name: `x-${tag}`, target: 't' }] });
      const y = dir({ symlinks: [{ name: `y-${tag}`, target: 't' }] });
      const a = dir({ directories: [node('x', digestOf(x)), node('y', digestOf(y))] });
      const b = dir({ directories: [node('y', digestOf(y))], symlinks: [{ name: 'b', target: 't' }] });
      const c = dir({ symlinks: [{ name: `c-${tag}`, target: 't' }] });
      const root = dir({ directories: [node('a', digestOf(a)), node('b', digestOf(b)), node('c', digestOf(c))] });
      await store(x, y, a, b, c, root);
      return { root: digestOf(root), order: [root, a, b, c, x, y].map((d) => Directory.decode(d)) };
    }

    it('streams the whole tree breadth-first, each distinct directory once, in one page by default', async () => {
      const { root, order } = await storeTree('one');
      const { messages, error } = await getTree(root);
      assert.equal(error, undefined);
      assert.equal(messages.length, 1);
      assert.equal(messages[0]!.nextPageToken, '');
      assert.deepEqual(messages[0]!.directories, order);
    });

    it('pages by page_size with tokens that resume where a page ended', async () => {
      const { root, order } = await storeTree('paged');
      const { messages } = await getTree(root, 2);
      assert.deepEqual(messages.map((m) => m.directories.length), [2, 2, 2]);
      assert.deepEqual(messages.flatMap((m) => m.directories), order);
      assert.notEqual(messages[0]!.nextPageToken, '');
      assert.equal(messages[2]!.nextPageToken, '');
      const resumed = await getTree(root, 4, messages[0]!.nextPageToken);
      assert.deepEqual(resumed.messages.flatMap((m) => m.directories), order.slice(2));
      assert.deepEqual(resumed.messages.map((m) => m.nextPageToken === ''), [true]);
      const exact = await getTree(root, 3);
      assert.deepEqual(exact.messages.map((m) => m.directories.length), [3, 3], 'no empty trailing page when the tree fills the pages exactly');
    });

    it('returns the part of the tree that is present when a subtree is missing', async () => {
      const leaf = dir({ symlinks: [{ name: 'absent leaf', target: 't' }] });
      const present = dir({ symlinks: [{ name: 'present', target: 't' }] });
      const root = dir({ directories: [node('gone', digestOf(leaf)), node('here', digestOf(present))] });
      await store(present, root);
      const { messages, error } = await getTree(digestOf(root));
      assert.equal(error, undefined);
      assert.deepEqual(messages.flatMap((m) => m.directories), [Directory.decode(root), Directory.decode(present)]);
    });

    it('is NOT_FOUND when the root is missing', async () => {
      const absent = digestOf(dir({ symlinks: [{ name: 'never stored', target: 't' }] }));
      const { error } = await getTree(absent);
      rejectsWith(status.NOT_FOUND, `root directory ${absent.key} is not in the CAS`)(error);
    });

    it('is INVALID_ARGUMENT naming a blob that is not a Directory', async () => {
      const [junk] = await store(Buffer.from([0x0a, 0x7f, 0x01]));
      const { error } = await getTree(junk!);
      rejectsWith(status.INVALID_ARGUMENT, `blob ${junk!.key}`, 'is not a valid Directory message')(error);
    });

    it('refuses garbage and foreign page tokens, a negative page size and a malformed root digest', async () => {
      const { root } = await storeTree('tokens');
      rejectsWith(status.INVALID_ARGUMENT, 'page_token "garbage" is not a GetTree page token')((await getTree(root, 0, 'garbage')).error);
      const other = digestOf(Buffer.from('another root'));
      rejectsWith(status.INVALID_ARGUMENT, `issued for root directory ${other.key}`)((await getTree(root, 0, encodeGetTreePageToken(other, 1))).error);
      rejectsWith(status.INVALID_ARGUMENT, 'points past the end of the tree')((await getTree(root, 0, encodeGetTreePageToken(root, 7))).error);
      rejectsWith(status.INVALID_ARGUMENT, 'page_size -1 is negative')((await getTree(root, -1)).error);
      rejectsWith(status.INVALID_ARGUMENT, 'root_digest')((await getTree({ hash: 'abc', sizeBytes: 1 })).error);
      rejectsWith(status.INVALID_ARGUMENT, 'unknown instance name "zz"')((await getTree(root, 0, '', 'zz')).error);
    });

    it('lowers a page_size above the maximum instead of refusing it', async () => {
      const { root, order } = await storeTree('max');
      const { messages, error } = await getTree(root, GET_TREE_MAX_PAGE_SIZE * 10);
      assert.equal(error, undefined);
      assert.deepEqual(messages.flatMap((m) => m.directories), order);
    });
  });

  it('answers SplitBlob and SpliceBlob with UNIMPLEMENTED', async () => {
    const d = proto(digestOf(Buffer.from('s')));
    await assert.rejects(
      call((cb) => server.cas.splitBlob({ instanceName: '', blobDigest: d, digestFunction: 0, chunkingFunction: 0 }, cb)),
      rejectsWith(status.UNIMPLEMENTED, 'SplitBlob is not supported'),
    );
    await assert.rejects(
      call((cb) => server.cas.spliceBlob({ instanceName: '', blobDigest: d, chunkDigests: [], digestFunction: 0, chunkingFunction: 0 }, cb)),
      rejectsWith(status.UNIMPLEMENTED, 'SpliceBlob is not supported'),
    );
  });
});
