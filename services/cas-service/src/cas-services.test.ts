import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytestream, ContentAddressableStorageService } from '@actiond/proto';
import { createNoopTelemetry } from '@actiond/telemetry';
import { createCasServices } from './cas-services.ts';
import { FastFindMissingBlobsCodec } from './find-missing-blobs-codec.ts';
import { MemoryBlobAccess } from '@actiond/blobstore';

describe('createCasServices', () => {
  it('yields the CAS and ByteStream registrations, each with a handler per method', async () => {
    const services = createCasServices({ blobs: new MemoryBlobAccess(), telemetry: createNoopTelemetry() });
    const all = [...services];
    assert.deepEqual(all.map((s) => s.service), [{ ...ContentAddressableStorageService, findMissingBlobs: services.contentAddressableStorage.service['findMissingBlobs'] }, bytestream.ByteStreamService]);
    // FindMissingBlobs keeps its path and kind, with the hand-written codec of find-missing-blobs-codec.ts.
    const findMissing = services.contentAddressableStorage.service['findMissingBlobs']!;
    assert.equal(findMissing.path, ContentAddressableStorageService.findMissingBlobs.path);
    assert.equal(findMissing.requestDeserialize, FastFindMissingBlobsCodec.decodeRequest);
    assert.equal(findMissing.responseSerialize, FastFindMissingBlobsCodec.encodeResponse);
    assert.deepEqual(Object.keys(services.contentAddressableStorage.implementation).sort(), Object.keys(ContentAddressableStorageService).sort());
    assert.deepEqual(Object.keys(services.byteStream.implementation).sort(), ['queryWriteStatus', 'read', 'write']);
    assert.equal(services.uploads.size, 0);
    await services.close();
  });
});
