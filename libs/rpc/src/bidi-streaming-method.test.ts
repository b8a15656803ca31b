import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import { bidiStreaming } from './bidi-streaming-method.ts';
import { startTestServer, type TestServer } from './grpc-test-harness.ts';
import { implementService } from './service-implementation.ts';

// REAPI has no bidirectional method, so the test brings its own: strings in, strings out.
const text = {
  serialize: (value: string) => Buffer.from(value),
  deserialize: (bytes: Buffer) => bytes.toString(),
};
const EchoService = {
  echo: {
    path: '/actiond.test.Echo/Echo',
    requestStream: true,
    responseStream: true,
    requestSerialize: text.serialize,
    requestDeserialize: text.deserialize,
    responseSerialize: text.serialize,
    responseDeserialize: text.deserialize,
  },
} as const;
const EchoClient = grpc.makeGenericClientConstructor(EchoService, 'Echo');

/** Sends `requests`, half-closes, and gathers the replies and the final error. */
function converse(client: grpc.Client, requests: string[]): Promise<{ replies: string[]; error: grpc.ServiceError | undefined }> {
  const call = (client as unknown as { echo(): grpc.ClientDuplexStream<string, string> }).echo();
  const replies: string[] = [];
  let error: grpc.ServiceError | undefined;
  call.on('data', (reply: string) => replies.push(reply));
  call.on('error', (err: grpc.ServiceError) => (error = err));
  for (const r of requests) call.write(r);
  call.end();
  return new Promise((resolve) => call.on('close', () => resolve({ replies, error })));
}

describe('bidiStreaming', () => {
  let server: TestServer;
  let client: grpc.Client;

  before(async () => {
    server = await startTestServer((s, telemetry) =>
      s.addService(
        EchoService,
        implementService(
          EchoService,
          {
            echo: bidiStreaming(async (requests, _ctx, send) => {
              for await (const request of requests) {
                if (request === 'fail') throw ActiondError.invalidArgument('told to fail');
                await send(request.toUpperCase());
              }
              await send('bye');
            }),
          },
          telemetry,
        ),
      ),
    );
    client = new EchoClient(server.address, grpc.credentials.createInsecure());
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('answers each request as it arrives and ends with OK', async () => {
    const { replies, error } = await converse(client, ['a', 'b']);
    assert.deepEqual(replies, ['A', 'B', 'bye']);
    assert.equal(error, undefined);
    assert.equal(await server.telemetry.counterValue('actiond.rpc.server.calls', { method: 'actiond.test.Echo/Echo', code: 'OK' }), 1);
  });

  it('ends with the thrown error after the replies already sent', async () => {
    const { replies, error } = await converse(client, ['a', 'fail', 'c']);
    assert.deepEqual(replies, ['A']);
    assert.equal(error?.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(error?.details, 'told to fail');
  });
});
