import { CallLifecycle } from './call-lifecycle.ts';
import type { UnaryMethod } from './rpc-method.ts';
import type { RpcContext } from './rpc-context.ts';
import { settleWithResponse } from './settle-call.ts';

/** Serves one request with one response; throw (an ActiondError, ideally) to fail the call. */
export type UnaryHandler<Req, Res> = (request: Req, ctx: RpcContext) => Promise<Res>;

/** Adapts an async function to a unary gRPC method. */
export function unary<Req, Res>(handler: UnaryHandler<Req, Res>): UnaryMethod<Req, Res> {
  return {
    kind: 'unary',
    bind: (method, telemetry) => (call, callback) => {
      const lifecycle = new CallLifecycle(telemetry, method, call);
      lifecycle.noteRequest(call.request);
      settleWithResponse(lifecycle, () => handler(call.request, lifecycle.ctx), callback);
    },
  };
}
