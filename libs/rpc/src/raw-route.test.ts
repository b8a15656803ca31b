import assert from 'node:assert/strict';
import { connect, constants, type IncomingHttpHeaders } from 'node:http2';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { bytestream, RequestMetadata } from '@actiond/proto';
import { ActiondError, STATUS_DETAILS_TRAILER } from '@actiond/status';
import { createRecordingTelemetry, type RecordingTelemetry } from '@actiond/telemetry';
import { clientStreaming } from './client-streaming-method.ts';
import { callUnary, signalPair } from './grpc-test-harness.ts';
import { frameGrpcMessage } from './grpc-message-decoder.ts';
import { clientStreamingRoute, unaryRoute } from './raw-route.ts';
import { installRawRoutes } from './raw-route-dispatcher.ts';
import { REQUEST_METADATA_HEADER } from './request-metadata.ts';
import type { RpcContext } from './rpc-context.ts';
import { serverStreaming } from './server-streaming-method.ts';
import { implementService } from './service-implementation.ts';
import { unary } from './unary-method.ts';

type WriteRequest = bytestream.WriteRequest;
type WriteResponse = bytestream.WriteResponse;

const WRITE = 'google.bytestream.ByteStream/Write';
const QUERY = 'google.bytestream.ByteStream/QueryWriteStatus';
const MAX_MESSAGE_BYTES = 64 * 1024;

/** What the raw Write route does; each test sets it. */
let rawWrite: (requests: AsyncIterable<WriteRequest>, ctx: RpcContext) => Promise<WriteResponse>;
/** What grpc-js's own Write handler does: the fallback the raw route shadows. */
let grpcWrite: (requests: AsyncIterable<WriteRequest>, ctx: RpcContext) => Promise<WriteResponse>;

const piece = (resourceName: string, data: string | Buffer, finishWrite = false): WriteRequest => ({
  resourceName,
  writeOffset: 0,
  finishWrite,
  data: Buffer.from(data),
});

