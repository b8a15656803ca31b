import { once, type EventEmitter } from 'node:events';
import type { CallLifecycle } from './call-lifecycle.ts';

/** Sends one response message; resolves once the stream can take more. */
export type Send<Res> = (response: Res) => Promise<void>;

/**
 * The `send` handed to streaming handlers, over `write` (a grpc-js server
 * stream's write, or a raw route's) and the emitter of its 'drain'. It
 * respects flow control (when `write` returns false it waits for 'drain',
 * so a slow client cannot make us buffer a whole blob) and refuses to write
 * once the call has its status: after cancellation it rejects with the
 * signal's reason (CANCELLED or DEADLINE_EXCEEDED), after the handler
 * finished with an error naming the mistake. So there is never a write
 * after end.
 */
export function createSend<Res>(write: (response: Res) => boolean, drains: EventEmitter, lifecycle: CallLifecycle): Send<Res> {
  const { signal, method } = lifecycle.ctx;
  return async (response) => {
    if (signal.aborted) throw signal.reason;
    if (lifecycle.finished) throw new Error(`${method}: send() after the call completed; await every send before returning`);
    if (write(response)) return;
    try {
      await once(drains, 'drain', { signal });
    } catch (err) {
      throw signal.aborted ? signal.reason : err;
    }
  };
}
