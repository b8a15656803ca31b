import { status, type sendUnaryData } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import type { CallLifecycle } from './call-lifecycle.ts';

/** Runs `work`, turning a synchronous throw into a rejection so both take the same path. */
function attempt<T>(work: () => Promise<T> | T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}

/**
 * Answers a call with a single response (unary, client-streaming) from
 * `work`'s outcome: the response, or whatever it threw as
 * ActiondError.from(...).toServiceError(). This and settleStream are the
 * only places where errors become gRPC statuses.
 */
export function settleWithResponse<Res>(lifecycle: CallLifecycle, work: () => Promise<Res>, callback: sendUnaryData<Res>): void {
  attempt(work).then(
    (response) => {
      if (response === undefined || response === null) {
        // grpc-js would fail serializing it with an unhelpful message, or
        // send an empty message the handler never meant.
        fail(ActiondError.internal(`${lifecycle.ctx.method}: handler returned no response`));
        return;
      }
      if (lifecycle.finish(status.OK)) callback(null, response);
    },
    (thrown: unknown) => fail(ActiondError.from(thrown)),
  );
  function fail(error: ActiondError) {
    if (lifecycle.finish(error.code, error)) callback(error.toServiceError());
  }
}

/** The parts of a grpc-js server stream used to end it. */
interface EndableCall {
  end(): void;
  emit(event: 'error', error: Error): boolean;
}

/**
 * Ends a response stream (server-streaming, bidi) from `work`'s outcome: OK
 * after every sent message once it resolves, or the error status, also after
 * the messages already sent, once it rejects.
 */
export function settleStream(lifecycle: CallLifecycle, work: () => Promise<void>, call: EndableCall): void {
  attempt(work).then(
    () => {
      if (lifecycle.finish(status.OK)) call.end();
    },
    (thrown: unknown) => {
      const error = ActiondError.from(thrown);
      // 'error' is how grpc-js server streams take a status: its listener
      // queues the status behind pending writes and ends the stream.
      if (lifecycle.finish(error.code, error)) call.emit('error', error.toServiceError());
    },
  );
}
