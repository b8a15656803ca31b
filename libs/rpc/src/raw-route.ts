import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { sendUnaryData } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import type { Telemetry } from '@actiond/telemetry';
import { CallLifecycle } from './call-lifecycle.ts';
import type { ClientStreamingHandler } from './client-streaming-method.ts';
import { RawGrpcCall } from './raw-grpc-call.ts';
import { createSend } from './response-sender.ts';
import { runServerStreamingHandler, type ServerStreamingHandler } from './server-streaming-method.ts';
import { settleStream, settleWithResponse } from './settle-call.ts';
import type { UnaryHandler } from './unary-method.ts';

/**
 * A gRPC method served straight on node:http2 streams instead of through
 * grpc-js's call machinery (see installRawRoutes). Its `path` is the
 * HTTP/2 `:path`, e.g. `/google.bytestream.ByteStream/Write`.
 */
export interface RawRoute {
  readonly path: string;
  /** Serves one call on `stream`; messages bigger than `maxMessageBytes` (requests; responses of server-streaming routes) are RESOURCE_EXHAUSTED. Never throws. */
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
  return rawRoute(definition, telemetry, (call, lifecycle, maxMessageBytes) => {
    const requests = decodeRequests(call.messages(maxMessageBytes, lifecycle.ctx.signal), definition, lifecycle);
    const headerError = call.headerError;
    const work = headerError === undefined ? () => handler(requests, lifecycle.ctx) : () => Promise.reject(headerError);
    settleWithResponse(lifecycle, work, respondTo(call, definition));
  });
}

/**
 * A unary method as a raw route, like unary(): the handler gets the one
 * request; a stream with no request or more than one is INVALID_ARGUMENT.
 */
export function unaryRoute<Req, Res>(definition: RawMethodDefinition<Req, Res>, handler: UnaryHandler<Req, Res>, telemetry: Telemetry): RawRoute {
  return clientStreamingRoute(
    definition,
    async (requests, ctx) => handler(await onlyRequest(requests, `${ctx.method} is unary`), ctx),
    telemetry,
  );
}

/**
 * A server-streaming method as a raw route, with the same handler type,
 * lifecycle and error-to-status mapping (settleStream) as
 * serverStreaming(). The handler runs once the client half-closed after
 * exactly one request (none, or a second, is INVALID_ARGUMENT naming the
 * method). Each response is encoded and written as it is sent; `send`
 * waits for the HTTP/2 stream's 'drain' when its buffer is full, so a
 * client that reads slowly holds the handler back (HTTP/2 flow control)
 * instead of making the server buffer what it sends. A response that does
 * not encode ends the call with INTERNAL at once, and a response above
 * `maxMessageBytes` with RESOURCE_EXHAUSTED, as grpc-js does with
 * `grpc.max_send_message_length`; the `send` that met it rejects with that error.
 */
export function serverStreamingRoute<Req, Res>(
  definition: RawMethodDefinition<Req, Res>,
  handler: ServerStreamingHandler<Req, Res>,
  telemetry: Telemetry,
): RawRoute {
  return rawRoute(definition, telemetry, (call, lifecycle, maxMessageBytes) => {
    const { ctx } = lifecycle;
    const { method } = ctx;
    const write = (response: Res): boolean => {
      let encoded: Uint8Array;
      let error: ActiondError | undefined;
      try {
        encoded = definition.responseSerialize(response);
        if (encoded.length > maxMessageBytes) {
          error = ActiondError.resourceExhausted(
            `${method}: a response message of ${encoded.length} bytes exceeds the server's limit of ${maxMessageBytes} bytes`,
          );
        }
      } catch (err) {
        error = ActiondError.internal(`${method}: a response message does not encode: ${err instanceof Error ? err.message : String(err)}`, err);
      }
      if (error !== undefined) {
        if (lifecycle.finish(error.code, error)) call.sendError(error.toServiceError());
        throw error;
      }
      return call.writeMessage(encoded!);
    };
    const send = createSend(write, call.drain, lifecycle);
    const headerError = call.headerError;
    settleStream(
      lifecycle,
      async () => {
        if (headerError !== undefined) throw headerError;
        const requests = decodeRequests(call.messages(maxMessageBytes, ctx.signal), definition, lifecycle);
        const request = await onlyRequest(requests, `${method} is server-streaming`);
        await runServerStreamingHandler(handler, request, ctx, send);
      },
      { end: () => call.endStream(), emit: (_event, error) => (call.sendError(error), true) },
    );
  });
}

/**
 * The shell every raw route shares: its path, and per call the RawGrpcCall
 * and its CallLifecycle, handed to `serveCall` with the message size limit.
 */
function rawRoute<Req, Res>(
  definition: RawMethodDefinition<Req, Res>,
  telemetry: Telemetry,
  serveCall: (call: RawGrpcCall, lifecycle: CallLifecycle, maxMessageBytes: number) => void,
): RawRoute {
  const method = definition.path.replace(/^\//, '');
  return {
    path: definition.path,
    serve(stream, headers, maxMessageBytes) {
      const call = new RawGrpcCall(stream, headers, method);
      serveCall(call, new CallLifecycle(telemetry, method, call), maxMessageBytes);
    },
  };
}

/** The one request of `requests`; INVALID_ARGUMENT, starting with `what`, when there is none or more than one. */
async function onlyRequest<Req>(requests: AsyncIterable<Req>, what: string): Promise<Req> {
  let request: Req | undefined;
  let count = 0;
  for await (const message of requests) {
    request = message;
    if (++count > 1) throw ActiondError.invalidArgument(`${what} but the client sent more than one request message`);
  }
  if (count === 0) throw ActiondError.invalidArgument(`${what} but the client sent no request message`);
  return request as Req;
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
