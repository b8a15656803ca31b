import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Digest, SHA256 } from '@actiond/digest';
import { renderExecutionTimings, TIMINGS_LOG_NAME } from '@actiond/execution';
import { FakeActionExecutor, ranResponse, testTask } from './fake-action-executor.test-support.ts';
import { TimingsLoggingActionExecutor } from './timings-logging-action-executor.ts';

function memoryStore() {
  const blobs = new Map<string, Buffer>();
  return {
    blobs,
    failWith: undefined as Error | undefined,
    digestFunction: SHA256,
    async put(digest: Digest, data: Uint8Array) {
      if (this.failWith !== undefined) throw this.failWith;
      blobs.set(digest.key, Buffer.from(data));
    },
  };
}

describe('TimingsLoggingActionExecutor', () => {
  it('stores the timing record filled during the run and names it server_logs["timings"], keeping other logs', async () => {
    const store = memoryStore();
    const other = { digest: { hash: 'cd'.repeat(32), sizeBytes: 1 }, humanReadable: false };
    const inner = new FakeActionExecutor(async (task) => {
      task.timings.runMs = 42;
      task.timings.bytesLinked = 4096;
      return { ...ranResponse(0), serverLogs: { strace: other } };
    });
    const task = testTask();
    task.timings.queuedMs = 7;
    const response = await new TimingsLoggingActionExecutor(inner, store).execute(task);
    const log = response.serverLogs[TIMINGS_LOG_NAME];
    assert.equal(log?.humanReadable, true);
    const text = store.blobs.get(`${log?.digest?.hash}/${log?.digest?.sizeBytes}`)?.toString();
    assert.equal(text, renderExecutionTimings(task.timings));
    assert.match(text ?? '', /queued: +7\.0 ms/);
    assert.match(text ?? '', /run: +42\.0 ms/);
    assert.deepEqual(response.serverLogs.strace, other);
    assert.equal(response.result?.exitCode, 0);
  });

  it('keeps a timings log the runner set itself', async () => {
    const store = memoryStore();
    const own = { digest: { hash: 'ab'.repeat(32), sizeBytes: 5 }, humanReadable: true };
    const ran = { ...ranResponse(0), serverLogs: { [TIMINGS_LOG_NAME]: own } };
    const response = await new TimingsLoggingActionExecutor(new FakeActionExecutor(async () => ran), store).execute(testTask());
    assert.equal(response, ran);
    assert.equal(store.blobs.size, 0);
  });

  it('returns the result without the log, noting why, when storing fails', async () => {
    const store = memoryStore();
    store.failWith = new Error('disk full');
    const response = await new TimingsLoggingActionExecutor(new FakeActionExecutor(async () => ranResponse(3)), store).execute(testTask());
    assert.equal(response.result?.exitCode, 3);
    assert.equal(response.serverLogs[TIMINGS_LOG_NAME], undefined);
    assert.match(response.message, /timings log was not stored: disk full/);
  });

  it('passes a rejection of the inner executor on', async () => {
    const inner = new FakeActionExecutor(async () => Promise.reject(new Error('executor bug')));
    await assert.rejects(new TimingsLoggingActionExecutor(inner, memoryStore()).execute(testTask()), /executor bug/);
  });
});
