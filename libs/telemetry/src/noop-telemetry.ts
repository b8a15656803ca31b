import { createNoopMeter, ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import { createActiondMetrics } from './actiond-metrics.ts';
import type { Telemetry } from './telemetry.ts';

/**
 * A tracer whose spans record nothing. A private ProxyTracerProvider without a
 * delegate always hands out the API's no-op tracer, unlike `trace.getTracer`,
 * which would follow whatever global provider some other code registered.
 */
export function noopTracer(): Tracer {
  return new ProxyTracerProvider().getTracer('actiond');
}

/**
 * A Telemetry that records nothing and opens nothing: for unit tests, and for
 * code paths that must accept a Telemetry but run without one configured.
 */
export function createNoopTelemetry(): Telemetry {
  return {
    tracer: noopTracer(),
    metrics: createActiondMetrics(createNoopMeter()),
    metricsAddress: undefined,
    shutdown: () => Promise.resolve(),
  };
}
