import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createNoopTelemetry } from './noop-telemetry.ts';

describe('createNoopTelemetry', () => {
  it('accepts every instrument call and starts spans that record nothing', async () => {
    const telemetry = createNoopTelemetry();
    for (const counter of [
      telemetry.metrics.bytesIn,
      telemetry.metrics.bytesOut,
      telemetry.metrics.blobsRead,
      telemetry.metrics.blobsWritten,
      telemetry.metrics.actionCacheHits,
      telemetry.metrics.actionCacheMisses,
    ]) {
      counter.add(1, { method: 'a/b' });
    }
    telemetry.metrics.rpcCalls.add(1, { method: 'a/b', code: 'OK' });
    telemetry.metrics.rpcDuration.record(0.5, { method: 'a/b', code: 'OK' });
    const span = telemetry.tracer.startSpan('x');
    assert.equal(span.isRecording(), false);
    span.end();
    assert.equal(telemetry.metricsAddress, undefined);
    await telemetry.shutdown();
  });
});
