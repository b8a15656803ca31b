import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecutionStage_Value } from '@actiond/proto';
import { FakeActionExecutor, ranResponse, settle, testTask } from './fake-action-executor.test-support.ts';
import { MergingActionExecutor } from './merging-action-executor.ts';

const { QUEUED, EXECUTING } = ExecutionStage_Value;

describe('MergingActionExecutor', () => {
  it('runs identical in-flight actions once and gives every caller the same response', async () => {
    const inner = new FakeActionExecutor();
    const merging = new MergingActionExecutor(inner);
    const first = merging.execute(testTask({ actionName: 'same' }));
    const second = merging.execute(testTask({ actionName: 'same', skipCacheLookup: true }));
    await settle();
    assert.equal(inner.calls.length, 1, 'skip_cache_lookup may merge');
    const response = ranResponse(0);
    inner.calls[0]!.resolve(response);
    assert.equal(await first, response);
    assert.equal(await second, response);
    assert.equal(merging.inFlight, 0);
  });

  it('runs again once the earlier execution finished', async () => {
    const inner = new FakeActionExecutor(async () => ranResponse(0));
    const merging = new MergingActionExecutor(inner);
    await merging.execute(testTask({ actionName: 'same' }));
    await merging.execute(testTask({ actionName: 'same' }));
    assert.equal(inner.calls.length, 2);
  });

  it('never merges do_not_cache actions', async () => {
    const inner = new FakeActionExecutor();
    const merging = new MergingActionExecutor(inner);
    void merging.execute(testTask({ actionName: 'same', doNotCache: true }));
    void merging.execute(testTask({ actionName: 'same', doNotCache: true }));
    await settle();
    assert.equal(inner.calls.length, 2);
    assert.equal(merging.inFlight, 0);
    for (const call of inner.calls) call.resolve(ranResponse(0));
  });

  it('does not merge different actions, or the same action for different instance names', async () => {
    const inner = new FakeActionExecutor();
    const merging = new MergingActionExecutor(inner);
    void merging.execute(testTask({ actionName: 'one' }));
    void merging.execute(testTask({ actionName: 'two' }));
    void merging.execute(testTask({ actionName: 'one', instanceName: 'other' }));
    await settle();
    assert.equal(inner.calls.length, 3);
    for (const call of inner.calls) call.resolve(ranResponse(0));
  });

  it('tells a joiner the current stage at once and every later stage', async () => {
    const inner = new FakeActionExecutor();
    const merging = new MergingActionExecutor(inner);
    const first = testTask({ actionName: 'same' });
    void merging.execute(first);
    inner.calls[0]!.task.onStage(QUEUED);
    const joiner = testTask({ actionName: 'same' });
    void merging.execute(joiner);
    assert.deepEqual(joiner.stages, [QUEUED]);
    inner.calls[0]!.task.onStage(EXECUTING);
    assert.deepEqual(first.stages, [QUEUED, EXECUTING]);
    assert.deepEqual(joiner.stages, [QUEUED, EXECUTING]);
    inner.calls[0]!.resolve(ranResponse(0));
  });

  it('remembers a stage reported before the inner execute returned', async () => {
    const inner = new FakeActionExecutor();
    inner.execute = (task) => {
      task.onStage(QUEUED);
      return FakeActionExecutor.prototype.execute.call(inner, task);
    };
    const merging = new MergingActionExecutor(inner);
    void merging.execute(testTask({ actionName: 'same' }));
    const joiner = testTask({ actionName: 'same' });
    void merging.execute(joiner);
    assert.deepEqual(joiner.stages, [QUEUED]);
    inner.calls[0]!.resolve(ranResponse(0));
  });

  it('passes a rejection to every caller and forgets the execution', async () => {
    const inner = new FakeActionExecutor();
    const merging = new MergingActionExecutor(inner);
    const first = merging.execute(testTask({ actionName: 'same' }));
    const second = merging.execute(testTask({ actionName: 'same' }));
    inner.calls[0]!.reject(new Error('executor bug'));
    await assert.rejects(first, /executor bug/);
    await assert.rejects(second, /executor bug/);
    assert.equal(merging.inFlight, 0);
  });
});
