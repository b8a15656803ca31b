import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { METRICS_PATH, type NetAddress } from './telemetry.ts';

/**
 * The HTTP listener Prometheus scrapes. We run it ourselves instead of letting
 * PrometheusExporter start its own because the exporter treats port 0 as "use
 * the default 9464" and keeps the bound address private; tests (and anyone
 * running two servers on one machine) need port 0 and the real port back.
 */
export class PrometheusMetricsServer {
  /** The address the operating system actually bound (the real port when 0 was asked for). */
  readonly address: NetAddress;
  readonly #server: Server;
  #closed: Promise<void> | undefined;

  private constructor(server: Server, address: NetAddress) {
    this.#server = server;
    this.address = address;
  }

  /**
   * Binds `listen` and serves `exporter`'s text format on `/metrics`.
   * Rejects with an error naming the address when it cannot be bound.
   */
  static listen(exporter: PrometheusExporter, listen: NetAddress): Promise<PrometheusMetricsServer> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?', 1)[0];
      if (path === METRICS_PATH && (request.method === 'GET' || request.method === 'HEAD')) {
        exporter.getMetricsRequestHandler(request, response);
        return;
      }
      response.statusCode = 404;
      response.end(`not found: metrics are served on ${METRICS_PATH}\n`);
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err) => {
        reject(new Error(`cannot serve ${METRICS_PATH} on ${formatAddress(listen)}: ${err.message}`, { cause: err }));
      });
      server.listen({ host: listen.host, port: listen.port }, () => {
        const bound = server.address() as AddressInfo;
        resolve(new PrometheusMetricsServer(server, { host: bound.address, port: bound.port }));
      });
    });
  }

  /**
   * Stops accepting connections and drops idle keep-alive ones, so a scraper
   * holding a connection open cannot delay process shutdown.
   */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve, reject) => {
      this.#server.close((err) => (err ? reject(err) : resolve()));
      this.#server.closeIdleConnections();
    });
    return this.#closed;
  }
}

/** `host:port`, with IPv6 literals bracketed so the port is unambiguous. */
export function formatAddress(address: NetAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
