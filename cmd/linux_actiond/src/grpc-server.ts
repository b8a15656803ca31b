import * as grpc from '@grpc/grpc-js';
import { installRawRoutes, type RawRoute } from '@actiond/rpc';

/** A grpc-js server bound to its port, with the port the OS gave it. */
export interface BoundGrpcServer {
  readonly server: grpc.Server;
  readonly port: number;
  /** Stops accepting calls, lets running calls finish for up to `graceMs`, then cuts the rest. */
  stop(graceMs: number): Promise<void>;
}

/** Options for {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** `host:port` as grpc-js understands it (IPv6 in brackets). */
  readonly address: string;
  /** The largest message either side may send; must cover the CAS batch limit plus framing. */
  readonly maxMessageBytes: number;
  /** Registers the services on the server before it binds. */
  readonly register: (server: grpc.Server) => void;
  /**
   * Methods served on the same port as raw HTTP/2 routes ahead of grpc-js
   * (the fast lane: CasServices.rawRoutes for ByteStream Write and Read,
   * ExecutionServiceRegistration.rawRoutes for Execute and WaitExecution);
   * none when absent.
   */
  readonly rawRoutes?: Iterable<RawRoute>;
}

/**
 * Creates, populates and binds the one gRPC server of a process, then
 * installs the raw routes. A bind failure (port in use, bad address)
 * rejects with grpc-js's reason so `main` can print it on one line.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<BoundGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
    // Bazel keeps one channel open for the whole build; answer its keepalive
    // pings instead of sending GOAWAY for "too many pings".
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  });
  options.register(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });
  try {
    installRawRoutes(server, options.rawRoutes ?? [], { maxMessageBytes: options.maxMessageBytes });
  } catch (error) {
    server.forceShutdown();
    throw error;
  }
  return {
    server,
    port,
    stop: (graceMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
