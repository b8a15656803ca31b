import { once } from 'node:events';
import type { CallLifecycle } from './call-lifecycle.ts';

/** Sends one response message; resolves once the stream can take more. */
export type Send<Res> = (response: Res) => Promise<void>;

/** The parts of a grpc-js server stream used to write. */
interface WritableCall<Res> {
  write(response: Res): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * The `send` handed to streaming handlers. It respects flow control (waits
 * for 'drain' when grpc-js's buffer is full, so a slow client cannot make us
 * buffer a whole blob) and refuses to write once the call has its status:
 * after cancellation it rejects with the signal's reason (CANCELLED or
 * DEADLINE_EXCEEDED), after the handler finished with an error naming the
 * mistake. So there is never a write after end.
 */
export function createSend<Res>(call: WritableCall<Res>, lifecycle: CallLifecycle): Send<Res> {
  const { signal, method } = lifecycle.ctx;
  return async (response) => {
    if (signal.aborted) throw signal.reason;
    if (lifecycle.finished) throw new Error(`${method}: send() after the call completed; await every send before returning`);
    if (call.write(response)) return;
    try {
      await once(call as unknown as NodeJS.EventEmitter, 'drain', { signal });
    } catch (err) {
      throw signal.aborted ? signal.reason : err;
    }
  };
}
