// End-to-end check of the contract with grpc-js itself: what a real client
// receives when a handler answers with toServiceError(), for a unary
// callback and for a server stream ended by emitting it as 'error'.
// (grpc-js 1.14's call.destroy(err) on a server stream sends no status at
// all: the client waits until its deadline. Emit 'error' instead.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata, Server, ServerCredentials, credentials, status, type ServiceError } from '@grpc/grpc-js';
import { CapabilitiesClient, CapabilitiesService, ContentAddressableStorageClient, ContentAddressableStorageService } from '@actiond/proto';
import { ActiondError } from './actiond-error.ts';
import { PreconditionFailureDetail } from './detail-type.ts';
import { missingBlobs, unimplemented } from './error-constructors.ts';

const missing = missingBlobs([{ hash: '12'.repeat(32), sizeBytes: 9 }]);

/** Calls carry a deadline so a broken error path fails the test instead of hanging it. */
const soon = () => ({ deadline: Date.now() + 5000 });

async function withServer(run: (address: string) => Promise<void>): Promise<void> {
  const server = new Server();
  server.addService(CapabilitiesService, {
    getCapabilities: (_call: unknown, callback: (e: ServiceError) => void) => callback(missing.toServiceError()),
  });
  server.addService(ContentAddressableStorageService, {
    findMissingBlobs: () => {},
    batchUpdateBlobs: () => {},
    batchReadBlobs: () => {},
    splitBlob: () => {},
    spliceBlob: () => {},
    getTree: (call: { emit: (event: 'error', e: Error) => void }) =>
      call.emit('error', unimplemented('GetTree is not offered by this test server').toServiceError()),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  try {
    await run(`127.0.0.1:${port}`);
  } finally {
    server.forceShutdown();
  }
}

test('a unary callback with toServiceError() reaches the client with code, message and details', async () => {
  await withServer(async (address) => {
    const client = new CapabilitiesClient(address, credentials.createInsecure());
    try {
      const err = await new Promise<ServiceError>((resolve, reject) =>
        client.getCapabilities({ instanceName: '' }, new Metadata(), soon(), (e) => (e ? resolve(e) : reject(new Error('call succeeded')))),
      );
      assert.equal(err.code, status.FAILED_PRECONDITION);
      assert.equal(err.details, missing.message);
      const received = ActiondError.from(err);
      assert.deepEqual(received.findDetails(PreconditionFailureDetail), missing.findDetails(PreconditionFailureDetail));
    } finally {
      client.close();
    }
  });
});

test("a server stream that emits toServiceError() as 'error' ends the client stream with that status", async () => {
  await withServer(async (address) => {
    const client = new ContentAddressableStorageClient(address, credentials.createInsecure());
    try {
      const stream = client.getTree(
        { instanceName: '', rootDigest: undefined, pageSize: 0, pageToken: '', digestFunction: 0 },
        new Metadata(),
        soon(),
      );
      const err = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
      assert.equal(err.code, status.UNIMPLEMENTED);
      assert.equal(err.details, 'GetTree is not offered by this test server');
      assert.equal(ActiondError.from(err).code, status.UNIMPLEMENTED);
      assert.equal(err.metadata.get('grpc-status-details-bin').length, 1);
    } finally {
      client.close();
    }
  });
});
