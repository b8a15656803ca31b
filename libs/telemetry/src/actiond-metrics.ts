import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/**
 * The labels every per-method instrument carries: `method` is the full gRPC
 * method without the leading slash, i.e. `service/method`
 * (`google.bytestream.ByteStream/Write`), so one label answers both "which
 * service" and "which call" without two labels that could disagree.
 */
// A type alias rather than an interface: only aliases satisfy OpenTelemetry's
// index-signature `Attributes` constraint without admitting arbitrary extra labels.
export type MethodAttributes = { readonly method: string };

/** Labels of the per-call instruments: the method and the gRPC status name (`OK`, `NOT_FOUND`, ...). */
export type RpcAttributes = { readonly method: string; readonly code: string };

/**
 * Every instrument actiond records, in one place so that the names on a
 * dashboard can be looked up here. Names are OpenTelemetry names; the
 * Prometheus exporter replaces dots with underscores and appends `_total` to
 * counters (`actiond.bytes.received` is scraped as `actiond_bytes_received_total`).
 */
export interface ActiondMetrics {
  /** `actiond.bytes.received` (bytes): payload bytes read from clients: ByteStream writes, batch uploads. */
  readonly bytesIn: Counter<MethodAttributes>;
  /** `actiond.bytes.sent` (bytes): payload bytes sent to clients: ByteStream reads, batch downloads. */
  readonly bytesOut: Counter<MethodAttributes>;
  /** `actiond.cas.blobs.read`: blobs served from the CAS, one per blob whatever its size. */
  readonly blobsRead: Counter<MethodAttributes>;
  /** `actiond.cas.blobs.written`: blobs newly stored in the CAS (a write of an existing blob is not counted). */
  readonly blobsWritten: Counter<MethodAttributes>;
  /** `actiond.action_cache.hits`: action-cache lookups that found a usable result. */
  readonly actionCacheHits: Counter<MethodAttributes>;
  /** `actiond.action_cache.misses`: action-cache lookups that found nothing usable. */
  readonly actionCacheMisses: Counter<MethodAttributes>;
  /** `actiond.rpc.server.calls`: finished RPCs, by method and status code. Recorded by @actiond/rpc only. */
  readonly rpcCalls: Counter<RpcAttributes>;
  /** `actiond.rpc.server.duration` (seconds): wall time from call start to status, by method and code. Recorded by @actiond/rpc only. */
  readonly rpcDuration: Histogram<RpcAttributes>;
}

/**
 * Bucket bounds of the RPC duration histogram, in seconds. REAPI calls range
 * from sub-millisecond cache lookups to multi-minute Execute streams, so the
 * buckets span 0.5 ms to 10 min roughly logarithmically.
 */
export const RPC_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** Creates the actiond instruments on `meter`. Called once per Telemetry. */
export function createActiondMetrics(meter: Meter): ActiondMetrics {
  const counter = (name: string, description: string, unit = '1') =>
    meter.createCounter<MethodAttributes>(name, { description, unit });
  return {
    bytesIn: counter('actiond.bytes.received', 'Payload bytes received from clients', 'By'),
    bytesOut: counter('actiond.bytes.sent', 'Payload bytes sent to clients', 'By'),
    blobsRead: counter('actiond.cas.blobs.read', 'Blobs served from the CAS'),
    blobsWritten: counter('actiond.cas.blobs.written', 'Blobs newly stored in the CAS'),
    actionCacheHits: counter('actiond.action_cache.hits', 'Action-cache lookups that found a result'),
    actionCacheMisses: counter('actiond.action_cache.misses', 'Action-cache lookups that found nothing'),
    rpcCalls: meter.createCounter<RpcAttributes>('actiond.rpc.server.calls', {
      description: 'Finished RPCs by method and gRPC status code',
      unit: '1',
    }),
    rpcDuration: meter.createHistogram<RpcAttributes>('actiond.rpc.server.duration', {
      description: 'RPC wall time from call start to status, by method and gRPC status code',
      unit: 's',
      advice: { explicitBucketBoundaries: [...RPC_DURATION_BUCKETS_SECONDS] },
    }),
  };
}
