import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytestream, ContentAddressableStorageService } from '@actiond/proto';
import { createNoopTelemetry } from '@actiond/telemetry';
import { createCasServices } from './cas-services.ts';
import { MemoryBlobAccess } from './memory-blob-access.test-support.ts';

describe('createCasServices', () => {
  it('yields the CAS and ByteStream registrations, each with a handler per method', async () => {
    const services = createCasServices({ blobs: new MemoryBlobAccess(), telemetry: createNoopTelemetry() });
    const all = [...services];
    assert.deepEqual(all.map((s) => s.service), [ContentAddressableStorageService, bytestream.ByteStreamService]);
    assert.deepEqual(Object.keys(services.contentAddressableStorage.implementation).sort(), Object.keys(ContentAddressableStorageService).sort());
    assert.deepEqual(Object.keys(services.byteStream.implementation).sort(), ['queryWriteStatus', 'read', 'write']);
    assert.equal(services.uploads.size, 0);
    await services.close();
  });
});
