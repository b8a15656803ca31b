import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { sendUnaryData } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import type { Telemetry } from '@actiond/telemetry';
import { CallLifecycle } from './call-lifecycle.ts';
import type { ClientStreamingHandler } from './client-streaming-method.ts';
import { RawGrpcCall } from './raw-grpc-call.ts';
import { settleWithResponse } from './settle-call.ts';
import type { UnaryHandler } from './unary-method.ts';

/**
 * A gRPC method served straight on node:http2 streams instead of through
 * grpc-js's call machinery (see installRawRoutes). Its `path` is the
 * HTTP/2 `:path`, e.g. `/google.bytestream.ByteStream/Write`.
 */
export interface RawRoute {
  readonly path: string;
  /** Serves one call on `stream`; requests bigger than `maxMessageBytes` are RESOURCE_EXHAUSTED. Never throws. */
  serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, maxMessageBytes: number): void;
}

/**
 * The parts of a grpc-js method definition a raw route takes: the path and
 * the codec. Pass the same definition (or one with a faster codec for the
 * same messages) that grpc-js serves, so both paths agree on the wire.
 */
export interface RawMethodDefinition<Req, Res> {
  readonly path: string;
  requestDeserialize(bytes: Buffer): Req;
  responseSerialize(response: Res): Buffer;
}

/**
 * A client-streaming method as a raw route, with the same handler type,
 * lifecycle (span, metrics, abort signal, exactly one status) and
 * error-to-status mapping (settleWithResponse) as clientStreaming().
 */
export function clientStreamingRoute<Req, Res>(
  definition: RawMethodDefinition<Req, Res>,
  handler: ClientStreamingHandler<Req, Res>,
  telemetry: Telemetry,
): RawRoute {
  const method = definition.path.replace(/^\//, '');
  return {
    path: definition.path,
    serve(stream, headers, maxMessageBytes) {
      const call = new RawGrpcCall(stream, headers, method);
      const lifecycle = new CallLifecycle(telemetry, method, call);
      const requests = decodeRequests(call.messages(maxMessageBytes, lifecycle.ctx.signal), definition, lifecycle);
      const headerError = call.headerError;
      const work = headerError === undefined ? () => handler(requests, lifecycle.ctx) : () => Promise.reject(headerError);
      settleWithResponse(lifecycle, work, respondTo(call, definition));
    },
  };
}

/**
 * A unary method as a raw route, like unary(): the handler gets the one
 * request; a stream with no request or more than one is INVALID_ARGUMENT.
 */
export function unaryRoute<Req, Res>(definition: RawMethodDefinition<Req, Res>, handler: UnaryHandler<Req, Res>, telemetry: Telemetry): RawRoute {
  return clientStreamingRoute(
    definition,
    async (requests, ctx) => {
      let request: Req | undefined;
      let count = 0;
      for await (const message of requests) {
        request = message;
        if (++count > 1) throw ActiondError.invalidArgument(`${ctx.method} is unary but the client sent more than one request message`);
      }
      if (count === 0) throw ActiondError.invalidArgument(`${ctx.method} is unary but the client sent no request message`);
      return handler(request as Req, ctx);
    },
    telemetry,
  );
}

/** Decodes each message; a message that does not decode is INVALID_ARGUMENT naming the method. */
async function* decodeRequests<Req, Res>(
  messages: AsyncIterable<Buffer>,
  definition: RawMethodDefinition<Req, Res>,
  lifecycle: CallLifecycle,
): AsyncGenerator<Req, void, undefined> {
  let first = true;
  for await (const bytes of messages) {
    let request: Req;
    try {
      request = definition.requestDeserialize(bytes);
    } catch (err) {
      if (err instanceof ActiondError) throw err;
      throw ActiondError.invalidArgument(`${lifecycle.ctx.method}: a request message does not decode: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (first) lifecycle.noteRequest(request);
    first = false;
    yield request;
  }
}

/** The sendUnaryData that settleWithResponse answers through, writing to the raw call. */
function respondTo<Req, Res>(call: RawGrpcCall, definition: RawMethodDefinition<Req, Res>) {
  return (error: Parameters<sendUnaryData<Res>>[0], response?: Res | null): void => {
    if (error !== null) {
      call.sendError(error);
      return;
    }
    let encoded: Buffer;
    try {
      encoded = definition.responseSerialize(response as Res);
    } catch (err) {
      call.sendError(ActiondError.internal(`${definition.path}: the response does not encode`, err).toServiceError());
      return;
    }
    call.sendResponse(encoded);
  };
}
