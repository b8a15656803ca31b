import type { EventEmitter } from 'node:events';
import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { Metadata, status, type sendUnaryData } from '@grpc/grpc-js';
import { ActiondError } from '@actiond/status';
import type { GrpcServerCall } from './call-lifecycle.ts';
import { frameGrpcMessage, GrpcMessageDecoder } from './grpc-message-decoder.ts';
import { parseGrpcTimeout } from './grpc-timeout.ts';
import { REQUEST_BUFFERS } from './request-buffer-pool.ts';

/** Headers grpc-js strips before handing metadata to handlers; stripped here too so both paths see the same. */
const TRANSPORT_HEADERS = ['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type'];

/** The response headers grpc-js sends, minus compression it does not do on these routes. */
const RESPONSE_HEADERS = {
  [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_OK,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
  'grpc-accept-encoding': 'identity',
};

/** The trailers of an OK status, as grpc-js sends them. */
const OK_TRAILERS: OutgoingHttpHeaders = { 'grpc-status': String(status.OK), 'grpc-message': 'OK' };

/**
 * Request messages are read ahead up to this many bytes while the handler
 * is busy (four 1 MiB ByteStream chunks); beyond it the stream is
 * paused, so HTTP/2 flow control holds the client back and a slow disk never
 * makes the server buffer a blob.
 */
const READ_AHEAD_BYTES = 4 * 1024 * 1024;

/** setTimeout's largest delay; a longer deadline gets no timer (it would otherwise fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One gRPC call served straight on a node:http2 stream (raw-route.ts), with
 * the surface CallLifecycle needs from a grpc-js call: request metadata,
 * peer, deadline and a 'cancelled' event. Emits 'cancelled' when the client
 * resets the stream or the connection drops before the call has its status,
 * and when the deadline passes (after answering DEADLINE_EXCEEDED itself,
 * as grpc-js does). Sends exactly one status: whichever of
 * {@link RawGrpcCall.sendResponse}, {@link RawGrpcCall.sendError} or the
 * deadline comes first: one response message (unary, client-streaming), or
 * a stream of them ({@link RawGrpcCall.writeMessage}) ended by
 * {@link RawGrpcCall.endStream} or an error (server-streaming).
 */
export class RawGrpcCall implements GrpcServerCall {
  readonly metadata: Metadata;
  /** Why the headers cannot be served (a malformed grpc-timeout), for the route to answer with; undefined when they are fine. */
  readonly headerError: ActiondError | undefined;
  readonly #stream: ServerHttp2Stream;
  readonly #method: string;
  readonly #deadline: number;
  readonly #onCancelled: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #answered = false;
  #cancelled = false;
  #headersSent = false;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: string) {
    this.#stream = stream;
    this.#method = method;
    const metadata = Metadata.fromHttp2Headers(headers);
    const timeout = metadata.get('grpc-timeout')[0];
    for (const name of TRANSPORT_HEADERS) metadata.remove(name);
    this.metadata = metadata;
    let deadline = Infinity;
    try {
      if (typeof timeout === 'string') deadline = Date.now() + parseGrpcTimeout(timeout);
    } catch (err) {
      this.headerError = ActiondError.from(err);
    }
    this.#deadline = deadline;
    if (deadline !== Infinity && deadline - Date.now() <= MAX_TIMER_MS) {
      this.#timer = setTimeout(() => this.#expire(), Math.max(0, deadline - Date.now()));
    }
    // Without a listener an 'error' (a reset while writing) would throw; the
    // 'close' that always follows is what ends the call.
    stream.on('error', () => {});
    stream.once('close', () => {
      clearTimeout(this.#timer);
      if (!this.#answered) this.#cancel();
    });
  }

  getPeer(): string {
    const socket = this.#stream.session?.socket;
    if (socket?.remoteAddress === undefined) return 'unknown';
    return socket.remotePort === undefined ? socket.remoteAddress : `${socket.remoteAddress}:${socket.remotePort}`;
  }

  getDeadline(): number {
    return this.#deadline;
  }

  once(_event: 'cancelled', listener: () => void): this {
    if (this.#cancelled) queueMicrotask(listener);
    else this.#onCancelled.push(listener);
    return this;
  }

  /**
   * The request messages as they arrive, each a Buffer holding one encoded
   * message (a view of the received bytes when it came in one piece; one
   * assembled across pieces may be released with releaseRequestBytes). Ends
   * when the client half-closes between messages; throws the decoder's
   * error for malformed framing, and `signal.reason` once the call is
   * cancelled or past its deadline (never ends as if the client had
   * finished). Call at most once.
   */
  async *messages(maxMessageBytes: number, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
    const stream = this.#stream;
    const decoder = new GrpcMessageDecoder(maxMessageBytes, this.#method, (length) => REQUEST_BUFFERS.allocate(length));
    const queue: Buffer[] = [];
    let queuedBytes = 0;
    let ended = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    const onData = (piece: Buffer): void => {
      try {
        for (const message of decoder.push(piece)) {
          queue.push(message);
          queuedBytes += message.length;
        }
      } catch (err) {
        failure = err;
        stream.pause();
      }
      if (queuedBytes >= READ_AHEAD_BYTES) stream.pause();
      notify();
    };
    const onEnd = (): void => {
      ended = true;
      notify();
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    signal.addEventListener('abort', notify);
    try {
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const message = queue.shift();
        if (message !== undefined) {
          queuedBytes -= message.length;
          if (queuedBytes < READ_AHEAD_BYTES && failure === undefined && !ended) stream.resume();
          yield message;
          continue;
        }
        if (failure !== undefined) throw failure;
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      decoder.end();
      // Node's http2 ends the readable side of a stream the client reset
      // before it emits 'close'; the 'close' (our 'cancelled') lands before
      // the next macrotask, so a reset upload is never taken for a complete one.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) throw signal.reason;
    } finally {
      stream.off('data', onData);
      stream.off('end', onEnd);
      signal.removeEventListener('abort', notify);
    }
  }

  /** Answers with OK and the one response message (already encoded). Ignored once the call has its status. */
  sendResponse(message: Uint8Array): void {
    if (!this.#claim()) return;
    const stream = this.#stream;
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers(OK_TRAILERS));
    stream.end(frameGrpcMessage(message));
    this.#discardUnread();
  }

  /**
   * Writes one message (already encoded) of a response stream, sending the
   * response headers before the first. Returns what the HTTP/2 stream's
   * write returns: false once its buffer is full, when the caller should
   * wait for {@link RawGrpcCall.drain} before writing more. HTTP/2 flow
   * control keeps the buffer from going out faster than the client reads.
   * Ignored (true) once the call has its status or the stream is gone; end
   * the stream with {@link RawGrpcCall.endStream} or sendError.
   */
  writeMessage(message: Uint8Array): boolean {
    const stream = this.#stream;
    if (this.#answered || stream.destroyed || stream.closed) return true;
    if (!this.#headersSent) {
      this.#headersSent = true;
      stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    }
    return stream.write(frameGrpcMessage(message));
  }

  /** The emitter of 'drain' after {@link RawGrpcCall.writeMessage} returned false. */
  get drain(): EventEmitter {
    return this.#stream;
  }

  /**
   * Ends a response stream with OK, after every message written (grpc-js's
   * trailers: grpc-status 0, grpc-message OK); with no message written, a
   * trailers-only response, as grpc-js sends. Ignored once the call has its status.
   */
  endStream(): void {
    if (!this.#claim()) return;
    this.#sendStatus(OK_TRAILERS);
  }

  /**
   * Answers with `error`'s status as grpc-js does: grpc-status, grpc-message
   * URI-encoded, and the error's metadata, which carries
   * grpc-status-details-bin; in trailers after the messages of a response
   * stream, or as a trailers-only response when no message was written.
   * Ignored once the call has its status.
   */
  sendError(error: NonNullable<Parameters<sendUnaryData<unknown>>[0]>): void {
    if (!this.#claim()) return;
    const code = error.code ?? status.UNKNOWN;
    const details = error.details ?? ('message' in error ? error.message : '');
    this.#sendStatus({
      'grpc-status': String(code),
      'grpc-message': encodeURI(details),
      ...error.metadata?.toHttp2Headers(),
    });
  }

  /** Sends the status: in trailers once the headers went out, else as a trailers-only response. */
  #sendStatus(trailers: OutgoingHttpHeaders): void {
    const stream = this.#stream;
    if (this.#headersSent) {
      // The trailers go out after every buffered message, as grpc-js's do.
      stream.once('wantTrailers', () => stream.sendTrailers(trailers));
      stream.end();
    } else {
      stream.respond({ ...RESPONSE_HEADERS, ...trailers }, { endStream: true });
    }
    this.#discardUnread();
  }

  /** Takes the one right to answer; false when the call has its status or the stream is gone. */
  #claim(): boolean {
    if (this.#answered) return false;
    this.#answered = true;
    clearTimeout(this.#timer);
    return !this.#stream.destroyed && !this.#stream.closed;
  }

  /**
   * After the status, requests the handler did not read are consumed and
   * dropped, so their flow-control window goes back to the connection; a
   * gRPC client stops sending once it has the status. (No RST_STREAM
   * NO_ERROR to stop it sooner, as HTTP/2 would allow: grpc-js clients take
   * one that arrives with the trailers as "Call ended without gRPC status".)
   */
  #discardUnread(): void {
    const stream = this.#stream;
    if (stream.readableEnded) return;
    stream.removeAllListeners('data');
    stream.resume();
  }

  #expire(): void {
    if (this.#answered) return;
    this.sendError(ActiondError.deadlineExceeded(`${this.#method}: deadline exceeded`).toServiceError());
    this.#cancel();
  }

  #cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    for (const listener of this.#onCancelled.splice(0)) listener();
  }
}
