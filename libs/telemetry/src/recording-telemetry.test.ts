import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordingTelemetry } from './recording-telemetry.ts';

describe('createRecordingTelemetry', () => {
  it('sums a counter over the data points matching the given attributes', async () => {
    const telemetry = await createRecordingTelemetry();
    telemetry.metrics.rpcCalls.add(1, { method: 'a/One', code: 'OK' });
    telemetry.metrics.rpcCalls.add(1, { method: 'a/One', code: 'NOT_FOUND' });
    telemetry.metrics.rpcCalls.add(1, { method: 'a/Two', code: 'OK' });
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls'), 3);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { method: 'a/One' }), 2);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { method: 'a/One', code: 'OK' }), 1);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { method: 'a/Three' }), 0);
    await telemetry.shutdown();
  });

  it('counts histogram measurements', async () => {
    const telemetry = await createRecordingTelemetry();
    telemetry.metrics.rpcDuration.record(0.1, { method: 'a/One', code: 'OK' });
    telemetry.metrics.rpcDuration.record(2, { method: 'a/One', code: 'OK' });
    assert.equal(await telemetry.histogramCount('actiond.rpc.server.duration', { method: 'a/One' }), 2);
    assert.equal(await telemetry.histogramCount('actiond.rpc.server.calls'), 0, 'a counter is not a histogram');
    await telemetry.shutdown();
  });

  it('keeps ended spans with their attributes, and only ended ones', async () => {
    const telemetry = await createRecordingTelemetry();
    const open = telemetry.tracer.startSpan('still-open');
    telemetry.tracer.startSpan('done', { attributes: { 'rpc.method': 'a/One' } }).end();
    const spans = telemetry.finishedSpans();
    assert.deepEqual(
      spans.map((s) => [s.name, s.attributes['rpc.method']]),
      [['done', 'a/One']],
    );
    open.end();
    await telemetry.shutdown();
  });
});
