import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { bytestream } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { clientStreaming } from './client-streaming-method.ts';
import { callUnary, signalPair, startTestServer, type TestServer } from './grpc-test-harness.ts';
import type { RpcContext } from './rpc-context.ts';
import { serverStreaming } from './server-streaming-method.ts';
import { implementService } from './service-implementation.ts';
import { unary } from './unary-method.ts';

type WriteRequest = bytestream.WriteRequest;
type WriteResponse = bytestream.WriteResponse;

const METHOD = 'google.bytestream.ByteStream/Write';
let behaviour: (requests: AsyncIterable<WriteRequest>, ctx: RpcContext) => Promise<WriteResponse>;
const piece = (resourceName: string, data: string, finishWrite = false): WriteRequest => ({
  resourceName,
  writeOffset: 0,
  finishWrite,
  data: Buffer.from(data),
});

describe('clientStreaming', () => {
  let server: TestServer;
  let client: InstanceType<typeof bytestream.ByteStreamClient>;

  /** Writes `requests` and half-closes; resolves with the response. */
  const write = (requests: WriteRequest[]) =>
    callUnary<WriteResponse>((cb) => {
      const call = client.write(cb);
      for (const r of requests) call.write(r);
      call.end();
    });

  before(async () => {
    server = await startTestServer((s, telemetry) =>
      s.addService(
        bytestream.ByteStreamService,
        implementService(
          bytestream.ByteStreamService,
          {
            read: serverStreaming(async () => {
              throw ActiondError.unimplemented('not under test here');
            }),
            write: clientStreaming((requests, ctx) => behaviour(requests, ctx)),
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

  it('hands the handler every request in order and answers with its response', async () => {
    behaviour = async (requests) => {
      let committed = 0;
      const seen: string[] = [];
      for await (const request of requests) {
        seen.push(request.data.toString());
        committed += request.data.length;
      }
      assert.deepEqual(seen, ['ab', 'cd', 'e']);
      return { committedSize: committed };
    };
    const response = await write([piece('r', 'ab'), piece('', 'cd'), piece('', 'e', true)]);
    assert.deepEqual(response, { committedSize: 5 });
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'OK' }), 1);
  });

  it('answers with an error thrown after reading part of the stream', async () => {
    behaviour = async (requests) => {
      for await (const request of requests) {
        throw ActiondError.invalidArgument(`bad resource name ${JSON.stringify(request.resourceName)}`);
      }
      throw new Error('unreachable: the stream had messages');
    };
    await assert.rejects(write([piece('nonsense', 'x'), piece('', 'y')]), {
      code: grpc.status.INVALID_ARGUMENT,
      details: 'bad resource name "nonsense"',
    });
  });

  it('turns a plain Error into INTERNAL', async () => {
    behaviour = async () => {
      throw new TypeError('oops');
    };
    await assert.rejects(write([piece('r', 'x')]), { code: grpc.status.INTERNAL, details: 'oops' });
  });

  it('ends the requests when the client half-closes without sending anything', async () => {
    behaviour = async (requests) => {
      let n = 0;
      for await (const _ of requests) n++;
      return { committedSize: n };
    };
    assert.deepEqual(await write([]), { committedSize: 0 });
  });

  it('makes the request iteration throw CANCELLED and aborts ctx.signal when the client cancels', async () => {
    const firstSeen = signalPair();
    const outcome = signalPair<{ thrown: unknown; aborted: boolean }>();
    behaviour = async (requests, ctx) => {
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
    assert.ok(thrown instanceof ActiondError, `thrown: ${String(thrown)} aborted: ${aborted}`);
    assert.equal(thrown.code, grpc.status.CANCELLED);
    assert.equal(aborted, true);
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: METHOD, code: 'CANCELLED' }), 1);
  });
});
