export { METRICS_PATH, type NetAddress, type Telemetry } from './telemetry.ts';
export {
  createActiondMetrics,
  RPC_DURATION_BUCKETS_SECONDS,
  type ActiondMetrics,
  type MethodAttributes,
  type RpcAttributes,
} from './actiond-metrics.ts';
export { createTelemetry, type TelemetryOptions } from './sdk-telemetry.ts';
export { createNoopTelemetry } from './noop-telemetry.ts';
export { createRecordingTelemetry, type RecordingTelemetry } from './recording-telemetry.ts';
export { OTLP_ENDPOINT_ENV, type Environment } from './otlp-endpoint.ts';