describe('raw routes installed ahead of grpc-js', () => {
  let telemetry: RecordingTelemetry;
  let server: grpc.Server;
  let address: string;
  let client: InstanceType<typeof bytestream.ByteStreamClient>;

  const write = (requests: WriteRequest[], options: grpc.CallOptions = {}, metadata = new grpc.Metadata()) =>
    callUnary<WriteResponse>((cb) => {
      const call = client.write(metadata, options, cb);
      for (const r of requests) call.write(r);
      call.end();
    });

  before(async () => {
    telemetry = await createRecordingTelemetry();
    server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
    server.addService(
      bytestream.ByteStreamService,
      implementService(
        bytestream.ByteStreamService,
        {
          read: serverStreaming(async (_request, _ctx, send) => send({ data: Buffer.from('from grpc-js') })),
          write: clientStreaming((requests, ctx) => grpcWrite(requests, ctx)),
          queryWriteStatus: unary(async () => ({ committedSize: 7, complete: false })),
        },
        telemetry,
      ),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    installRawRoutes(
      server,
      [
        clientStreamingRoute(bytestream.ByteStreamService.write, (requests, ctx) => rawWrite(requests, ctx), telemetry),
        // A unary route on a path grpc-js does not serve at all.
        unaryRoute(
          { ...bytestream.ByteStreamService.queryWriteStatus, path: '/actiond.test.Raw/Query' },
          async (request) => ({ committedSize: request.resourceName.length, complete: true }),
          telemetry,
        ),
      ],
      { maxMessageBytes: MAX_MESSAGE_BYTES },
    );
    address = `127.0.0.1:${port}`;
    client = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    server.forceShutdown();
    await telemetry.shutdown();
  });
  beforeEach(() => {
    grpcWrite = async () => ({ committedSize: -100 });
  });

  it('sends Write to the raw route, with every request in order', async () => {
    rawWrite = async (requests) => {
      const seen: string[] = [];
      for await (const request of requests) seen.push(request.data.toString());
      return { committedSize: seen.join('').length + 1000 };
    };
    assert.deepEqual(await write([piece('r', 'ab'), piece('', 'cd'), piece('', 'e', true)]), { committedSize: 1005 });
  });

  it('leaves the other methods to grpc-js', async () => {
    rawWrite = async () => {
      throw new Error('the raw route must not serve QueryWriteStatus');
    };
    const status = await callUnary<bytestream.QueryWriteStatusResponse>((cb) => client.queryWriteStatus({ resourceName: 'x' }, cb));
    assert.deepEqual(status, { committedSize: 7, complete: false });
    const read = client.read({ resourceName: 'x', readOffset: 0, readLimit: 0 });
    const data: Buffer[] = [];
    for await (const response of read as AsyncIterable<bytestream.ReadResponse>) data.push(response.data);
    assert.equal(Buffer.concat(data).toString(), 'from grpc-js');
  });

  it('leaves unknown paths to grpc-js, which answers UNIMPLEMENTED', async () => {
    const generic = new grpc.Client(address, grpc.credentials.createInsecure());
    const identity = (b: Buffer): Buffer => b;
    await assert.rejects(
      callUnary((cb) => generic.makeUnaryRequest('/no.such.Service/Method', identity, identity, Buffer.alloc(0), cb)),
      { code: grpc.status.UNIMPLEMENTED },
    );
    generic.close();
  });

  it('serves a unary raw route, and refuses a stream of two requests as INVALID_ARGUMENT', async () => {
    const generic = new grpc.Client(address, grpc.credentials.createInsecure());
    const encode = (r: bytestream.QueryWriteStatusRequest): Buffer => Buffer.from(bytestream.QueryWriteStatusRequest.encode(r).finish());
    const decode = (b: Buffer): bytestream.QueryWriteStatusResponse => bytestream.QueryWriteStatusResponse.decode(b);
    const answer = await callUnary<bytestream.QueryWriteStatusResponse>((cb) =>
      generic.makeUnaryRequest('/actiond.test.Raw/Query', encode, decode, { resourceName: 'four' }, cb),
    );
    assert.deepEqual(answer, { committedSize: 4, complete: true });
    const twice = callUnary((cb) => {
      const call = generic.makeClientStreamRequest('/actiond.test.Raw/Query', encode, decode, cb);
      call.write({ resourceName: 'a' });
      call.write({ resourceName: 'b' });
      call.end();
    });
    await assert.rejects(twice, { code: grpc.status.INVALID_ARGUMENT, details: /is unary but the client sent more than one request message/ });
    generic.close();
  });

  it('answers an error with the same code, message and grpc-status-details-bin as grpc-js does', async () => {
    const error = ActiondError.invalidArgument('write_offset 5 is wrong', [{ field: 'write_offset', description: 'expected 0' }]);
    rawWrite = async () => {
      throw error;
    };
    grpcWrite = rawWrite;
    const viaRaw = await write([piece('r', 'x')]).then(
      () => assert.fail('the raw route answered OK'),
      (err: grpc.ServiceError) => err,
    );
    // The same handler behind grpc-js: a client-streaming call on a path only grpc-js serves is not available,
    // so compare with the status grpc-js would send for this error (ActiondError.toServiceError).
    const expected = error.toServiceError();
    assert.equal(viaRaw.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(viaRaw.details, 'write_offset 5 is wrong');
    assert.deepEqual(viaRaw.metadata.get(STATUS_DETAILS_TRAILER), expected.metadata.get(STATUS_DETAILS_TRAILER));
    const recovered = ActiondError.from(viaRaw);
    assert.deepEqual(recovered.details, error.details);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { method: WRITE, code: 'INVALID_ARGUMENT' }), 1);
  });

  it('turns a plain Error into INTERNAL, and a message with non-ASCII text arrives intact', async () => {
    rawWrite = async () => {
      throw new TypeError('oops: naïve % 100');
    };
    await assert.rejects(write([piece('r', 'x')]), { code: grpc.status.INTERNAL, details: 'oops: naïve % 100' });
  });

  it('records a span per call with the method, like the grpc-js adapters', async () => {
    rawWrite = async () => ({ committedSize: 1 });
    await write([piece('r', 'x', true)]);
    const span = telemetry.finishedSpans().findLast((s) => s.name === WRITE);
    assert.ok(span !== undefined, 'no span for Write');
    assert.equal(span.attributes['rpc.method'], WRITE);
    assert.equal(span.attributes['rpc.status_code'], 'OK');
  });

  it('hands the handler the request metadata, decoded RequestMetadata included, without transport headers', async () => {
    const seen = signalPair<RpcContext>();
    rawWrite = async (requests, ctx) => {
      for await (const _ of requests);
      seen.resolve(ctx);
      return { committedSize: 0 };
    };
    const metadata = new grpc.Metadata();
    metadata.set('x-custom', 'yes');
    metadata.set(REQUEST_METADATA_HEADER, Buffer.from(RequestMetadata.encode({ ...RequestMetadata.fromPartial({}), actionId: 'act-1', targetId: '//a:b' }).finish()));
    await write([piece('r', 'x', true)], { deadline: Date.now() + 60_000 }, metadata);
    const ctx = await seen.promise;
    assert.deepEqual(ctx.metadata.get('x-custom'), ['yes']);
    assert.equal(ctx.requestMetadata?.actionId, 'act-1');
    assert.equal(ctx.requestMetadata?.targetId, '//a:b');
    assert.deepEqual(ctx.metadata.get('grpc-timeout'), []);
    assert.deepEqual(ctx.metadata.get('content-type'), []);
    assert.ok(ctx.deadline > Date.now() + 50_000 && ctx.deadline <= Date.now() + 60_000, `deadline ${ctx.deadline}`);
    assert.match(ctx.peer, /^127\.0\.0\.1:\d+$/);
  });

  it('makes the request iteration throw CANCELLED and aborts ctx.signal when the client cancels', async () => {
    const firstSeen = signalPair();
    const outcome = signalPair<{ thrown: unknown; aborted: boolean }>();
    rawWrite = async (requests, ctx) => {
      try {
        for await (const _ of requests) firstSeen.resolve();
        throw new Error('the stream ended normally');
      } catch (thrown) {
        outcome.resolve({ thrown, aborted: ctx.signal.aborted });
        throw thrown;
      }
    };
    const call = client.write(() => {});
    call.write(piece('r', 'x'));
    await firstSeen.promise;
    call.cancel();
    const { thrown, aborted } = await outcome.promise;
    assert.ok(thrown instanceof ActiondError, String(thrown));
    assert.equal(thrown.code, grpc.status.CANCELLED);
    assert.equal(aborted, true);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { method: WRITE, code: 'CANCELLED' }), 1);
  });

  it('refuses a request message above the limit as RESOURCE_EXHAUSTED', async () => {
    rawWrite = async (requests) => {
      for await (const _ of requests);
      return { committedSize: 0 };
    };
    await assert.rejects(write([piece('r', Buffer.alloc(MAX_MESSAGE_BYTES + 1))]), {
      code: grpc.status.RESOURCE_EXHAUSTED,
      details: /exceeds the server's limit of 65536 bytes/,
    });
  });

  it('answers early while the client still sends, and the client gets the response', async () => {
    rawWrite = async () => ({ committedSize: 42 });
    const requests = Array.from({ length: 50 }, (_, i) => piece(i === 0 ? 'r' : '', Buffer.alloc(32 * 1024)));
    assert.deepEqual(await write(requests), { committedSize: 42 });
  });

  describe('over plain HTTP/2', () => {
    /** Sends `body` on a raw HTTP/2 Write stream with extra headers; resolves to the status headers or trailers. */
    async function rawCall(body: Buffer, headers: Record<string, string> = {}, options: { end?: boolean } = {}): Promise<IncomingHttpHeaders> {
      const session = connect(`http://${address}`);
      try {
        const stream = session.request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: `/${WRITE}`,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
          te: 'trailers',
          ...headers,
        });
        let status: IncomingHttpHeaders = {};
        // Like a gRPC client, stop sending once the status is in.
        const note = (h: IncomingHttpHeaders): void => {
          status = { ...status, ...h };
          if (h['grpc-status'] !== undefined && !stream.writableEnded) stream.close();
        };
        stream.on('response', note);
        stream.on('trailers', note);
        stream.resume();
        if (options.end === false) stream.write(body);
        else stream.end(body);
        await new Promise((resolve) => stream.on('close', resolve));
        return status;
      } finally {
        session.close();
      }
    }

    const encoded = (request: WriteRequest): Buffer => frameGrpcMessage(bytestream.WriteRequest.encode(request).finish());

    // A raw client, because grpc-js's client resets the stream at the same
    // deadline itself, and which of the two comes first would be up to timing.
    it('answers DEADLINE_EXCEEDED at the grpc-timeout deadline and aborts the handler with that reason', async () => {
      const outcome = signalPair<{ thrown: unknown; aborted: boolean }>();
      rawWrite = async (requests, ctx) => {
        try {
          for await (const _ of requests); // the client never half-closes
          throw new Error('the stream ended normally');
        } catch (thrown) {
          outcome.resolve({ thrown, aborted: ctx.signal.aborted });
          throw thrown;
        }
      };
      const status = await rawCall(encoded(piece('r', 'x')), { 'grpc-timeout': '200m' }, { end: false });
      assert.equal(status['grpc-status'], String(grpc.status.DEADLINE_EXCEEDED));
      const { thrown, aborted } = await outcome.promise;
      assert.ok(thrown instanceof ActiondError, String(thrown));
      assert.equal(thrown.code, grpc.status.DEADLINE_EXCEEDED);
      assert.equal(aborted, true);
      assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { method: WRITE, code: 'DEADLINE_EXCEEDED' }), 1);
    });

    it('refuses a compressed message as UNIMPLEMENTED', async () => {
      rawWrite = async (requests) => {
        for await (const _ of requests);
        return { committedSize: 0 };
      };
      const body = encoded(piece('r', 'x', true));
      body[0] = 1;
      const status = await rawCall(body, { 'grpc-encoding': 'gzip' });
      assert.equal(status['grpc-status'], String(grpc.status.UNIMPLEMENTED));
      assert.match(decodeURI(String(status['grpc-message'])), /compressed gRPC messages are not supported/);
    });

    it('refuses a stream that ends inside a message as INVALID_ARGUMENT', async () => {
      rawWrite = async (requests) => {
        for await (const _ of requests);
        return { committedSize: 0 };
      };
      const status = await rawCall(encoded(piece('r', 'truncated', true)).subarray(0, 12));
      assert.equal(status['grpc-status'], String(grpc.status.INVALID_ARGUMENT));
      assert.match(decodeURI(String(status['grpc-message'])), /ended inside a message/);
    });

    it('refuses a malformed grpc-timeout as INVALID_ARGUMENT without running the handler', async () => {
      let ran = false;
      rawWrite = async () => {
        ran = true;
        return { committedSize: 0 };
      };
      const status = await rawCall(encoded(piece('r', 'x', true)), { 'grpc-timeout': 'soon' });
      assert.equal(status['grpc-status'], String(grpc.status.INVALID_ARGUMENT));
      assert.match(decodeURI(String(status['grpc-message'])), /grpc-timeout "soon" is malformed/);
      assert.equal(ran, false);
    });

    it('answers a successful call with headers, one message and grpc-status 0 in trailers', async () => {
      rawWrite = async (requests) => {
        for await (const _ of requests);
        return { committedSize: 3 };
      };
      const status = await rawCall(encoded(piece('r', 'abc', true)));
      assert.equal(status[':status'], 200);
      assert.equal(status['content-type'], 'application/grpc+proto');
      assert.equal(status['grpc-status'], '0');
    });
  });
});

