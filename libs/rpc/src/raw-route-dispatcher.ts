import type { Http2Server, Http2Session, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Server } from '@grpc/grpc-js';
import type { RawRoute } from './raw-route.ts';

/** Options of {@link installRawRoutes}. */
export interface RawRouteOptions {
  /**
   * The largest request message accepted, and the largest response message
   * a server-streaming route sends; give the grpc-js server's
   * `grpc.max_receive_message_length` (serve sets the send limit to the same).
   */
  readonly maxMessageBytes: number;
}

/**
 * HTTP/2 settings for every connection of the server, chosen for 1 MiB
 * ByteStream messages on a local link:
 * - SETTINGS_MAX_FRAME_SIZE 1 MiB (HTTP/2's default is 16 KiB): a sender
 *   that follows it (Netty, so Bazel) sends a 1 MiB message in one DATA
 *   frame instead of 64, with 1/64 of the per-frame work on both sides;
 * - SETTINGS_INITIAL_WINDOW_SIZE 4 MiB per stream and a 16 MiB connection
 *   window (defaults 64 KiB each): the client may run up to four messages
 *   ahead while this process hashes and writes, instead of stalling for a
 *   WINDOW_UPDATE every 64 KiB. The windows bound what one upload (4 MiB)
 *   and one connection (16 MiB) can make the server buffer, on top of the
 *   route's own read-ahead.
 * grpc-js (1.14) has no server option for these; they apply to grpc-js's
 * own methods on the same connections too, which only lets their clients
 * send faster under the same message limits.
 */
export const RAW_ROUTE_HTTP2_SETTINGS = Object.freeze({
  maxFrameSize: 1024 * 1024,
  initialWindowSize: 4 * 1024 * 1024,
  connectionWindowSize: 16 * 1024 * 1024,
});

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, ...rest: unknown[]) => void;

/** The private parts of grpc-js 1.14's Server this module relies on, checked at install. */
interface GrpcServerInternals {
  readonly http2Servers?: unknown;
  readonly onStreamOpened?: unknown;
}

/**
 * Serves `routes` on the HTTP/2 servers of a bound grpc-js `server`, ahead
 * of grpc-js: a stream whose `:path` is a route's path and whose
 * content-type is gRPC goes to the route; every other stream goes, with the
 * same arguments, to the listener grpc-js installed, so all other methods,
 * unknown paths (UNIMPLEMENTED) and non-gRPC requests behave exactly as
 * before. Also applies {@link RAW_ROUTE_HTTP2_SETTINGS} to new connections.
 *
 * Call after `bindAsync` has called back (the HTTP/2 servers exist from
 * then on) and before clients connect. grpc-js keeps those servers in the
 * private map `http2Servers` and attaches one 'stream' listener to each in
 * `_setupHandlers`; both are checked here, and any change in grpc-js's
 * shape fails with an error naming what is missing rather than serving
 * with half the routes. The idle-connection bookkeeping grpc-js does per
 * stream (`onStreamOpened`) is done for route streams too.
 */
export function installRawRoutes(server: Server, routes: Iterable<RawRoute>, options: RawRouteOptions): void {
  const byPath = new Map<string, RawRoute>();
  for (const route of routes) {
    if (byPath.has(route.path)) throw new Error(`installRawRoutes: two routes for ${route.path}`);
    byPath.set(route.path, route);
  }
  const internals = server as unknown as GrpcServerInternals;
  const http2Servers = internals.http2Servers;
  const unsupported = (what: string): Error =>
    new Error(`installRawRoutes: this @grpc/grpc-js does not have the internals it was written for (1.14.x): ${what}`);
  if (!(http2Servers instanceof Map)) throw unsupported('Server.http2Servers is not a Map');
  if (http2Servers.size === 0) throw unsupported('Server.http2Servers is empty; call installRawRoutes after bindAsync has called back');
  if (typeof internals.onStreamOpened !== 'function') throw unsupported('Server.onStreamOpened is not a function');
  const onStreamOpened = (internals.onStreamOpened as (stream: ServerHttp2Stream) => void).bind(server);

  // Check every server before changing any, so a failure leaves grpc-js as it was.
  const targets: { readonly http2Server: Http2Server; readonly grpcListener: StreamListener }[] = [];
  for (const http2Server of http2Servers.keys() as Iterable<unknown>) {
    if (!isHttp2Server(http2Server)) throw unsupported('a key of Server.http2Servers is not an HTTP/2 server');
    const listeners = http2Server.listeners('stream');
    if (listeners.length !== 1) throw unsupported(`an HTTP/2 server has ${listeners.length} 'stream' listeners, expected grpc-js's one`);
    targets.push({ http2Server, grpcListener: listeners[0] as StreamListener });
  }
  for (const { http2Server, grpcListener } of targets) {
    http2Server.removeListener('stream', grpcListener);
    http2Server.on('stream', function dispatch(this: Http2Server, stream, headers, flags, ...rest) {
      const route = byPath.get(headers[':path'] ?? '');
      const contentType = headers['content-type'];
      if (route === undefined || typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
        grpcListener.call(this, stream, headers, flags, ...rest);
        return;
      }
      onStreamOpened(stream);
      route.serve(stream, headers, options.maxMessageBytes);
    } as StreamListener);
    http2Server.updateSettings({
      maxFrameSize: RAW_ROUTE_HTTP2_SETTINGS.maxFrameSize,
      initialWindowSize: RAW_ROUTE_HTTP2_SETTINGS.initialWindowSize,
    });
    http2Server.on('session', (session: Http2Session) => widenConnectionWindow(session));
  }
}

/** Raises the connection-level receive window once the session can take it. */
function widenConnectionWindow(session: Http2Session): void {
  const apply = (): void => {
    if (!session.destroyed) session.setLocalWindowSize(RAW_ROUTE_HTTP2_SETTINGS.connectionWindowSize);
  };
  if (session.connecting) session.once('connect', apply);
  else apply();
}

function isHttp2Server(value: unknown): value is Http2Server {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Http2Server).listeners === 'function' &&
    typeof (value as Http2Server).updateSettings === 'function'
  );
}
