import type { Tracer } from '@opentelemetry/api';
import type { ActiondMetrics } from './actiond-metrics.ts';

/** The only path the metrics listener serves; anything else is 404 so a typo in a scrape config is visible. */
export const METRICS_PATH = '/metrics';

/** A TCP address a server is bound to, as reported by the operating system. */
export interface NetAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Traces and metrics for one process. The binary's `main` creates exactly one
 * (with `createTelemetry`, or `createNoopTelemetry` in tests) and passes it to
 * every library that records something; libraries never build their own or
 * reach for the OpenTelemetry globals, so two servers in one test process
 * never share counters.
 */
export interface Telemetry {
  /** Starts spans; the rpc adapter opens one per call. */
  readonly tracer: Tracer;
  /** The fixed set of actiond instruments (see actiond-metrics.ts). */
  readonly metrics: ActiondMetrics;
  /** Where Prometheus can scrape `/metrics`, or undefined when no listener was configured. */
  readonly metricsAddress: NetAddress | undefined;
  /**
   * Flushes pending spans and metrics to their exporters and closes the
   * `/metrics` listener. Safe to call more than once; later calls wait for
   * the first.
   */
  shutdown(): Promise<void>;
}
