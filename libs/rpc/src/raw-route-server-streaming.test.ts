import assert from 'node:assert/strict';
import { connect, constants, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { bytestream } from '@actiond/proto';
import { ActiondError, STATUS_DETAILS_TRAILER } from '@actiond/status';
import { createRecordingTelemetry, type RecordingTelemetry } from '@actiond/telemetry';
import { clientStreaming } from './client-streaming-method.ts';
import { collectStream, signalPair, type StreamOutcome } from './grpc-test-harness.ts';
import { frameGrpcMessage } from './grpc-message-decoder.ts';
import { serverStreamingRoute, type RawRoute } from './raw-route.ts';
import { installRawRoutes } from './raw-route-dispatcher.ts';
import type { RpcContext } from './rpc-context.ts';
import type { Send } from './response-sender.ts';
import { serverStreaming } from './server-streaming-method.ts';
import { implementService } from './service-implementation.ts';
import { unary } from './unary-method.ts';

type ReadRequest = bytestream.ReadRequest;
type ReadResponse = bytestream.ReadResponse;
type Behaviour = (ctx: RpcContext, send: Send<ReadResponse>) => Promise<void> | AsyncIterable<ReadResponse>;

const READ = 'google.bytestream.ByteStream/Read';
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** What Read does, keyed by the request's resource name; the same behaviour serves both servers. */
const behaviours = new Map<string, Behaviour>();
const chunk = (text: string): ReadResponse => ({ data: Buffer.from(text) });
const texts = (messages: ReadResponse[]) => messages.map((m) => m.data.toString());

/** Read as the handler type both paths take: looks the behaviour up by resource name. */
function readHandler(request: ReadRequest, ctx: RpcContext, send: Send<ReadResponse>): Promise<void> | AsyncIterable<ReadResponse> {
  const behaviour = behaviours.get(request.resourceName);
  if (behaviour === undefined) throw new Error(`test has no behaviour for ${request.resourceName}`);
  return behaviour(ctx, send);
}

/** Read's definition, with a response encoder that fails for the data "unencodable". */
const READ_DEFINITION = {
  ...bytestream.ByteStreamService.read,
  responseSerialize(response: ReadResponse): Buffer {
    if (response.data.toString() === 'unencodable') throw new RangeError('cannot encode this one');
    return bytestream.ByteStreamService.read.responseSerialize(response);
  },
};

interface Served {
  readonly server: grpc.Server;
  readonly address: string;
  readonly client: InstanceType<typeof bytestream.ByteStreamClient>;
  readonly telemetry: RecordingTelemetry;
}

/** A server with Read registered on grpc-js (answering the same behaviours), and `routes` installed when given. */
async function startServer(routes: (telemetry: RecordingTelemetry) => RawRoute[] | undefined): Promise<Served> {
  const telemetry = await createRecordingTelemetry();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  server.addService(
    bytestream.ByteStreamService,
    implementService(
      { ...bytestream.ByteStreamService, read: READ_DEFINITION },
      {
        read: serverStreaming(readHandler),
        write: clientStreaming(async () => ({ committedSize: 0 })),
        queryWriteStatus: unary(async () => ({ committedSize: 0, complete: false })),
      },
      telemetry,
    ),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const raw = routes(telemetry);
  if (raw !== undefined) installRawRoutes(server, raw, { maxMessageBytes: MAX_MESSAGE_BYTES });
  const address = `127.0.0.1:${port}`;
  const client = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 8 * MAX_MESSAGE_BYTES,
  });
  return { server, address, client, telemetry };
}

async function stopServer(served: Served): Promise<void> {
  served.client.close();
  served.server.forceShutdown();
  await served.telemetry.shutdown();
}

/** The status details trailer of an outcome's error, for comparing the two paths. */
const detailsOf = (outcome: StreamOutcome<ReadResponse>) => outcome.error?.metadata.get(STATUS_DETAILS_TRAILER);

