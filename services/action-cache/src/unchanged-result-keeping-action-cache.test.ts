import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHA256, type Digest } from '@actiond/digest';
import { ActionResult } from '@actiond/proto';
import type { ActionCache } from './action-cache.ts';
import { UnchangedResultKeepingActionCache } from './unchanged-result-keeping-action-cache.ts';

/** An in-memory ActionCache that counts puts; `failGets` makes every get reject. */
class CountingActionCache implements ActionCache {
  readonly entries = new Map<string, ActionResult>();
  puts = 0;
  failGets = false;

  async get(actionDigest: Digest): Promise<ActionResult | undefined> {
    if (this.failGets) throw new Error('disk read failed');
    return this.entries.get(actionDigest.key);
  }

  async put(actionDigest: Digest, result: ActionResult): Promise<void> {
    this.puts++;
    this.entries.set(actionDigest.key, result);
  }
}

const ACTION = SHA256.compute(Buffer.from('an encoded Action'));

function result(overrides: Partial<ActionResult> = {}, worker = 'run-1', seconds = 100): ActionResult {
  return ActionResult.fromPartial({
    exitCode: 0,
    outputFiles: [{ path: 'out/a.txt', digest: { hash: 'ab'.repeat(32), sizeBytes: 2 } }],
    stdoutDigest: { hash: 'cd'.repeat(32), sizeBytes: 3 },
    executionMetadata: { worker, workerStartTimestamp: { seconds, nanos: 0 } },
    ...overrides,
  });
}

test('a result that differs from the stored one only in execution_metadata leaves the entry as it was', async () => {
  const inner = new CountingActionCache();
  const cache = new UnchangedResultKeepingActionCache(inner);
  await cache.put(ACTION, result({}, 'run-1', 100));
  await cache.put(ACTION, result({}, 'run-2', 200));
  assert.equal(inner.puts, 1);
  assert.equal((await cache.get(ACTION))?.executionMetadata?.worker, 'run-1');
});

test('a result with another exit code, output or stdout replaces the entry', async () => {
  const changes: Partial<ActionResult>[] = [
    { exitCode: 1 },
    { outputFiles: [{ path: 'out/a.txt', digest: { hash: 'ef'.repeat(32), sizeBytes: 2 }, isExecutable: false, contents: Buffer.alloc(0), nodeProperties: undefined }] },
    { stdoutDigest: { hash: '01'.repeat(32), sizeBytes: 3 } },
    { outputSymlinks: [{ path: 'out/link', target: 'a.txt', nodeProperties: undefined }] },
  ];
  for (const [i, change] of changes.entries()) {
    const inner = new CountingActionCache();
    const cache = new UnchangedResultKeepingActionCache(inner);
    await cache.put(ACTION, result());
    await cache.put(ACTION, result(change));
    assert.equal(inner.puts, 2, `change ${i + 1} was written`);
    assert.deepEqual(await cache.get(ACTION), result(change));
  }
});

test('a put with no stored entry writes it', async () => {
  const inner = new CountingActionCache();
  await new UnchangedResultKeepingActionCache(inner).put(ACTION, result());
  assert.equal(inner.puts, 1);
  assert.deepEqual(inner.entries.get(ACTION.key), result());
});

test('a put whose read of the stored entry fails still writes', async () => {
  const inner = new CountingActionCache();
  const cache = new UnchangedResultKeepingActionCache(inner);
  await cache.put(ACTION, result());
  inner.failGets = true;
  await cache.put(ACTION, result({}, 'run-2'));
  assert.equal(inner.puts, 2);
  assert.equal(inner.entries.get(ACTION.key)?.executionMetadata?.worker, 'run-2');
});
