import type { Readable } from 'node:stream';
import { CallLifecycle } from './call-lifecycle.ts';
import { readRequests } from './request-stream.ts';
import type { ClientStreamingMethod } from './rpc-method.ts';
import type { RpcContext } from './rpc-context.ts';
import { settleWithResponse } from './settle-call.ts';

/**
 * Serves a stream of requests with one response. `requests` ends when the
 * client half-closes and throws CANCELLED/DEADLINE_EXCEEDED if it goes away;
 * the handler may answer before reading everything.
 */
export type ClientStreamingHandler<Req, Res> = (requests: AsyncIterable<Req>, ctx: RpcContext) => Promise<Res>;

/** Adapts an async function to a client-streaming gRPC method. */
export function clientStreaming<Req, Res>(handler: ClientStreamingHandler<Req, Res>): ClientStreamingMethod<Req, Res> {
  return {
    kind: 'client-streaming',
    bind: (method, telemetry) => (call, callback) => {
      const lifecycle = new CallLifecycle(telemetry, method, call);
      const requests = readRequests<Req>(call as unknown as Readable, lifecycle);
      settleWithResponse(lifecycle, () => handler(requests, lifecycle.ctx), callback);
    },
  };
}
