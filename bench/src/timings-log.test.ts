import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createExecutionTimings, renderExecutionTimings } from '@actiond/execution';
import { parseTimingsLog } from './timings-log.ts';

describe('parseTimingsLog', () => {
  it('reads back every phase, the total and the counts that the server renders', () => {
    const text = renderExecutionTimings({
      ...createExecutionTimings(),
      queuedMs: 0.04,
      inputMaterializationMs: 131.26,
      runMs: 4.5,
      filesLinked: 10_000,
      bytesLinked: 123_456,
      filesCopied: 1,
      bytesCopied: 77,
    });
    const log = parseTimingsLog(text);
    assert.equal(log.phases.get('queued'), 0);
    assert.equal(log.phases.get('input materialization'), 131.3);
    assert.equal(log.phases.get('run'), 4.5);
    assert.equal(log.totalMs, 135.8);
    assert.deepEqual(
      [log.filesLinked, log.bytesLinked, log.filesCopied, log.bytesCopied],
      [10_000, 123_456, 1, 77],
    );
  });

  it('refuses a line it does not understand, naming it', () => {
    assert.throws(() => parseTimingsLog('queued: 1.0 ms\nsomething else\n'), /"something else"/);
  });

  it('refuses a log without its counts instead of reporting zero copies', () => {
    assert.throws(() => parseTimingsLog('queued: 1.0 ms\ntotal: 1.0 ms\n'), /inputs copied/);
  });
});