describe('serverStreamingRoute', () => {
  let raw: Served;
  let viaGrpcJs: Served;
  /** The HTTP/2 stream of the latest raw call, for the flow-control test. */
  let lastStream: ServerHttp2Stream | undefined;
  const read = (served: Served, resourceName: string, options: grpc.CallOptions = {}) =>
    served.client.read({ resourceName, readOffset: 0, readLimit: 0 }, options);

  before(async () => {
    raw = await startServer((telemetry) => {
      const route = serverStreamingRoute(READ_DEFINITION, readHandler, telemetry);
      return [{ path: route.path, serve: (stream, headers, max) => route.serve((lastStream = stream), headers, max) }];
    });
    viaGrpcJs = await startServer(() => undefined);
  });
  after(async () => {
    await stopServer(raw);
    await stopServer(viaGrpcJs);
  });

  /** Runs `resourceName` through both servers and checks that the client sees the same from each; returns the raw outcome. */
  async function sameOnBothPaths(resourceName: string): Promise<StreamOutcome<ReadResponse>> {
    const [fromRaw, fromGrpcJs] = [await collectStream(read(raw, resourceName)), await collectStream(read(viaGrpcJs, resourceName))];
    assert.deepEqual(texts(fromRaw.messages), texts(fromGrpcJs.messages));
    assert.equal(fromRaw.error?.code, fromGrpcJs.error?.code);
    assert.equal(fromRaw.error?.details, fromGrpcJs.error?.details);
    assert.deepEqual(detailsOf(fromRaw), detailsOf(fromGrpcJs));
    assert.equal(fromRaw.statuses, 1);
    return fromRaw;
  }

  it('streams every sent message, then OK exactly once, as grpc-js does', async () => {
    behaviours.set('three', async (ctx, send) => {
      ctx.setInstanceName('from-resource-name');
      await send(chunk('a'));
      await send(chunk('b'));
      await send(chunk('c'));
    });
    const outcome = await sameOnBothPaths('three');
    assert.deepEqual(texts(outcome.messages), ['a', 'b', 'c']);
    assert.equal(outcome.error, undefined);
    assert.equal(await raw.telemetry.counterValue('actiond.rpc.server.calls', { method: READ, code: 'OK' }), 1);
    const span = raw.telemetry.finishedSpans().find((s) => s.name === READ);
    assert.equal(span?.attributes['reapi.instance_name'], 'from-resource-name');
  });

  it('streams what an async generator yields, and OK for a stream of no messages', async () => {
    behaviours.set('generator', async function* () {
      yield chunk('x');
      yield chunk('y');
    });
    assert.deepEqual(texts((await sameOnBothPaths('generator')).messages), ['x', 'y']);
    behaviours.set('nothing', async () => {});
    const empty = await sameOnBothPaths('nothing');
    assert.deepEqual(empty.messages, []);
    assert.equal(empty.error, undefined);
  });

  it('ends with the handler error after the messages sent, with the same code, message and status details as grpc-js', async () => {
    behaviours.set('midway', async (_ctx, send) => {
      await send(chunk('1'));
      await send(chunk('2'));
      throw ActiondError.invalidArgument('read_limit is wrong: naïve 100%', [{ field: 'read_limit', description: 'is negative' }]);
    });
    const outcome = await sameOnBothPaths('midway');
    assert.deepEqual(texts(outcome.messages), ['1', '2']);
    assert.equal(outcome.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(outcome.error?.details, 'read_limit is wrong: naïve 100%');
    assert.equal(detailsOf(outcome)?.length, 1);
    assert.equal(await raw.telemetry.counterValue('actiond.rpc.server.calls', { method: READ, code: 'INVALID_ARGUMENT' }), 1);
  });

  it('answers an error before any message with its status details (a trailers-only response), as grpc-js does', async () => {
    behaviours.set('precondition', async () => {
      throw ActiondError.failedPrecondition('missing blobs', [{ type: 'MISSING', subject: 'blobs/abc/1', description: 'not in the CAS' }]);
    });
    const outcome = await sameOnBothPaths('precondition');
    assert.equal(outcome.error?.code, grpc.status.FAILED_PRECONDITION);
    assert.deepEqual(ActiondError.from(outcome.error).details, ActiondError.failedPrecondition('x', [{ type: 'MISSING', subject: 'blobs/abc/1', description: 'not in the CAS' }]).details);
  });

  it('turns a plain Error thrown midway by a generator into INTERNAL, as grpc-js does', async () => {
    behaviours.set('generator-throws', async function* () {
      yield chunk('only');
      throw new Error('read failed');
    });
    const outcome = await sameOnBothPaths('generator-throws');
    assert.equal(outcome.error?.code, grpc.status.INTERNAL);
    assert.equal(outcome.error?.details, 'read failed');
  });

  it('ends the call with INTERNAL when a response does not encode, and the send rejects', async () => {
    const sendOutcome = signalPair<unknown>();
    behaviours.set('unencodable', async (_ctx, send) => {
      await send(chunk('fine'));
      sendOutcome.resolve(await send(chunk('unencodable')).catch((err: unknown) => err));
    });
    const outcome = await collectStream(read(raw, 'unencodable'));
    assert.deepEqual(texts(outcome.messages), ['fine']);
    assert.equal(outcome.error?.code, grpc.status.INTERNAL);
    assert.match(String(outcome.error?.details), /google\.bytestream\.ByteStream\/Read: a response message does not encode: cannot encode this one/);
    const thrown = await sendOutcome.promise;
    assert.ok(thrown instanceof ActiondError && thrown.code === grpc.status.INTERNAL, String(thrown));
  });

  it('refuses a response above the message limit as RESOURCE_EXHAUSTED, as grpc-js does', async () => {
    behaviours.set('huge', async (_ctx, send) => {
      await send({ data: Buffer.alloc(MAX_MESSAGE_BYTES + 1) });
    });
    const outcome = await collectStream(read(raw, 'huge'));
    assert.equal(outcome.error?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(String(outcome.error?.details), /a response message of \d+ bytes exceeds the server's limit of 1048576 bytes/);
    assert.equal((await collectStream(read(viaGrpcJs, 'huge'))).error?.code, grpc.status.RESOURCE_EXHAUSTED);
  });

  it('delivers a stream far larger than the flow-control windows completely and in order', async () => {
    const count = 200;
    const payload = 'z'.repeat(64 * 1024);
    behaviours.set('large', async (_ctx, send) => {
      for (let i = 0; i < count; i++) await send({ data: Buffer.from(`${i}:${payload}`) });
    });
    const outcome = await collectStream(read(raw, 'large'));
    assert.equal(outcome.error, undefined);
    assert.deepEqual(
      outcome.messages.map((m) => Number(m.data.toString().split(':', 1)[0])),
      Array.from({ length: count }, (_, i) => i),
    );
  });

  it('aborts ctx.signal when the client cancels mid-stream, so the handler stops, and send rejects with CANCELLED', async () => {
    const stopped = signalPair<{ reason: unknown; sentAfterAbort: unknown }>();
    behaviours.set('endless', async (ctx, send) => {
      let reason: unknown;
      try {
        for (;;) await send(chunk('more'));
      } catch (err) {
        reason = err;
      }
      stopped.resolve({ reason, sentAfterAbort: await send(chunk('too late')).catch((err: unknown) => err) });
      throw reason;
    });
    const stream = read(raw, 'endless');
    const outcome = collectStream(stream);
    stream.once('data', () => stream.cancel());
    const { reason, sentAfterAbort } = await stopped.promise;
    assert.ok(reason instanceof ActiondError, String(reason));
    assert.equal(reason.code, grpc.status.CANCELLED);
    assert.equal(sentAfterAbort, reason);
    assert.equal((await outcome).error?.code, grpc.status.CANCELLED);
    assert.equal(await raw.telemetry.counterValue('actiond.rpc.server.calls', { method: READ, code: 'CANCELLED' }), 1);
  });

  it('makes a send wait while the client does not read: no more than the flow-control window and the stream buffer go out', async () => {
    const messageBytes = 16 * 1024;
    const count = 256; // 4 MiB: far beyond the client's 64 KiB windows
    let sent = 0;
    let waiting = false;
    behaviours.set('unread', async (_ctx, send) => {
      for (let i = 0; i < count; i++) {
        waiting = true;
        await send({ data: Buffer.alloc(messageBytes, i % 256) });
        waiting = false;
        sent++;
      }
    });
    const session = connect(`http://${raw.address}`);
    try {
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: `/${READ}`,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
      });
      stream.end(frameGrpcMessage(bytestream.ReadRequest.encode({ resourceName: 'unread', readOffset: 0, readLimit: 0 }).finish()));
      // The client reads nothing, so its windows (HTTP/2's default 65,535
      // bytes, stream and connection) fill and the server's send must wait.
      await new Promise((resolve) => session.once('remoteSettings', resolve));
      for (;;) {
        const serverSession = lastStream?.session;
        if (serverSession !== undefined && serverSession.state.remoteWindowSize === 0 && waiting) break;
        if (sent === count) break; // no backpressure at all: the assertion below fails
        await nextTurn();
      }
      for (let turn = 0; turn < 50; turn++) await nextTurn();
      const window = 65_535;
      const buffered = lastStream!.writableHighWaterMark;
      assert.ok(sent * messageBytes <= window + buffered + messageBytes, `${sent} messages of ${messageBytes} bytes went out to a client that reads nothing`);
      assert.equal(waiting, true);
      // Once the client reads, everything arrives, in order.
      let bytes = 0;
      let trailers: IncomingHttpHeaders = {};
      stream.on('data', (piece: Buffer) => (bytes += piece.length));
      stream.on('trailers', (t) => (trailers = t));
      await new Promise((resolve) => stream.on('close', resolve));
      assert.equal(trailers['grpc-status'], '0');
      assert.equal(sent, count);
      assert.ok(bytes > count * messageBytes, `${bytes} bytes arrived`);
    } finally {
      session.destroy();
    }
  });

  it('cancels the call when the client resets the stream with an error code while a send waits, so send rejects with CANCELLED', async () => {
    const waitingSend = signalPair();
    const outcome = signalPair<unknown>();
    behaviours.set('reset', async (_ctx, send) => {
      try {
        for (;;) {
          const sent = send({ data: Buffer.alloc(64 * 1024) });
          waitingSend.resolve();
          await sent;
        }
      } catch (err) {
        outcome.resolve(err);
        throw err;
      }
    });
    const session = connect(`http://${raw.address}`);
    try {
      const stream = session.request({
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: `/${READ}`,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => {});
      stream.end(frameGrpcMessage(bytestream.ReadRequest.encode({ resourceName: 'reset', readOffset: 0, readLimit: 0 }).finish()));
      await waitingSend.promise;
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      const thrown = await outcome.promise;
      assert.ok(thrown instanceof ActiondError, String(thrown));
      assert.equal(thrown.code, grpc.status.CANCELLED);
    } finally {
      session.destroy();
    }
  });

  describe('over plain HTTP/2', () => {
    /** One Read with `body` as the request bytes and extra headers; resolves to the headers, trailers and response bytes. */
    async function rawRead(body: Buffer, headers: Record<string, string> = {}): Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; data: Buffer }> {
      const session = connect(`http://${raw.address}`);
      try {
        const stream = session.request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: `/${READ}`,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
          te: 'trailers',
          ...headers,
        });
        let responseHeaders: IncomingHttpHeaders = {};
        let trailers: IncomingHttpHeaders = {};
        const data: Buffer[] = [];
        stream.on('response', (h) => (responseHeaders = h));
        stream.on('trailers', (t) => (trailers = t));
        stream.on('data', (d: Buffer) => data.push(d));
        stream.end(body);
        await new Promise((resolve) => stream.on('close', resolve));
        return { headers: responseHeaders, trailers, data: Buffer.concat(data) };
      } finally {
        session.close();
      }
    }

    const request = (resourceName: string): Buffer =>
      frameGrpcMessage(bytestream.ReadRequest.encode({ resourceName, readOffset: 0, readLimit: 0 }).finish());

    it('answers with headers, the framed messages, and grpc-status 0 with grpc-message OK in trailers', async () => {
      behaviours.set('two', async (_ctx, send) => {
        await send(chunk('ab'));
        await send(chunk('c'));
      });
      const { headers, trailers, data } = await rawRead(request('two'));
      assert.equal(headers[':status'], 200);
      assert.equal(headers['content-type'], 'application/grpc+proto');
      assert.equal(headers['grpc-status'], undefined);
      assert.deepEqual([trailers['grpc-status'], trailers['grpc-message']], ['0', 'OK']);
      assert.deepEqual(data, Buffer.concat([frameGrpcMessage(bytestream.ReadResponse.encode(chunk('ab')).finish()), frameGrpcMessage(bytestream.ReadResponse.encode(chunk('c')).finish())]));
    });

    it('refuses a call with no request message as INVALID_ARGUMENT naming the method, without running the handler', async () => {
      const { headers } = await rawRead(Buffer.alloc(0));
      assert.equal(headers['grpc-status'], String(grpc.status.INVALID_ARGUMENT));
      assert.equal(decodeURI(String(headers['grpc-message'])), `${READ} is server-streaming but the client sent no request message`);
    });

    it('refuses a call with two request messages as INVALID_ARGUMENT naming the method, without running the handler', async () => {
      let ran = false;
      behaviours.set('once', async () => {
        ran = true;
      });
      const { headers } = await rawRead(Buffer.concat([request('once'), request('once')]));
      assert.equal(headers['grpc-status'], String(grpc.status.INVALID_ARGUMENT));
      assert.equal(decodeURI(String(headers['grpc-message'])), `${READ} is server-streaming but the client sent more than one request message`);
      assert.equal(ran, false);
    });

    it('refuses a request that does not decode as INVALID_ARGUMENT', async () => {
      const { headers } = await rawRead(frameGrpcMessage(Buffer.from([0x0a, 0x05, 0x61])));
      assert.equal(headers['grpc-status'], String(grpc.status.INVALID_ARGUMENT));
      assert.match(decodeURI(String(headers['grpc-message'])), /google\.bytestream\.ByteStream\/Read: a request message does not decode/);
    });

    it('refuses a malformed grpc-timeout as INVALID_ARGUMENT without running the handler', async () => {
      let ran = false;
      behaviours.set('timeout', async () => {
        ran = true;
      });
      const { headers } = await rawRead(request('timeout'), { 'grpc-timeout': 'soon' });
      assert.equal(headers['grpc-status'], String(grpc.status.INVALID_ARGUMENT));
      assert.match(decodeURI(String(headers['grpc-message'])), /grpc-timeout "soon" is malformed/);
      assert.equal(ran, false);
    });

    // A raw client, because grpc-js's client resets the stream at the same
    // deadline itself, and which of the two comes first would be up to timing.
    it('answers DEADLINE_EXCEEDED after the messages sent at the grpc-timeout deadline, and aborts the handler with that reason', async () => {
      const aborted = signalPair<unknown>();
      behaviours.set('slow', async (ctx, send) => {
        await send(chunk('early'));
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        aborted.resolve(ctx.signal.reason);
      });
      const { trailers, data } = await rawRead(request('slow'), { 'grpc-timeout': '200m' });
      assert.equal(trailers['grpc-status'], String(grpc.status.DEADLINE_EXCEEDED));
      assert.deepEqual(data, frameGrpcMessage(bytestream.ReadResponse.encode(chunk('early')).finish()));
      const reason = await aborted.promise;
      assert.ok(reason instanceof ActiondError, String(reason));
      assert.equal(reason.code, grpc.status.DEADLINE_EXCEEDED);
      assert.equal(await raw.telemetry.counterValue('actiond.rpc.server.calls', { method: READ, code: 'DEADLINE_EXCEEDED' }), 1);
    });
  });
});
