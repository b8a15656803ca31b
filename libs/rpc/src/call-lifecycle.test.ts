import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Metadata, status, type sendUnaryData } from '@grpc/grpc-js';
import { createRecordingTelemetry } from '@actiond/telemetry';
import { ActiondError } from '@actiond/status';
import { CallLifecycle } from './call-lifecycle.ts';
import { settleStream, settleWithResponse } from './settle-call.ts';

// These tests drive the adapters with a stand-in for the grpc-js call, to
// produce orderings a real client cannot reliably provoke: a handler that
// settles after the cancellation, and the 'cancelled' event grpc-js emits
// after every finished call.

/** A grpc-js server call stand-in that counts how it was answered. */
class FakeCall extends EventEmitter {
  readonly metadata = new Metadata();
  ended = 0;
  errors: Error[] = [];
  getPeer() {
    return 'ipv4:127.0.0.1:1';
  }
  getDeadline() {
    return Infinity;
  }
  end() {
    this.ended++;
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      this.errors.push(args[0] as Error);
      return true;
    }
    return super.emit(event, ...args);
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function recordingCallback() {
  const calls: unknown[][] = [];
  const callback: sendUnaryData<string> = (...args) => void calls.push(args);
  return { calls, callback };
}

describe('CallLifecycle with settleWithResponse', () => {
  it('answers exactly once, and not at all when the client cancelled before the handler settled', async () => {
    const telemetry = await createRecordingTelemetry();
    const call = new FakeCall();
    const lifecycle = new CallLifecycle(telemetry, 'svc/M', call);
    const { calls, callback } = recordingCallback();
    let resolveHandler!: (value: string) => void;
    settleWithResponse(lifecycle, () => new Promise<string>((resolve) => (resolveHandler = resolve)), callback);
    call.emit('cancelled');
    assert.equal(lifecycle.ctx.signal.aborted, true);
    assert.equal((lifecycle.ctx.signal.reason as ActiondError).code, status.CANCELLED);
    resolveHandler('too late');
    await tick();
    assert.deepEqual(calls, []);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls'), 1);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { method: 'svc/M', code: 'CANCELLED' }), 1);
  });

  it('ignores the cancelled event grpc-js emits after a finished call', async () => {
    const telemetry = await createRecordingTelemetry();
    const call = new FakeCall();
    const lifecycle = new CallLifecycle(telemetry, 'svc/M', call);
    const { calls, callback } = recordingCallback();
    settleWithResponse(lifecycle, async () => 'done', callback);
    await tick();
    call.emit('cancelled');
    assert.deepEqual(calls, [[null, 'done']]);
    assert.equal(lifecycle.ctx.signal.aborted, false);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls'), 1);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { code: 'OK' }), 1);
    assert.equal(telemetry.finishedSpans().length, 1);
  });

  it('reports a call that ends past its deadline as DEADLINE_EXCEEDED', async () => {
    const telemetry = await createRecordingTelemetry();
    const call = new FakeCall();
    call.getDeadline = () => Date.now() - 1;
    const lifecycle = new CallLifecycle(telemetry, 'svc/M', call);
    call.emit('cancelled');
    assert.equal((lifecycle.ctx.signal.reason as ActiondError).code, status.DEADLINE_EXCEEDED);
    assert.equal(await telemetry.counterValue('actiond.rpc.server.calls', { code: 'DEADLINE_EXCEEDED' }), 1);
  });
});

describe('CallLifecycle with settleStream', () => {
  it('ends the stream once on success', async () => {
    const call = new FakeCall();
    const lifecycle = new CallLifecycle(await createRecordingTelemetry(), 'svc/S', call);
    settleStream(lifecycle, async () => {}, call);
    await tick();
    call.emit('cancelled');
    assert.equal(call.ended, 1);
    assert.deepEqual(call.errors, []);
  });

  it('sends one error status, shaped by ActiondError, for a failure', async () => {
    const call = new FakeCall();
    const lifecycle = new CallLifecycle(await createRecordingTelemetry(), 'svc/S', call);
    settleStream(lifecycle, async () => {
      throw ActiondError.notFound('gone');
    }, call);
    await tick();
    assert.equal(call.ended, 0);
    assert.equal(call.errors.length, 1);
    assert.deepEqual([(call.errors[0] as Error & { code: number }).code, call.errors[0]?.message], [status.NOT_FOUND, 'gone']);
  });

  it('neither ends nor errors a stream the client cancelled', async () => {
    const call = new FakeCall();
    const lifecycle = new CallLifecycle(await createRecordingTelemetry(), 'svc/S', call);
    let rejectHandler!: (err: Error) => void;
    settleStream(lifecycle, () => new Promise<void>((_resolve, reject) => (rejectHandler = reject)), call);
    call.emit('cancelled');
    rejectHandler(new Error('stopped because of the abort'));
    await tick();
    assert.equal(call.ended, 0);
    assert.deepEqual(call.errors, []);
  });
});
