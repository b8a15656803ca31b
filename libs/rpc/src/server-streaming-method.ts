import { CallLifecycle } from './call-lifecycle.ts';
import { createSend, type Send } from './response-sender.ts';
import type { ServerStreamingMethod } from './rpc-method.ts';
import type { RpcContext } from './rpc-context.ts';
import { settleStream } from './settle-call.ts';

/**
 * Serves one request with a stream of responses, in either of two styles:
 * an async function that awaits `send(response)` for each message and
 * resolves when done, or an async generator (ignoring `send`) that yields
 * them. Throwing, before or after some messages, ends the stream with that
 * error after the messages already sent.
 */
export type ServerStreamingHandler<Req, Res> = (
  request: Req,
  ctx: RpcContext,
  send: Send<Res>,
) => Promise<void> | AsyncIterable<Res>;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * Runs `handler` in either style, sending what a generator yields through
 * `send`; resolves when it is done and rejects with what it threw. Shared
 * by serverStreaming() and the raw serverStreamingRoute().
 */
export async function runServerStreamingHandler<Req, Res>(
  handler: ServerStreamingHandler<Req, Res>,
  request: Req,
  ctx: RpcContext,
  send: Send<Res>,
): Promise<void> {
  const result = handler(request, ctx, send);
  if (isAsyncIterable(result)) {
    // A send that throws (cancellation) leaves the loop, which
    // returns the generator and so runs its finally blocks.
    for await (const response of result) await send(response as Res);
  } else {
    await result;
  }
}

/** Adapts an async function or async generator to a server-streaming gRPC method. */
export function serverStreaming<Req, Res>(handler: ServerStreamingHandler<Req, Res>): ServerStreamingMethod<Req, Res> {
  return {
    kind: 'server-streaming',
    bind: (method, telemetry) => (call) => {
      const lifecycle = new CallLifecycle(telemetry, method, call);
      lifecycle.noteRequest(call.request);
      const send = createSend<Res>((response) => call.write(response), call, lifecycle);
      settleStream(lifecycle, () => runServerStreamingHandler(handler, call.request, lifecycle.ctx, send), call);
    },
  };
}
