import {
  constants,
  createServer,
  type ClientHttp2Session,
  type Http2Server,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { status } from '@grpc/grpc-js';

/** Where the proxy sends calls: the session to the guest, or a reason why there is none. */
export interface UpstreamSessions {
  /** Resolves with a session to forward a call on; rejects with the reason the call fails UNAVAILABLE with. */
  session(waitMs: number, signal: AbortSignal): Promise<ClientHttp2Session>;
}

/** Options of {@link GrpcHttp2Proxy}. */
export interface GrpcHttp2ProxyOptions {
  readonly upstream: UpstreamSessions;
  /** How long a call waits for the guest while it boots or restarts before failing UNAVAILABLE. */
  readonly waitForGuestMs: number;
  /** Called with each call that failed for lack of a guest (to count or log them; optional). */
  readonly onUnavailable?: (path: string, reason: string) => void;
}

/** Headers that describe one HTTP/2 hop, not the call; never forwarded. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

/** HTTP/2 flow-control window towards the client: uploads from Bazel are not paced by round trips. */
const CLIENT_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * A gRPC proxy at the HTTP/2 level: every stream that arrives on the listen
 * address is opened again, with the same path and metadata, on the session
 * to the guest worker, and the bytes flow through unparsed in both
 * directions, flow control included. It knows nothing of REAPI, so every
 * service the guest registers (Execution too) passes through unchanged.
 *
 * Status mapping: when there is no guest to forward to (booting past the
 * wait, restarting, given up) the call ends UNAVAILABLE with the reason; when
 * the guest goes away mid-call the call ends UNAVAILABLE too (Bazel retries
 * both). A client's cancel is passed on as a cancel of the guest's stream.
 */
export class GrpcHttp2Proxy {
  readonly #options: GrpcHttp2ProxyOptions;
  readonly #server: Http2Server;
  readonly #sessions = new Set<ServerHttp2Session>();

  /** Creates the proxy; {@link listen} binds it. */
  constructor(options: GrpcHttp2ProxyOptions) {
    this.#options = options;
    this.#server = createServer({ settings: { initialWindowSize: CLIENT_WINDOW_BYTES } });
    this.#server.on('session', (session) => {
      this.#sessions.add(session);
      session.on('connect', () => session.setLocalWindowSize(CLIENT_WINDOW_BYTES));
      session.on('close', () => this.#sessions.delete(session));
      session.on('error', () => undefined);
    });
    this.#server.on('stream', (stream, headers) => this.#forward(stream, headers));
  }

  /** Binds host:port (port 0: any) and resolves with the port; rejects with the socket error (EADDRINUSE, ...). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.#server.once('error', onError);
      this.#server.listen({ host, port, exclusive: true }, () => {
        this.#server.off('error', onError);
        const address = this.#server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  /** Stops accepting connections; lets open calls finish for up to `graceMs`, then cuts them. */
  close(graceMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const session of this.#sessions) session.destroy();
      }, graceMs);
      for (const session of this.#sessions) session.close();
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #forward(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const path = headers[':path'] ?? '';
    const cancelled = new AbortController();
    stream.on('close', () => cancelled.abort());
    stream.on('error', () => undefined);
    let session: ClientHttp2Session;
    try {
      session = await this.#options.upstream.session(this.#options.waitForGuestMs, cancelled.signal);
    } catch (error) {
      const reason = (error as Error).message;
      this.#options.onUnavailable?.(path, reason);
      respondWithStatus(stream, status.UNAVAILABLE, reason);
      return;
    }
    if (stream.closed || stream.destroyed) return;

    let upstream;
    try {
      upstream = session.request(forwardedRequestHeaders(headers), { endStream: false });
    } catch (error) {
      respondWithStatus(stream, status.UNAVAILABLE, `the actiond VM's connection failed: ${(error as Error).message}`);
      return;
    }
    let trailers: OutgoingHttpHeaders | undefined;
    let responded = false;
    let finished = false;
    const fail = (reason: string) => {
      if (finished || stream.closed || stream.destroyed) return;
      finished = true;
      if (!responded) {
        respondWithStatus(stream, status.UNAVAILABLE, reason);
        return;
      }
      // Headers went out already: end the response with a status trailer instead.
      trailers = grpcStatusHeaders(status.UNAVAILABLE, reason);
      stream.end();
    };

    stream.on('close', () => {
      // The client went away (cancel, deadline, connection lost) before the guest finished.
      if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
    });
    upstream.on('error', (error: Error) => fail(`the call to the actiond VM failed: ${error.message}`));
    upstream.on('response', (responseHeaders, flags) => {
      responded = true;
      const outgoing = forwardedResponseHeaders(responseHeaders);
      if ((flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0) {
        // Trailers-only response: the status is in these headers.
        finished = true;
        stream.respond(outgoing, { endStream: true });
        return;
      }
      stream.respond(outgoing, { waitForTrailers: true });
      upstream.pipe(stream);
    });
    upstream.on('trailers', (upstreamTrailers) => {
      trailers = forwardedTrailers(upstreamTrailers);
    });
    upstream.on('end', () => {
      finished = true;
    });
    upstream.on('close', () => {
      if (!finished) fail(`the actiond VM closed the call (HTTP/2 code ${upstream.rstCode ?? 'none'})`);
    });
    stream.on('wantTrailers', () => {
      stream.sendTrailers(trailers ?? grpcStatusHeaders(status.UNAVAILABLE, 'the actiond VM ended the call without a status'));
    });
    stream.pipe(upstream);
  }
}

/** The client's headers as a request to the guest: same path and metadata, without hop-by-hop headers. */
export function forwardedRequestHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {
    ':method': headers[':method'] ?? 'POST',
    ':path': headers[':path'] ?? '/',
    ':scheme': 'http',
    ':authority': headers[':authority'] ?? 'actiond-vm',
  };
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || HOP_HEADERS.has(name) || value === undefined) continue;
    out[name] = value;
  }
  return out;
}

function forwardedResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':status': headers[':status'] ?? 200 };
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || HOP_HEADERS.has(name) || value === undefined) continue;
    out[name] = value;
  }
  return out;
}

function forwardedTrailers(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    out[name] = value;
  }
  return out;
}

/**
 * gRPC's status headers. grpc-message is percent-encoded (the gRPC HTTP/2
 * spec: bytes outside printable ASCII, and '%', as %XX of their UTF-8).
 */
export function grpcStatusHeaders(code: status, message: string): OutgoingHttpHeaders {
  const encoded = [...Buffer.from(message, 'utf8')]
    .map((byte) => (byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
  return { 'grpc-status': String(code), 'grpc-message': encoded };
}

// A trailers-only response: the call ends with `code` before any message.
function respondWithStatus(stream: ServerHttp2Stream, code: status, message: string): void {
  if (stream.closed || stream.destroyed || stream.headersSent) return;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...grpcStatusHeaders(code, message) }, { endStream: true });
}
