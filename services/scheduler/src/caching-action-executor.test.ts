import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ActionResult } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { createRecordingTelemetry } from '@actiond/telemetry';
import { CachingActionExecutor } from './caching-action-executor.ts';
import { FakeActionCache } from './fake-action-cache.test-support.ts';
import { FakeActionExecutor, ranResponse, testTask } from './fake-action-executor.test-support.ts';

function setUp() {
  const cache = new FakeActionCache();
  const inner = new FakeActionExecutor(async () => ranResponse(0));
  return { cache, inner, executor: new CachingActionExecutor(inner, cache) };
}

describe('CachingActionExecutor', () => {
  it('returns a stored result with cached_result and does not run the action', async () => {
    const { cache, inner, executor } = setUp();
    const task = testTask();
    const stored = ActionResult.fromPartial({ exitCode: 0, stdoutRaw: Buffer.from('cached') });
    cache.entries.set(task.actionDigest.key, stored);
    const response = await executor.execute(task);
    assert.equal(response.cachedResult, true);
    assert.equal(response.result, stored);
    assert.equal(response.status?.code, status.OK);
    assert.equal(inner.calls.length, 0);
    assert.deepEqual(task.stages, [], 'a hit never queues');
  });

  it('runs the action without looking up when skip_cache_lookup is set, and overwrites the entry', async () => {
    const { cache, inner, executor } = setUp();
    const task = testTask({ skipCacheLookup: true });
    cache.entries.set(task.actionDigest.key, ActionResult.fromPartial({ exitCode: 0 }));
    const response = await executor.execute(task);
    assert.equal(cache.gets, 0);
    assert.equal(inner.calls.length, 1);
    assert.equal(response.cachedResult, false);
    assert.equal(cache.puts.length, 1);
    assert.equal(cache.entries.get(task.actionDigest.key), response.result);
  });

  it('writes the action cache only for successful cacheable results', async () => {
    const cases = [
      { name: 'exit 0, status OK', response: ranResponse(0), doNotCache: false, stored: true },
      { name: 'exit 1', response: ranResponse(1), doNotCache: false, stored: false },
      { name: 'do_not_cache', response: ranResponse(0), doNotCache: true, stored: false },
      {
        name: 'timed out',
        response: { ...ranResponse(0), status: ActiondError.deadlineExceeded('ran past its 1m timeout').toStatusProto() },
        doNotCache: false,
        stored: false,
      },
      {
        name: 'status INTERNAL',
        response: { ...ranResponse(0), status: ActiondError.internal('sandbox broke').toStatusProto() },
        doNotCache: false,
        stored: false,
      },
      { name: 'no result', response: { ...ranResponse(0), result: undefined }, doNotCache: false, stored: false },
    ];
    for (const c of cases) {
      const cache = new FakeActionCache();
      const executor = new CachingActionExecutor(new FakeActionExecutor(async () => c.response), cache);
      const response = await executor.execute(testTask({ doNotCache: c.doNotCache }));
      assert.equal(response, c.response, c.name);
      assert.equal(cache.puts.length, c.stored ? 1 : 0, c.name);
    }
  });

  it('runs the action when the lookup fails, and says so in the message', async () => {
    const { cache, inner, executor } = setUp();
    cache.failGet = ActiondError.internal('index unreadable');
    const response = await executor.execute(testTask());
    assert.equal(inner.calls.length, 1);
    assert.equal(response.result?.exitCode, 0);
    assert.match(response.message, /action cache lookup failed, so the action ran: index unreadable/);
  });

  it('returns the result when the write fails, and says so in the message', async () => {
    const { cache, executor } = setUp();
    cache.failPut = ActiondError.resourceExhausted('disk full');
    const response = await executor.execute(testTask());
    assert.equal(response.result?.exitCode, 0);
    assert.equal(response.status?.code, status.OK);
    assert.match(response.message, /not stored in the action cache: disk full/);
  });

  it('keeps the server logs of the run', async () => {
    const { cache } = setUp();
    const ran = { ...ranResponse(0), serverLogs: { timings: { digest: { hash: 'ab'.repeat(32), sizeBytes: 3 }, humanReadable: true } } };
    const executor = new CachingActionExecutor(new FakeActionExecutor(async () => ran), cache);
    assert.deepEqual((await executor.execute(testTask())).serverLogs, ran.serverLogs);
  });

  it('passes a rejection of the inner executor on, storing nothing', async () => {
    const { cache } = setUp();
    const executor = new CachingActionExecutor(new FakeActionExecutor(async () => Promise.reject(new Error('executor bug'))), cache);
    await assert.rejects(executor.execute(testTask()), /executor bug/);
    assert.equal(cache.puts.length, 0);
  });

  it('counts hits and misses', async () => {
    const telemetry = await createRecordingTelemetry();
    const cache = new FakeActionCache();
    const executor = new CachingActionExecutor(new FakeActionExecutor(async () => ranResponse(0)), cache, { metrics: telemetry.metrics });
    await executor.execute(testTask());
    await executor.execute(testTask());
    const method = { method: 'build.bazel.remote.execution.v2.Execution/Execute' };
    assert.equal(await telemetry.counterValue('actiond.action_cache.misses', method), 1);
    assert.equal(await telemetry.counterValue('actiond.action_cache.hits', method), 1);
    await telemetry.shutdown();
  });
});
