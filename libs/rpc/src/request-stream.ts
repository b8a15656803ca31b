import type { Readable } from 'node:stream';
import type { CallLifecycle } from './call-lifecycle.ts';

/**
 * The request messages of a client-streaming or bidi call as an async
 * iterable, read on demand so grpc-js applies flow control to the client.
 *
 * Leaving the loop early does not destroy the stream (the handler may still
 * answer). When the client cancels or the deadline passes, the iteration
 * throws the signal's reason (CANCELLED or DEADLINE_EXCEEDED), never ends
 * as if the client had finished sending.
 */
export async function* readRequests<Req>(call: Readable, lifecycle: CallLifecycle): AsyncGenerator<Req, void, undefined> {
  const { signal } = lifecycle.ctx;
  let first = true;
  try {
    for await (const request of call.iterator({ destroyOnReturn: false })) {
      if (first) lifecycle.noteRequest(request);
      first = false;
      yield request as Req;
    }
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  }
  // Node's http2 ends the readable side of a stream the client reset, so
  // grpc-js first reports a cancelled call as a half-close and only a few
  // process.nextTick hops later as cancelled. Those hops all run before the
  // next macrotask, so after one setImmediate a cancellation has landed and a
  // reset upload is never mistaken for a complete one.
  await new Promise((resolve) => setImmediate(resolve));
  if (signal.aborted) throw signal.reason;
}
