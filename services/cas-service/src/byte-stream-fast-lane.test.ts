import assert from 'node:assert/strict';
import { connect, constants, type IncomingHttpHeaders } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { bytestream } from '@actiond/proto';
import { frameGrpcMessage } from '@actiond/rpc';
import { digestOf, readBlob, startCasTestServer, type CasTestServer } from './cas-test-server.test-support.ts';

/** Sends `body` as one ByteStream Write over plain HTTP/2 in pieces of `pieceBytes`; resolves to the status and the response bytes. */
async function rawWrite(address: string, body: Buffer, pieceBytes: number): Promise<{ headers: IncomingHttpHeaders; response: Buffer }> {
  const session = connect(`http://${address}`);
  try {
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: bytestream.ByteStreamService.write.path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
    });
    let headers: IncomingHttpHeaders = {};
    const data: Buffer[] = [];
    stream.on('response', (h) => (headers = { ...headers, ...h }));
    stream.on('trailers', (h) => (headers = { ...headers, ...h }));
    stream.on('data', (d: Buffer) => data.push(d));
    for (let at = 0; at < body.length; at += pieceBytes) stream.write(body.subarray(at, at + pieceBytes));
    stream.end();
    await new Promise((resolve) => stream.on('close', resolve));
    return { headers, response: Buffer.concat(data) };
  } finally {
    session.close();
  }
}

const framed = (request: bytestream.WriteRequest): Buffer => frameGrpcMessage(bytestream.WriteRequest.encode(request).finish());

describe('ByteStream Write on the CAS test server', () => {
  let server: CasTestServer;
  let address: string;
  before(async () => {
    server = await startCasTestServer();
    address = server.byteStream.getChannel().getTarget().replace(/^dns:/, '');
  });
  after(() => server.close());

  it('goes through the raw HTTP/2 fast lane, which refuses compressed messages as UNIMPLEMENTED (grpc-js would say INTERNAL)', async () => {
    const body = framed({ resourceName: 'uploads/u/blobs/x/1', writeOffset: 0, finishWrite: true, data: Buffer.from('x') });
    body[0] = 1;
    const { headers } = await rawWrite(address, body, body.length);
    assert.equal(headers['grpc-status'], String(status.UNIMPLEMENTED));
    assert.match(decodeURIComponent(String(headers['grpc-message'])), /google\.bytestream\.ByteStream\/Write: compressed gRPC messages are not supported/);
  });

  it('stores a blob whose requests arrive in pieces that split messages anywhere', async () => {
    const content = Buffer.from('the quick brown fox jumps over the lazy dog, twice: the quick brown fox');
    const digest = digestOf(content);
    const name = `uploads/6d1f0c3a-0000-4000-8000-000000000001/blobs/${digest.hash}/${digest.sizeBytes}`;
    const body = Buffer.concat([
      framed({ resourceName: name, writeOffset: 0, finishWrite: false, data: content.subarray(0, 30) }),
      framed({ resourceName: '', writeOffset: 30, finishWrite: true, data: content.subarray(30) }),
    ]);
    const { headers, response } = await rawWrite(address, body, 7);
    assert.equal(headers['grpc-status'], '0', decodeURIComponent(String(headers['grpc-message'])));
    assert.deepEqual(bytestream.WriteResponse.decode(response.subarray(5)), { committedSize: content.length });
    assert.equal((await server.blobs.findMissing([digest])).size, 0);
  });

  it('serves Read through the raw fast lane, which refuses a second request as INVALID_ARGUMENT (grpc-js would say UNIMPLEMENTED)', async () => {
    const generic = new grpc.Client(address, grpc.credentials.createInsecure());
    try {
      const { path, requestSerialize, responseDeserialize } = bytestream.ByteStreamService.read;
      const call = generic.makeBidiStreamRequest(path, requestSerialize, responseDeserialize);
      const ended = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
      call.on('data', () => {});
      const request = { resourceName: 'blobs/x/1', readOffset: 0, readLimit: 0 };
      call.write(request);
      call.write(request);
      call.end();
      const error = await ended;
      assert.equal(error.code, status.INVALID_ARGUMENT);
      assert.equal(error.details, 'google.bytestream.ByteStream/Read is server-streaming but the client sent more than one request message');
    } finally {
      generic.close();
    }
  });

  it('reads a stored blob on the fast lane, counted by the same metrics as grpc-js calls', async () => {
    const content = Buffer.from('read me through the raw route');
    const digest = digestOf(content);
    await server.blobs.put(digest, content);
    const { data, error } = await readBlob(server, `blobs/${digest.hash}/${digest.sizeBytes}`);
    assert.equal(error, undefined);
    assert.deepEqual(data, content);
    assert.ok((await server.telemetry.counterValue('actiond.rpc.server.calls', { method: 'google.bytestream.ByteStream/Read', code: 'OK' })) >= 1);
  });
});
