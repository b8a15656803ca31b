import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { type BlobAccess, DiskBlobAccess, MemoryBlobAccess } from '@actiond/blobstore';
import { type Digest, SHA256 } from '@actiond/digest';
import { DigestFunction_Value, FindMissingBlobsRequest, type FindMissingBlobsResponse } from '@actiond/proto';
import type { RpcContext } from '@actiond/rpc';
import { ActiondError } from '@actiond/status';
import { createNoopTelemetry } from '@actiond/telemetry';
import { InstanceNames } from '@actiond/reapi';
import { findMissingBlobs } from './find-missing-blobs.ts';
import { FindMissingBlobsWireRequest } from './find-missing-blobs-wire-request.ts';
import { FindMissingBlobsWireResponse } from './find-missing-blobs-wire-response.ts';

const CTX = {} as RpcContext;

function handlerOver(blobs: BlobAccess) {
  return findMissingBlobs({ blobs, instanceNames: new InstanceNames(['', 'main']), metrics: createNoopTelemetry().metrics });
}

/** The same request twice: left in its bytes, as the codec does for plain digests, and as a plain message. */
function bothForms(request: FindMissingBlobsRequest): { wire: FindMissingBlobsWireRequest; plain: FindMissingBlobsRequest } {
  const wire = FindMissingBlobsWireRequest.decode(Buffer.from(FindMissingBlobsRequest.encode(request).finish()));
  assert.ok(wire !== undefined);
  return { wire, plain: request };
}

const keys = (response: FindMissingBlobsResponse): string[] => response.missingBlobDigests.map((d) => `${d.hash}/${d.sizeBytes}`);
const proto = (d: Digest) => ({ hash: d.hash, sizeBytes: d.sizeBytes });

async function withDiskStore(body: (blobs: DiskBlobAccess) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'find-missing-test-'));
  try {
    await body(await DiskBlobAccess.open({ directory }));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

test('over the disk store, a request kept in its bytes is answered on them, exactly as the same request decoded', () =>
  withDiskStore(async (blobs) => {
    const stored = [];
    for (let i = 0; i < 20; i++) {
      const data = Buffer.from(`stored ${i}`);
      const digest = SHA256.compute(data);
      await blobs.put(digest, data);
      stored.push(digest);
    }
    const absent = Array.from({ length: 20 }, (_, i) => SHA256.compute(Buffer.from(`absent ${i}`)));
    const digests = [...absent.slice(0, 5), ...stored, SHA256.emptyDigest, ...absent, ...stored.slice(3, 9), absent[2]!].map(proto);
    const { wire, plain } = bothForms({ instanceName: 'main', digestFunction: DigestFunction_Value.SHA256, blobDigests: digests });
    const handler = handlerOver(blobs);
    const onBytes = await handler(wire, CTX);
    assert.ok(onBytes instanceof FindMissingBlobsWireResponse, 'answered on the bytes');
    assert.deepEqual(keys(onBytes), absent.map((d) => d.key));
    assert.deepEqual(keys(onBytes), keys(await handler(plain, CTX)));
  }));

test('a blob the store found gone behind its back is missing on the bytes too, as the index is shared', () =>
  withDiskStore(async (blobs) => {
    const data = Buffer.from('soon gone');
    const digest = SHA256.compute(data);
    await blobs.put(digest, data);
    const { wire, plain } = bothForms({ instanceName: '', digestFunction: DigestFunction_Value.UNKNOWN, blobDigests: [proto(digest)] });
    const handler = handlerOver(blobs);
    assert.deepEqual(keys(await handler(wire, CTX)), []);
    // Deleted outside the store: no call looks at the disk until a read finds it gone and unindexes it.
    await unlink(blobs.layout.entryPath(digest));
    await assert.rejects(blobs.get(digest), (err: unknown) => err instanceof ActiondError && err.code === status.NOT_FOUND);
    assert.deepEqual(keys(await handler(wire, CTX)), [digest.key]);
    assert.deepEqual(keys(await handler(plain, CTX)), [digest.key]);
  }));

test('a store without an in-memory index answers a request kept in its bytes the general way', async () => {
  const blobs = new MemoryBlobAccess();
  const present = blobs.add('present');
  const absent = SHA256.compute(Buffer.from('absent'));
  const { wire } = bothForms({ instanceName: '', digestFunction: 0, blobDigests: [proto(absent), proto(present), proto(absent)] });
  const response = await handlerOver(blobs)(wire, CTX);
  assert.ok(!(response instanceof FindMissingBlobsWireResponse));
  assert.deepEqual(keys(response), [absent.key]);
});

test('a request kept in its bytes still gets INVALID_ARGUMENT for an unknown instance name or an unsupported digest function', () =>
  withDiskStore(async (blobs) => {
    const handler = handlerOver(blobs);
    const digest = proto(SHA256.compute(Buffer.from('x')));
    const invalid = (...fragments: string[]) => (err: unknown) => {
      assert.ok(err instanceof ActiondError && err.code === status.INVALID_ARGUMENT, String(err));
      for (const fragment of fragments) assert.ok(err.message.includes(fragment), `"${err.message}" lacks "${fragment}"`);
      return true;
    };
    await assert.rejects(handler(bothForms({ instanceName: 'nope', digestFunction: 0, blobDigests: [digest] }).wire, CTX), invalid('unknown instance name "nope"'));
    await assert.rejects(handler(bothForms({ instanceName: '', digestFunction: DigestFunction_Value.BLAKE3, blobDigests: [digest] }).wire, CTX), invalid('BLAKE3', 'SHA256'));
  }));

test('a request crafted to collide in the duplicate table is answered the general way, with the same answer', () =>
  withDiskStore(async (blobs) => {
    const digests = Array.from({ length: 3_000 }, (_, i) => ({ hash: `00000000${SHA256.compute(Buffer.from(`crafted ${i}`)).hash.slice(8)}`, sizeBytes: 1 }));
    const { wire, plain } = bothForms({ instanceName: '', digestFunction: 0, blobDigests: [...digests, ...digests] });
    const handler = handlerOver(blobs);
    const response = await handler(wire, CTX);
    assert.ok(!(response instanceof FindMissingBlobsWireResponse));
    assert.deepEqual(keys(response), digests.map((d) => `${d.hash}/1`));
    assert.deepEqual(keys(response), keys(await handler(plain, CTX)));
  }));
