import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { bytestream } from '@actiond/proto';
import { decodeCommittedSize, encodeWriteRequestHead, RawWriteClient } from './raw-write-client.ts';

describe('encodeWriteRequestHead', () => {
  it('with the data appended, gives the bytes of the length-prefixed WriteRequest ts-proto encodes', () => {
    const data = Buffer.from('some data');
    for (const [resourceName, writeOffset, finishWrite] of [
      ['uploads/u/blobs/abc/9', 0, false],
      ['', 2 ** 33 + 1, true],
      ['', 300, false],
    ] as const) {
      const message = Buffer.from(bytestream.WriteRequest.encode({ resourceName, writeOffset, finishWrite, data }).finish());
      const expected = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
      assert.deepEqual(Buffer.concat([encodeWriteRequestHead(resourceName, writeOffset, finishWrite, data.length), data]), expected);
    }
  });
});

describe('decodeCommittedSize', () => {
  it('reads committed_size from a framed WriteResponse, -1 included', () => {
    for (const committedSize of [0, 1, 2 ** 40, -1]) {
      const message = Buffer.from(bytestream.WriteResponse.encode({ committedSize }).finish());
      const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
      assert.equal(decodeCommittedSize(framed), committedSize);
    }
  });

  it('refuses what is not one uncompressed message', () => {
    assert.throws(() => decodeCommittedSize(Buffer.from([0, 0, 0])), /not a gRPC message/);
    assert.throws(() => decodeCommittedSize(Buffer.from([1, 0, 0, 0, 0])), /not one uncompressed message/);
  });
});

describe('RawWriteClient', () => {
  let server: grpc.Server;
  let client: RawWriteClient;
  let received: bytestream.WriteRequest[] = [];
  let failWith: grpc.ServiceError | undefined;

  before(async () => {
    server = new grpc.Server();
    server.addService(bytestream.ByteStreamService, {
      read: () => {},
      queryWriteStatus: () => {},
      write: (call: grpc.ServerReadableStream<bytestream.WriteRequest, bytestream.WriteResponse>, callback: grpc.sendUnaryData<bytestream.WriteResponse>) => {
        received = [];
        call.on('data', (request: bytestream.WriteRequest) => received.push(request));
        call.on('end', () => {
          if (failWith !== undefined) callback(failWith);
          else callback(null, { committedSize: received.reduce((sum, r) => sum + r.data.length, 0) });
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    client = new RawWriteClient(`127.0.0.1:${port}`);
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  it('sends one WriteRequest per chunk with name, offsets and finish_write, and resolves to committed_size', async () => {
    failWith = undefined;
    const chunks = [Buffer.alloc(100_000, 1), Buffer.alloc(70_000, 2), Buffer.from('end')];
    const content = Buffer.concat(chunks);
    const digest = SHA256.compute(content);
    assert.equal(await client.write(digest, chunks, 10_000), content.length);
    assert.deepEqual(received.map((r) => [r.writeOffset, r.finishWrite, r.data.length]), [[0, false, 100_000], [100_000, false, 70_000], [170_000, true, 3]]);
    assert.match(received[0]!.resourceName, new RegExp(`^uploads/[0-9a-f-]{36}/blobs/${digest.hash}/${content.length}$`));
    assert.deepEqual(received.slice(1).map((r) => r.resourceName), ['', '']);
    assert.ok(Buffer.concat(received.map((r) => r.data)).equals(content));
  });

  it("rejects with the server's grpc-status and message", async () => {
    failWith = Object.assign(new Error('nope'), { code: grpc.status.INVALID_ARGUMENT, details: 'bad offset 5', metadata: new grpc.Metadata() });
    await assert.rejects(client.write(SHA256.compute(Buffer.from('x')), [Buffer.from('x')], 10_000), /grpc-status 3: bad offset 5/);
  });
});
