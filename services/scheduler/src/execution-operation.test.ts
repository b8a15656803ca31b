import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { DigestFunction_Value, ExecuteOperationMetadata, ExecuteResponse, ExecutionStage_Value, type longrunning } from '@actiond/proto';
import { ExecutionOperation } from './execution-operation.ts';

const { CACHE_CHECK, QUEUED, EXECUTING, COMPLETED } = ExecutionStage_Value;
const actionDigest = SHA256.compute(Buffer.from('action'));
const response = ExecuteResponse.fromPartial({ result: { exitCode: 0 }, message: 'ran' });

function newOperation(onDone?: (op: ExecutionOperation) => void): ExecutionOperation {
  return new ExecutionOperation({ name: 'operations/test', actionDigest, digestFunction: DigestFunction_Value.SHA256, onDone });
}

function stageOf(message: longrunning.Operation): number {
  assert.equal(message.metadata?.typeUrl, 'type.googleapis.com/build.bazel.remote.execution.v2.ExecuteOperationMetadata');
  return ExecuteOperationMetadata.decode(message.metadata.value).stage;
}

async function collect(iterable: AsyncIterable<longrunning.Operation>): Promise<longrunning.Operation[]> {
  const messages: longrunning.Operation[] = [];
  for await (const message of iterable) messages.push(message);
  return messages;
}

describe('ExecutionOperation', () => {
  it('describes itself with ExecuteOperationMetadata: stage, action digest, digest function, no stream names', () => {
    const op = newOperation();
    const message = op.snapshot();
    assert.equal(message.name, 'operations/test');
    assert.equal(message.done, false);
    assert.equal(message.response, undefined);
    assert.equal(message.error, undefined);
    const metadata = ExecuteOperationMetadata.decode(message.metadata!.value);
    assert.equal(metadata.stage, CACHE_CHECK);
    assert.deepEqual(metadata.actionDigest, { hash: actionDigest.hash, sizeBytes: actionDigest.sizeBytes });
    assert.equal(metadata.digestFunction, DigestFunction_Value.SHA256);
    assert.equal(metadata.stdoutStreamName, '');
    assert.equal(metadata.stderrStreamName, '');
  });

  it('is done exactly at COMPLETED, with the ExecuteResponse as an Any and no error', () => {
    const op = newOperation();
    op.setStage(EXECUTING);
    assert.equal(op.snapshot().done, false);
    op.complete(response);
    const message = op.snapshot();
    assert.equal(message.done, true);
    assert.equal(stageOf(message), COMPLETED);
    assert.equal(message.error, undefined);
    assert.equal(message.response?.typeUrl, 'type.googleapis.com/build.bazel.remote.execution.v2.ExecuteResponse');
    assert.deepEqual(ExecuteResponse.decode(message.response.value), response);
  });

  it('streams the current state first, then every stage change up to the done message', async () => {
    const op = newOperation();
    const watched = collect(op.watch());
    op.setStage(QUEUED);
    op.setStage(EXECUTING);
    op.complete(response);
    assert.deepEqual((await watched).map(stageOf), [CACHE_CHECK, QUEUED, EXECUTING, COMPLETED]);
  });

  it('gives a late watcher the current state first', async () => {
    const op = newOperation();
    op.setStage(EXECUTING);
    const watched = collect(op.watch());
    op.complete(response);
    assert.deepEqual((await watched).map(stageOf), [EXECUTING, COMPLETED]);
    assert.deepEqual((await collect(op.watch())).map(stageOf), [COMPLETED], 'a watcher of a done operation gets only the result');
  });

  it('ignores repeated stages, stage reports after completion, a second completion and a direct COMPLETED', async () => {
    let doneCalls = 0;
    const op = newOperation(() => doneCalls++);
    const watched = collect(op.watch());
    op.setStage(QUEUED);
    op.setStage(QUEUED);
    op.setStage(COMPLETED);
    assert.equal(op.done, false);
    op.complete(response);
    op.setStage(EXECUTING);
    op.complete(ExecuteResponse.fromPartial({ message: 'second' }));
    assert.deepEqual((await watched).map(stageOf), [CACHE_CHECK, QUEUED, COMPLETED]);
    assert.equal(op.response?.message, 'ran');
    assert.equal(doneCalls, 1);
  });

  it('ends a watch quietly when its signal aborts', async () => {
    const op = newOperation();
    const controller = new AbortController();
    const watched = collect(op.watch(controller.signal));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    assert.deepEqual((await watched).map(stageOf), [CACHE_CHECK]);
    op.complete(response); // no watcher left to call
  });
});
