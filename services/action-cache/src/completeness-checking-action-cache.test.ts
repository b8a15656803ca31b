import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Digest, SHA256 } from '@actiond/digest';
import { ActionResult, Tree } from '@actiond/proto';
import type { ActionCache } from './action-cache.ts';
import { CompletenessCheckingActionCache } from './completeness-checking-action-cache.ts';
import { MemoryBlobAccess } from '@actiond/blobstore';

/** An in-memory ActionCache, the wrapped store. */
class MapActionCache implements ActionCache {
  readonly entries = new Map<string, ActionResult>();
  async get(digest: Digest) {
    return this.entries.get(digest.key);
  }
  async put(digest: Digest, result: ActionResult) {
    this.entries.set(digest.key, result);
  }
}

const ACTION = SHA256.compute(Buffer.from('action'));

function setUp(options: { completeForMs?: number; maxRemembered?: number } = {}) {
  const blobs = new MemoryBlobAccess();
  const inner = new MapActionCache();
  let now = 1_000_000;
  const cache = new CompletenessCheckingActionCache(inner, { blobs, now: () => now, ...options });
  const output = blobs.add('output');
  const listed = blobs.add('a file inside an output directory');
  const tree = blobs.add(Buffer.from(Tree.encode(Tree.fromPartial({ root: { files: [{ name: 'f', digest: listed }] } })).finish()));
  const stderr = blobs.add('warnings');
  const result = ActionResult.fromPartial({
    outputFiles: [{ path: 'out', digest: output }],
    outputDirectories: [{ path: 'dir', treeDigest: tree }],
    stderrDigest: stderr,
  });
  return { blobs, inner, cache, result, output, listed, tree, stderr, advance: (ms: number) => (now += ms) };
}

test('a result whose blobs are all in the CAS is served', async () => {
  const { cache, result } = setUp();
  await cache.put(ACTION, result);
  assert.deepEqual(await cache.get(ACTION), result);
});

test('a miss in the wrapped cache is a miss, without asking the CAS', async () => {
  const { cache, blobs } = setUp();
  assert.equal(await cache.get(ACTION), undefined);
  assert.equal(blobs.calls.findMissing, 0);
});

test('a result reads as a miss once any blob it refers to is gone: output, stderr, Tree, or a file the Tree lists', async () => {
  for (const gone of ['output', 'stderr', 'tree', 'listed'] as const) {
    const setup = setUp({ completeForMs: 0 });
    await setup.cache.put(ACTION, setup.result);
    setup.blobs.remove(setup[gone]);
    assert.equal(await setup.cache.get(ACTION), undefined, `with ${gone} gone`);
    assert.ok(setup.inner.entries.has(ACTION.key), 'the entry stays for the next put to replace');
  }
});

test('a result whose Tree blob is not a Tree reads as a miss', async () => {
  const { cache, blobs, result } = setUp();
  const garbage = blobs.add(Buffer.from([0x0a, 0x7f]));
  await cache.put(ACTION, ActionResult.fromPartial({ ...result, outputDirectories: [{ path: 'dir', treeDigest: garbage }] }));
  assert.equal(await cache.get(ACTION), undefined);
});

test('a result found complete is served without checking again until completeForMs has passed', async () => {
  const { cache, blobs, result, output, advance } = setUp({ completeForMs: 5_000 });
  await cache.put(ACTION, result);
  assert.ok(await cache.get(ACTION));
  const calls = blobs.calls.findMissing;
  blobs.remove(output);
  advance(4_999);
  assert.ok(await cache.get(ACTION), 'still remembered as complete');
  assert.equal(blobs.calls.findMissing, calls);
  advance(1);
  assert.equal(await cache.get(ACTION), undefined, 'checked again once the time is up');
});

test('a put through the wrapper forgets that the old result was complete', async () => {
  const { cache, blobs, result, advance } = setUp({ completeForMs: 60_000 });
  await cache.put(ACTION, result);
  assert.ok(await cache.get(ACTION));
  const absent = SHA256.compute(Buffer.from('never uploaded'));
  await cache.put(ACTION, ActionResult.fromPartial({ ...result, outputFiles: [{ path: 'out', digest: absent }] }));
  advance(1);
  assert.equal(await cache.get(ACTION), undefined);
  assert.ok(blobs.calls.findMissing > 0);
});

test('a check that overlaps a put is not remembered, since it may have read the entry being replaced', async () => {
  const { cache, inner, blobs, result } = setUp({ completeForMs: 60_000 });
  await inner.put(ACTION, result);
  const absent = SHA256.compute(Buffer.from('never uploaded'));
  const getting = cache.get(ACTION);
  const putting = cache.put(ACTION, ActionResult.fromPartial({ ...result, outputFiles: [{ path: 'out', digest: absent }] }));
  await Promise.all([getting, putting]);
  // If the first get had been remembered, this one would serve the new,
  // incomplete entry unchecked.
  const before = blobs.calls.findMissing;
  assert.equal(await cache.get(ACTION), undefined);
  assert.ok(blobs.calls.findMissing > before);
});

test('only maxRemembered results are remembered, the oldest forgotten first', async () => {
  const { cache, blobs, result } = setUp({ completeForMs: 60_000, maxRemembered: 2 });
  const actions = ['a', 'b', 'c'].map((s) => SHA256.compute(Buffer.from(s)));
  for (const action of actions) await cache.put(action, result);
  for (const action of actions) assert.ok(await cache.get(action));
  const calls = blobs.calls.findMissing;
  assert.ok(await cache.get(actions[2]!));
  assert.ok(await cache.get(actions[1]!));
  assert.equal(blobs.calls.findMissing, calls, 'the two newest are remembered');
  assert.ok(await cache.get(actions[0]!));
  assert.ok(blobs.calls.findMissing > calls, 'the oldest was forgotten and is checked again');
});
