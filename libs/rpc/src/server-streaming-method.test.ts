import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { bytestream } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { clientStreaming } from './client-streaming-method.ts';
import { collectStream, signalPair, startTestServer, type TestServer } from './grpc-test-harness.ts';
import type { Send } from './response-sender.ts';
import type { RpcContext } from './rpc-context.ts';
import { serverStreaming } from './server-streaming-method.ts';
import { implementService } from './service-implementation.ts';
import { unary } from './unary-method.ts';

type ReadResponse = bytestream.ReadResponse;
type Behaviour = (ctx: RpcContext, send: Send<ReadResponse>) => Promise<void> | AsyncIterable<ReadResponse>;

const METHOD = 'google.bytestream.ByteStream/Read';
/** What Read does, keyed by the request's resource name. */
const behaviours = new Map<string, Behaviour>();
const chunk = (text: string): ReadResponse => ({ data: Buffer.from(text) });
const texts = (messages: ReadResponse[]) => messages.map((m) => m.data.toString());

describe('serverStreaming', () => {
  let server: TestServer;
  let client: InstanceType<typeof bytestream.ByteStreamClient>;
  const read = (resourceName: string) => client.read({ resourceName, readOffset: 0, readLimit: 0 });

  before(async () => {
    server = await startTestServer((s, telemetry) =>
      s.addService(
        bytestream.ByteStreamService,
        implementService(
          bytestream.ByteStreamService,
          {
            read: serverStreaming((request, ctx, send) => {
              ctx.setInstanceName('from-resource-name');
              const behaviour = behaviours.get(request.resourceName);
              if (behaviour === undefined) throw new Error(`test has no behaviour for ${request.resourceName}`);
              return behaviour(ctx, send);
            }),
            write: clientStreaming(async () => {
              throw ActiondError.unimplemented('not under test here');
            }),
            queryWriteStatus: unary(async () => {
              throw ActiondError.unimplemented('not under test here');
            }),
          },
          telemetry,
        ),
      ),
    );
    client = new bytestream.ByteStreamClient(server.address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('streams every sent message, then OK exactly once', async () => {
    behaviours.set('three', async (_ctx, send) => {
      await send(chunk('a'));
      await send(chunk('b'));
      await send(chunk('c'));
    });
    const outcome = await collectStream(read('three'));
    assert.deepEqual(texts(outcome.messages), ['a', 'b', 'c']);
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.statuses, 1);
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'OK' }), 1);
    const span = server.telemetry.finishedSpans().find((s) => s.name === METHOD);
    assert.equal(span?.attributes['reapi.instance_name'], 'from-resource-name');
  });

  it('streams what an async generator yields', async () => {
    behaviours.set('generator', async function* () {
      yield chunk('x');
      yield chunk('y');
    });
    const outcome = await collectStream(read('generator'));
    assert.deepEqual(texts(outcome.messages), ['x', 'y']);
    assert.equal(outcome.error, undefined);
  });

  it('delivers the messages sent before an error, then the error status', async () => {
    behaviours.set('midway', async (_ctx, send) => {
      await send(chunk('1'));
      await send(chunk('2'));
      throw ActiondError.dataLoss('blob changed under the read');
    });
    const outcome = await collectStream(read('midway'));
    assert.deepEqual(texts(outcome.messages), ['1', '2']);
    assert.equal(outcome.error?.code, grpc.status.DATA_LOSS);
    assert.equal(outcome.error?.details, 'blob changed under the read');
    assert.equal(outcome.statuses, 1);
  });

  it('ends a generator that throws midway with its error, as INTERNAL for a plain Error', async () => {
    behaviours.set('generator-throws', async function* () {
      yield chunk('only');
      throw new Error('read failed');
    });
    const outcome = await collectStream(read('generator-throws'));
    assert.deepEqual(texts(outcome.messages), ['only']);
    assert.equal(outcome.error?.code, grpc.status.INTERNAL);
    assert.equal(outcome.error?.details, 'read failed');
  });

  it('delivers a stream larger than grpc-js buffers (so send waits for drain) completely and in order', async () => {
    const count = 200;
    const payload = 'z'.repeat(64 * 1024); // 200 x 64 KiB overflows grpc-js's buffers many times
    behaviours.set('large', async (_ctx, send) => {
      for (let i = 0; i < count; i++) await send({ data: Buffer.from(`${i}:${payload}`) });
    });
    const outcome = await collectStream(read('large'));
    assert.equal(outcome.error, undefined);
    assert.deepEqual(
      outcome.messages.map((m) => Number(m.data.toString().split(':', 1)[0])),
      Array.from({ length: count }, (_, i) => i),
    );
  });

  it('aborts ctx.signal when the client cancels, and send then rejects with CANCELLED', async () => {
    const aborted = signalPair<unknown>();
    const lateSend = signalPair<unknown>();
    behaviours.set('cancel', async (ctx, send) => {
      await send(chunk('first'));
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      aborted.resolve(ctx.signal.reason);
      lateSend.resolve(await send(chunk('too late')).catch((err: unknown) => err));
    });
    const stream = read('cancel');
    const outcome = collectStream(stream);
    stream.once('data', () => stream.cancel());
    const reason = await aborted.promise;
    assert.ok(reason instanceof ActiondError);
    assert.equal(reason.code, grpc.status.CANCELLED);
    assert.equal(await lateSend.promise, reason);
    assert.equal((await outcome).error?.code, grpc.status.CANCELLED);
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'CANCELLED' }), 1);
  });

  it('refuses a send after the handler returned, so nothing is written after the end', async () => {
    let keptSend: Send<ReadResponse> | undefined;
    behaviours.set('leak', async (_ctx, send) => {
      keptSend = send;
      await send(chunk('in time'));
    });
    const outcome = await collectStream(read('leak'));
    assert.deepEqual(texts(outcome.messages), ['in time']);
    assert.equal(outcome.statuses, 1);
    await assert.rejects(keptSend!(chunk('late')), new Error(`${METHOD}: send() after the call completed; await every send before returning`));
  });
});
