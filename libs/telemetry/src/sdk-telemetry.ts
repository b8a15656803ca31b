import type { Tracer } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import { createActiondMetrics } from './actiond-metrics.ts';
import { createNoopTelemetry, noopTracer } from './noop-telemetry.ts';
import { resolveOtlpEndpoint, type Environment } from './otlp-endpoint.ts';
import { createOtlpExporters } from './otlp-exporters.ts';
import type { PrometheusMetricsServer } from './prometheus-metrics-server.ts';
import type { NetAddress, Telemetry } from './telemetry.ts';

/** What the binary's `main` decided from its flags and environment. */
export interface TelemetryOptions {
  /** `service.name` on every span and metric, e.g. `linux_actiond`. */
  readonly serviceName: string;
  /** `service.version`, the binary's version string. */
  readonly version: string;
  /** Serve Prometheus `/metrics` here; port 0 picks a free port (see Telemetry.metricsAddress). Host is bare, `::1` not `[::1]`. */
  readonly metricsListen?: NetAddress;
  /** OTLP/gRPC collector, `http://HOST:PORT` or `https://HOST:PORT`; overrides `env`. */
  readonly otlpEndpoint?: string;
  /** The process environment, consulted only for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly env?: Environment;
}

/**
 * Builds the process's Telemetry. Only what is configured is started, or even
 * loaded: the SDK packages cost about 20 MiB of RSS once imported, so they
 * are imported on demand, and with neither `metricsListen` nor an OTLP
 * endpoint the result is as cheap as createNoopTelemetry (no SDK, no timers,
 * no sockets). That keeps the idle server small. Rejects, having started
 * nothing, when the endpoint is malformed or the metrics address cannot be
 * bound; both messages name the culprit.
 */
export async function createTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (options.serviceName === '') throw new Error('telemetry: serviceName must not be empty');
  const otlpEndpoint = resolveOtlpEndpoint(options.otlpEndpoint, options.env);
  if (otlpEndpoint === undefined && options.metricsListen === undefined) {
    return createNoopTelemetry();
  }

  const [{ resourceFromAttributes }, { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION }, { MeterProvider }] = await Promise.all([
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@opentelemetry/sdk-metrics'),
  ]);
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_VERSION]: options.version,
  });
  const readers: MetricReader[] = [];
  let tracerProvider: TracerProvider | undefined;
  let tracer: Tracer = noopTracer();
  // OTLP exporters first: building them opens nothing (gRPC connects on the
  // first export), so a failure here leaves no listener behind.
  if (otlpEndpoint !== undefined) {
    const [otlp, { TracerProvider }] = await Promise.all([
      createOtlpExporters(otlpEndpoint),
      import('@opentelemetry/sdk-trace'),
    ]);
    readers.push(otlp.metricReader);
    tracerProvider = new TracerProvider({ resource, spanProcessors: [otlp.spanProcessor] });
    tracer = tracerProvider.getTracer(options.serviceName, options.version);
  }
  let server: PrometheusMetricsServer | undefined;
  if (options.metricsListen !== undefined) {
    // node:http too is loaded only here, another few MiB an unconfigured server never pays.
    const [{ PrometheusExporter }, { PrometheusMetricsServer }] = await Promise.all([
      import('@opentelemetry/exporter-prometheus'),
      import('./prometheus-metrics-server.ts'),
    ]);
    // preventServerStart: PrometheusMetricsServer owns the socket (see why there).
    const prometheus = new PrometheusExporter({ preventServerStart: true });
    server = await PrometheusMetricsServer.listen(prometheus, options.metricsListen);
    readers.push(prometheus);
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const meter = meterProvider.getMeter(options.serviceName, options.version);

  let shutdown: Promise<void> | undefined;
  return {
    tracer,
    metrics: createActiondMetrics(meter),
    metricsAddress: server?.address,
    shutdown() {
      shutdown ??= settleAll([tracerProvider?.shutdown(), meterProvider.shutdown(), server?.close()]);
      return shutdown;
    },
  };
}

/** Waits for every step even when one fails, then reports the first failure. */
async function settleAll(steps: readonly (Promise<void> | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw new Error(`telemetry: shutdown failed: ${String(failed.reason)}`, { cause: failed.reason });
}
