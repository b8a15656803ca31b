import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  CapabilitiesClient,
  CapabilitiesService,
  GetCapabilitiesRequest,
  RequestMetadata,
  ServerCapabilities,
} from '@actiond/proto';
import { ActiondError, missingBlobs, PreconditionFailureDetail } from '@actiond/status';
import { callUnary, signalPair, startTestServer, type TestServer } from './grpc-test-harness.ts';
import { implementService } from './service-implementation.ts';
import { REQUEST_METADATA_HEADER } from './request-metadata.ts';
import type { RpcContext } from './rpc-context.ts';
import { unary } from './unary-method.ts';

const METHOD = 'build.bazel.remote.execution.v2.Capabilities/GetCapabilities';

/** What the handler does for the call with this instance name. */
const behaviours = new Map<string, (ctx: RpcContext) => Promise<ServerCapabilities>>();
const seen: RpcContext[] = [];

describe('unary', () => {
  let server: TestServer;
  let client: InstanceType<typeof CapabilitiesClient>;
  const call = (instanceName: string, metadata = new grpc.Metadata()) =>
    callUnary<ServerCapabilities>((cb) => client.getCapabilities({ instanceName }, metadata, cb));

  before(async () => {
    server = await startTestServer((s, telemetry) =>
      s.addService(
        CapabilitiesService,
        implementService(
          CapabilitiesService,
          {
            getCapabilities: unary(async (request, ctx) => {
              seen.push(ctx);
              const behaviour = behaviours.get(request.instanceName);
              if (behaviour === undefined) throw new Error(`test has no behaviour for ${request.instanceName}`);
              return behaviour(ctx);
            }),
          },
          telemetry,
        ),
      ),
    );
    client = new CapabilitiesClient(server.address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('answers with the handler result and records OK telemetry', async () => {
    const capabilities = ServerCapabilities.fromPartial({ executionCapabilities: { execEnabled: true } });
    behaviours.set('ok', async () => capabilities);
    const response = await call('ok');
    assert.deepEqual(response, capabilities);
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'OK' }), 1);
    assert.equal(await server.telemetry.histogramCount('actiond.rpc.server.duration', { method: METHOD, code: 'OK' }), 1);
    const span = server.telemetry.finishedSpans().find((s) => s.attributes['reapi.instance_name'] === 'ok');
    assert.ok(span, 'a span carries the instance name');
    assert.equal(span.name, METHOD);
    assert.equal(span.attributes['rpc.method'], METHOD);
    assert.equal(span.attributes['rpc.status_code'], 'OK');
  });

  it('sends a thrown ActiondError with its code, message and decodable details', async () => {
    behaviours.set('missing', async () => {
      throw missingBlobs([{ hash: 'a'.repeat(64), sizeBytes: 3 }]);
    });
    const err: unknown = await call('missing').catch((e: unknown) => e);
    assert.ok(err instanceof Error);
    const received = ActiondError.from(err);
    assert.equal(received.code, grpc.status.FAILED_PRECONDITION);
    assert.match(received.message, /a{64}\/3/);
    const [failure] = received.findDetails(PreconditionFailureDetail);
    assert.deepEqual(failure?.violations.map((v) => [v.type, v.subject]), [['MISSING', `blobs/${'a'.repeat(64)}/3`]]);
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'FAILED_PRECONDITION' }), 1);
  });

  it('turns a thrown plain Error into INTERNAL with its message, marking the span as an error', async () => {
    behaviours.set('boom', async () => {
      throw new Error('disk on fire');
    });
    await assert.rejects(call('boom'), { code: grpc.status.INTERNAL, details: 'disk on fire' });
    const span = server.telemetry.finishedSpans().find((s) => s.attributes['reapi.instance_name'] === 'boom');
    assert.equal(span?.status.code, 2 /* SpanStatusCode.ERROR */);
    assert.equal(span?.attributes['rpc.status_code'], 'INTERNAL');
  });

  it('treats a synchronous throw like a rejection', async () => {
    behaviours.set('sync', () => {
      throw ActiondError.notFound('no such thing');
    });
    await assert.rejects(call('sync'), { code: grpc.status.NOT_FOUND, details: 'no such thing' });
  });

  it('answers INTERNAL when the handler returns no response', async () => {
    behaviours.set('nothing', async () => undefined as unknown as ServerCapabilities);
    await assert.rejects(call('nothing'), { code: grpc.status.INTERNAL, details: `${METHOD}: handler returned no response` });
  });

  it('decodes the RequestMetadata header into ctx', async () => {
    behaviours.set('meta', async () => ServerCapabilities.fromPartial({}));
    const metadata = new grpc.Metadata();
    const sent = RequestMetadata.fromPartial({
      toolDetails: { toolName: 'bazel', toolVersion: '4.2.3' },
      actionId: 'action-1',
      toolInvocationId: 'invocation-1',
      actionMnemonic: 'CppCompile',
      targetId: '//a:b',
    });
    metadata.set(REQUEST_METADATA_HEADER, Buffer.from(RequestMetadata.encode(sent).finish()));
    await call('meta', metadata);
    assert.deepEqual(seen.at(-1)?.requestMetadata, sent);
    const span = server.telemetry.finishedSpans().find((s) => s.attributes['reapi.instance_name'] === 'meta');
    assert.equal(span?.attributes['reapi.action_mnemonic'], 'CppCompile');
    assert.equal(span?.attributes['reapi.tool_invocation_id'], 'invocation-1');
  });

  it('serves the call when the RequestMetadata header is malformed, without it', async () => {
    behaviours.set('badmeta', async () => ServerCapabilities.fromPartial({}));
    const metadata = new grpc.Metadata();
    metadata.set(REQUEST_METADATA_HEADER, Buffer.from([0x0a, 0xff, 0xff])); // a length that runs past the end
    await call('badmeta', metadata);
    assert.equal(seen.at(-1)?.requestMetadata, undefined);
  });

  it('aborts ctx.signal with CANCELLED when the client cancels, and answers nothing after', async () => {
    const started = signalPair();
    const observed = signalPair<unknown>();
    behaviours.set('cancel', (ctx) => {
      started.resolve();
      return new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => {
          observed.resolve(ctx.signal.reason);
          reject(new Error('handler gave up')); // dropped: the call is over
        }),
      );
    });
    const callsBefore = await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD });
    const pending = client.getCapabilities({ instanceName: 'cancel' }, () => {});
    await started.promise;
    pending.cancel();
    const reason = await observed.promise;
    assert.ok(reason instanceof ActiondError);
    assert.equal(reason.code, grpc.status.CANCELLED);
    await new Promise((resolve) => setImmediate(resolve)); // let the handler's late rejection reach the adapter
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD }), callsBefore + 1, 'one outcome for the call');
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'CANCELLED' }), 1);
    const span = server.telemetry.finishedSpans().find((s) => s.attributes['reapi.instance_name'] === 'cancel');
    assert.equal(span?.attributes['rpc.status_code'], 'CANCELLED');
  });

  it('aborts ctx.signal with DEADLINE_EXCEEDED when the deadline passes', async () => {
    // A raw HTTP/2 request, because a grpc-js client enforces the deadline
    // itself and might cancel first; this client never cancels, so only the
    // server's own deadline can end the call.
    const observed = signalPair<unknown>();
    behaviours.set('deadline', (ctx) => {
      assert.ok(Number.isFinite(ctx.deadline));
      return new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => {
          observed.resolve(ctx.signal.reason);
          reject(ctx.signal.reason);
        }),
      );
    });
    const session = connect(`http://${server.address}`);
    try {
      const request = session.request({
        ':method': 'POST',
        ':path': `/${METHOD}`,
        'content-type': 'application/grpc',
        te: 'trailers',
        'grpc-timeout': '50m',
      });
      const body = GetCapabilitiesRequest.encode({ instanceName: 'deadline' }).finish();
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      request.end(frame);
      const grpcStatus = await new Promise<string>((resolve) => {
        request.on('response', (headers) => headers['grpc-status'] !== undefined && resolve(String(headers['grpc-status'])));
        request.on('trailers', (trailers) => resolve(String(trailers['grpc-status'])));
        request.resume();
      });
      assert.equal(grpcStatus, String(grpc.status.DEADLINE_EXCEEDED));
    } finally {
      session.close();
    }
    const reason = await observed.promise;
    assert.ok(reason instanceof ActiondError);
    assert.equal(reason.code, grpc.status.DEADLINE_EXCEEDED);
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'DEADLINE_EXCEEDED' }), 1);
  });
});
