import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { MetricReader } from '@opentelemetry/sdk-metrics';

/** The OTLP half of a Telemetry: a span processor and a metric reader, both pushing to one collector. */
export interface OtlpExporters {
  readonly spanProcessor: SpanProcessor;
  readonly metricReader: MetricReader;
}

/**
 * Builds batching OTLP/gRPC exporters for the collector at `endpoint` (as
 * returned by resolveOtlpEndpoint). The exporter packages pull in a gRPC
 * client and protobuf serializers, several MiB of heap, so they are imported
 * here, on demand, and a server without a collector never loads them.
 */
export async function createOtlpExporters(endpoint: string): Promise<OtlpExporters> {
  const [{ OTLPTraceExporter }, { OTLPMetricExporter }, { BatchSpanProcessor }, { PeriodicExportingMetricReader }] =
    await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-grpc'),
      import('@opentelemetry/exporter-metrics-otlp-grpc'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/sdk-metrics'),
    ]);
  return {
    spanProcessor: new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: endpoint }) }),
    metricReader: new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: endpoint }) }),
  };
}
