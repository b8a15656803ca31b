import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { ExecutionStage_Value } from '@actiond/proto';
import { FakeActionExecutor, ranResponse, settle, testTask } from './fake-action-executor.test-support.ts';
import { QueuedActionExecutor } from './queued-action-executor.ts';

const { QUEUED, EXECUTING } = ExecutionStage_Value;

describe('QueuedActionExecutor', () => {
  it('runs at most `jobs` actions at once and starts the next when one finishes', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 2 });
    const results = [1, 2, 3, 4].map((i) => queue.execute(testTask({ actionName: `a${i}` })));
    await settle();
    assert.equal(inner.calls.length, 2);
    assert.equal(queue.running, 2);
    assert.equal(queue.waiting, 2);
    inner.calls[0]!.resolve(ranResponse(0));
    await settle();
    assert.equal(inner.calls.length, 3);
    for (const call of inner.calls.slice(1)) call.resolve(ranResponse(0));
    await settle();
    inner.calls[3]!.resolve(ranResponse(0));
    for (const result of await Promise.all(results)) assert.equal(result.result?.exitCode, 0);
    assert.equal(queue.running, 0);
  });

  it('defaults to one job per core', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner);
    const cores = availableParallelism();
    for (let i = 0; i <= cores; i++) void queue.execute(testTask({ actionName: `a${i}` }));
    await settle();
    assert.equal(inner.calls.length, cores);
    assert.equal(queue.waiting, 1);
    queue.shutdown();
  });

  it('starts waiting actions lowest priority first, in arrival order within a priority', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 1 });
    void queue.execute(testTask({ actionName: 'running' }));
    for (const [name, priority] of [['b', 5], ['c', -1], ['d', 5], ['e', 0]] as const) {
      void queue.execute(testTask({ actionName: name, priority }));
    }
    await settle();
    for (let i = 0; i < 5; i++) {
      await inner.waitForCalls(i + 1);
      inner.calls[i]!.resolve(ranResponse(0));
      await settle();
    }
    assert.deepEqual(
      inner.calls.map((call) => call.task.action.salt.toString()),
      ['running', 'c', 'e', 'b', 'd'],
    );
  });

  it('reports QUEUED on arrival and EXECUTING only once the action has a slot', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 1 });
    const first = testTask({ actionName: 'first' });
    const second = testTask({ actionName: 'second' });
    void queue.execute(first);
    void queue.execute(second);
    await settle();
    assert.deepEqual(first.stages, [QUEUED, EXECUTING]);
    assert.deepEqual(second.stages, [QUEUED]);
    inner.calls[0]!.resolve(ranResponse(0));
    await settle();
    assert.deepEqual(second.stages, [QUEUED, EXECUTING]);
    inner.calls[1]!.resolve(ranResponse(0));
  });

  it('records the wait in timings.queuedMs and stamps queued and worker-start times, keeping the rest of the metadata and the server logs', async () => {
    let now = 1_700_000_000_250;
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 1, now: () => now });
    void queue.execute(testTask({ actionName: 'first' }));
    const task = testTask({ actionName: 'second' });
    const result = queue.execute(task);
    await settle();
    now += 1500;
    inner.calls[0]!.resolve(ranResponse(0));
    await settle();
    const response = ranResponse(0);
    response.result!.executionMetadata = {
      ...response.result!.executionMetadata!,
      worker: 'sandbox',
      executionStartTimestamp: { seconds: 5, nanos: 0 },
    };
    response.serverLogs = { timings: { digest: { hash: 'ab'.repeat(32), sizeBytes: 10 }, humanReadable: true } };
    inner.calls[1]!.resolve(response);
    const { result: actionResult, serverLogs } = await result;
    assert.equal(task.timings.queuedMs, 1500);
    const metadata = actionResult?.executionMetadata;
    assert.deepEqual(metadata?.queuedTimestamp, { seconds: 1_700_000_000, nanos: 250_000_000 });
    assert.deepEqual(metadata?.workerStartTimestamp, { seconds: 1_700_000_001, nanos: 750_000_000 });
    assert.equal(metadata?.worker, 'sandbox');
    assert.deepEqual(metadata?.executionStartTimestamp, { seconds: 5, nanos: 0 });
    assert.deepEqual(serverLogs, response.serverLogs);
  });

  it('passes a response without a result through untouched', async () => {
    const failed = { ...ranResponse(0), result: undefined, status: { code: status.INTERNAL, message: 'sandbox broke', details: [] } };
    const queue = new QueuedActionExecutor(new FakeActionExecutor(async () => failed), { jobs: 1 });
    assert.equal(await queue.execute(testTask()), failed);
  });

  it('at shutdown answers waiting actions UNAVAILABLE without running them, and refuses new ones', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 1 });
    const running = queue.execute(testTask({ actionName: 'running' }));
    const waiting = queue.execute(testTask({ actionName: 'waiting' }));
    await settle();
    queue.shutdown();
    const turnedAway = await waiting;
    assert.equal(turnedAway.status?.code, status.UNAVAILABLE);
    assert.match(turnedAway.status?.message ?? '', /shutting down/);
    assert.equal(turnedAway.result, undefined);
    const late = await queue.execute(testTask({ actionName: 'late' }));
    assert.equal(late.status?.code, status.UNAVAILABLE);
    inner.calls[0]!.resolve(ranResponse(0));
    assert.equal((await running).result?.exitCode, 0, 'the running action finishes');
    assert.equal(inner.calls.length, 1);
  });

  it('answers UNAVAILABLE for a waiting action whose signal aborts, and gives its turn to the next', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 1 });
    void queue.execute(testTask({ actionName: 'running' }));
    const controller = new AbortController();
    const aborted = queue.execute(testTask({ actionName: 'aborted', signal: controller.signal }));
    const next = queue.execute(testTask({ actionName: 'next' }));
    await settle();
    controller.abort();
    assert.equal((await aborted).status?.code, status.UNAVAILABLE);
    assert.equal(queue.waiting, 1);
    inner.calls[0]!.resolve(ranResponse(0));
    await inner.waitForCalls(2);
    assert.equal(inner.calls[1]!.task.action.salt.toString(), 'next');
    inner.calls[1]!.resolve(ranResponse(0));
    await next;
  });

  it('turns away every waiter sharing an aborted signal, with one listener on it however many wait', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 1 });
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    const results = Array.from({ length: 50 }, (_, i) => queue.execute(testTask({ actionName: `a${i}`, signal: controller.signal })));
    await settle();
    assert.equal(queue.waiting, 49);
    assert.equal(listeners, 1);
    controller.abort();
    inner.calls[0]!.resolve(ranResponse(0));
    const responses = await Promise.all(results);
    assert.equal(responses.filter((r) => r.status?.code === status.UNAVAILABLE).length, 49);
    assert.equal(inner.calls.length, 1);
  });

  it('does not start an action whose signal has already aborted, even with a free slot', async () => {
    const inner = new FakeActionExecutor();
    const controller = new AbortController();
    controller.abort();
    const response = await new QueuedActionExecutor(inner, { jobs: 1 }).execute(testTask({ signal: controller.signal }));
    assert.equal(response.status?.code, status.UNAVAILABLE);
    assert.equal(inner.calls.length, 0);
  });

  it('frees the slot when the inner executor rejects, and passes the rejection on', async () => {
    const inner = new FakeActionExecutor();
    const queue = new QueuedActionExecutor(inner, { jobs: 1 });
    const broken = queue.execute(testTask({ actionName: 'broken' }));
    const next = queue.execute(testTask({ actionName: 'next' }));
    await settle();
    inner.calls[0]!.reject(new Error('executor bug'));
    await assert.rejects(broken, /executor bug/);
    await inner.waitForCalls(2);
    inner.calls[1]!.resolve(ranResponse(0));
    assert.equal((await next).result?.exitCode, 0);
    assert.equal(queue.running, 0);
  });

  it('refuses a job count below one', () => {
    assert.throws(() => new QueuedActionExecutor(new FakeActionExecutor(), { jobs: 0 }), /jobs >= 1, got 0/);
  });
});