describe('installRawRoutes', () => {
  it('installs on the locked grpc-js, replacing its one stream listener with a dispatcher', async () => {
    const server = new grpc.Server();
    await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const http2Servers = (server as unknown as { http2Servers: Map<import('node:events').EventEmitter, unknown> }).http2Servers;
    const [http2Server] = [...http2Servers.keys()];
    const original = http2Server!.listeners('stream')[0];
    installRawRoutes(server, [], { maxMessageBytes: 1024 });
    const listeners = http2Server!.listeners('stream');
    assert.equal(listeners.length, 1);
    assert.notEqual(listeners[0], original);
    server.forceShutdown();
  });

  it('refuses to install before bindAsync, naming the reason', () => {
    const server = new grpc.Server();
    assert.throws(() => installRawRoutes(server, [], { maxMessageBytes: 1024 }), /http2Servers is empty; call installRawRoutes after bindAsync/);
  });

  it('refuses a grpc-js whose private shape changed, before touching anything', () => {
    const fake = { http2Servers: undefined, onStreamOpened: () => {} } as unknown as grpc.Server;
    assert.throws(() => installRawRoutes(fake, [], { maxMessageBytes: 1024 }), /does not have the internals it was written for \(1\.14\.x\): Server\.http2Servers is not a Map/);
  });

  it('refuses two routes for one path', () => {
    const telemetryless = { path: '/a/B', serve: () => {} };
    assert.throws(() => installRawRoutes(new grpc.Server(), [telemetryless, telemetryless], { maxMessageBytes: 1 }), /two routes for \/a\/B/);
  });
});
