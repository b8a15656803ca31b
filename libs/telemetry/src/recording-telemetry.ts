import type { Attributes } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createActiondMetrics } from './actiond-metrics.ts';
import type { Telemetry } from './telemetry.ts';

/**
 * A Telemetry that keeps everything in memory so tests can assert on what was
 * recorded ("a NOT_FOUND call is counted under its method") without a port or
 * a collector.
 */
export interface RecordingTelemetry extends Telemetry {
  /** Spans that have ended, oldest first. */
  finishedSpans(): ReadableSpan[];
  /** Sum of counter `name` over the data points whose attributes include all of `attributes`; 0 when none. */
  counterValue(name: string, attributes?: Attributes): Promise<number>;
  /** Number of measurements in histogram `name` over the matching data points; 0 when none. */
  histogramCount(name: string, attributes?: Attributes): Promise<number>;
}

/**
 * Creates a RecordingTelemetry. Spans are exported synchronously as they end.
 * Async only because the SDK is imported on demand: @actiond/telemetry's
 * entry point must not load it for servers that never record (see createTelemetry).
 */
export async function createRecordingTelemetry(): Promise<RecordingTelemetry> {
  const [{ DataPointType, MeterProvider, MetricReader }, { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider }] =
    await Promise.all([import('@opentelemetry/sdk-metrics'), import('@opentelemetry/sdk-trace')]);
  /** A reader that collects only when asked; no timer, nothing to flush. */
  class ManualMetricReader extends MetricReader {
    protected override onShutdown(): Promise<void> {
      return Promise.resolve();
    }
    protected override onForceFlush(): Promise<void> {
      return Promise.resolve();
    }
  }
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
  const reader = new ManualMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });

  const points = async (name: string, type: MetricData['dataPointType'], attributes: Attributes) => {
    const { resourceMetrics } = await reader.collect();
    const metrics: MetricData[] = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    return metrics
      .filter((m) => m.descriptor.name === name && m.dataPointType === type)
      .flatMap((m) => m.dataPoints as { attributes: Attributes; value: unknown }[])
      .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  };

  return {
    tracer: tracerProvider.getTracer('actiond-test'),
    metrics: createActiondMetrics(meterProvider.getMeter('actiond-test')),
    metricsAddress: undefined,
    finishedSpans: () => spans.getFinishedSpans(),
    counterValue: async (name, attributes = {}) =>
      (await points(name, DataPointType.SUM, attributes)).reduce((sum, p) => sum + (p.value as number), 0),
    histogramCount: async (name, attributes = {}) =>
      (await points(name, DataPointType.HISTOGRAM, attributes)).reduce(
        (sum, p) => sum + (p.value as { count: number }).count,
        0,
      ),
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
