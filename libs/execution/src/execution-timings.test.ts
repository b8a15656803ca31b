import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Digest, SHA256 } from '@actiond/digest';
import { createExecutionTimings, renderExecutionTimings, storeTimingsLog } from './execution-timings.ts';

describe('renderExecutionTimings', () => {
  it('lists every phase in milliseconds, their total, and the linked and copied inputs', () => {
    const timings = {
      ...createExecutionTimings(),
      queuedMs: 12,
      inputMaterializationMs: 3.25,
      sandboxSetupMs: 1.5,
      runMs: 200,
      outputUploadMs: 4,
      filesLinked: 3,
      bytesLinked: 4096,
      filesCopied: 1,
      bytesCopied: 10,
    };
    const lines = renderExecutionTimings(timings).trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => line.replace(/ +/g, ' ')),
      [
        'queued: 12.0 ms',
        'input materialization: 3.3 ms',
        'sandbox setup: 1.5 ms',
        'run: 200.0 ms',
        'output upload: 4.0 ms',
        'total: 220.8 ms',
        'inputs linked: 3 files, 4096 bytes',
        'inputs copied: 1 files, 10 bytes',
      ],
    );
  });

  it('rejects a negative or non-finite value, naming the field', () => {
    assert.throws(() => renderExecutionTimings({ ...createExecutionTimings(), runMs: -1 }), /ExecutionTimings\.runMs .* got -1/);
    assert.throws(() => renderExecutionTimings({ ...createExecutionTimings(), bytesCopied: Number.NaN }), /bytesCopied/);
  });
});

describe('storeTimingsLog', () => {
  it('stores the rendered text under its digest and returns a human-readable LogFile for it', async () => {
    const stored = new Map<string, Buffer>();
    const store = {
      digestFunction: SHA256,
      put: async (digest: Digest, data: Uint8Array) => void stored.set(digest.key, Buffer.from(data)),
    };
    const timings = { ...createExecutionTimings(), queuedMs: 5 };
    const log = await storeTimingsLog(store, timings);
    assert.equal(log.humanReadable, true);
    const text = stored.get(`${log.digest?.hash}/${log.digest?.sizeBytes}`)?.toString('utf8');
    assert.equal(text, renderExecutionTimings(timings));
  });

  it('rejects with the store error when the put fails', async () => {
    const store = {
      digestFunction: SHA256,
      put: async () => {
        throw new Error('disk full');
      },
    };
    await assert.rejects(storeTimingsLog(store, createExecutionTimings()), /disk full/);
  });
});
