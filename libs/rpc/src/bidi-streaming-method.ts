import type { Readable } from 'node:stream';
import { CallLifecycle } from './call-lifecycle.ts';
import { readRequests } from './request-stream.ts';
import { createSend, type Send } from './response-sender.ts';
import type { BidiStreamingMethod } from './rpc-method.ts';
import type { RpcContext } from './rpc-context.ts';
import { settleStream } from './settle-call.ts';

/** Serves a stream of requests with a stream of responses; resolving ends the call with OK. */
export type BidiStreamingHandler<Req, Res> = (requests: AsyncIterable<Req>, ctx: RpcContext, send: Send<Res>) => Promise<void>;

/** Adapts an async function to a bidirectional-streaming gRPC method. */
export function bidiStreaming<Req, Res>(handler: BidiStreamingHandler<Req, Res>): BidiStreamingMethod<Req, Res> {
  return {
    kind: 'bidi-streaming',
    bind: (method, telemetry) => (call) => {
      const lifecycle = new CallLifecycle(telemetry, method, call);
      const requests = readRequests<Req>(call as unknown as Readable, lifecycle);
      const send = createSend<Res>((response) => call.write(response), call, lifecycle);
      settleStream(lifecycle, () => handler(requests, lifecycle.ctx, send), call);
    },
  };
}
