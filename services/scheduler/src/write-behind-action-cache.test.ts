import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SHA256 } from '@actiond/digest';
import { ActionResult } from '@actiond/proto';
import { FakeActionCache } from './fake-action-cache.test-support.ts';
import { WriteBehindActionCache } from './write-behind-action-cache.ts';

const a = SHA256.compute(Buffer.from('action a'));
const b = SHA256.compute(Buffer.from('action b'));
const result = (exitCode: number, stdout = '') => ActionResult.fromPartial({ exitCode, stdoutRaw: Buffer.from(stdout) });

async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A cache whose puts wait until released, to see what happens meanwhile. */
class HeldActionCache extends FakeActionCache {
  readonly #held: (() => void)[] = [];
  override async put(actionDigest: Parameters<FakeActionCache['put']>[0], result: ActionResult): Promise<void> {
    await new Promise<void>((resolve) => this.#held.push(resolve));
    return super.put(actionDigest, result);
  }
  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

describe('WriteBehindActionCache', () => {
  it('by default the writes start 3 ms after put, so that the next action is on its way first', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const inner = new FakeActionCache();
    const cache = new WriteBehindActionCache(inner);
    await cache.put(a, result(0));
    await turns();
    assert.equal(inner.puts.length, 0, 'not on the next event-loop turns');
    t.mock.timers.tick(3);
    await turns();
    assert.equal(inner.puts.length, 1);
  });

  it('put returns before the inner cache is written, which happens after an event-loop turn', async () => {
    const inner = new FakeActionCache();
    const cache = new WriteBehindActionCache(inner, { delayMs: 0 });
    await cache.put(a, result(0, 'ran'));
    assert.equal(inner.puts.length, 0);
    assert.equal(cache.pending, 1);
    await turns();
    assert.equal(inner.puts.length, 1);
    assert.equal(inner.entries.get(a.key)?.stdoutRaw.toString(), 'ran');
    assert.equal(cache.pending, 0);
  });

  it('get answers a result put but not yet written from memory, and others from the inner cache', async () => {
    const inner = new HeldActionCache();
    inner.entries.set(b.key, result(0, 'old b'));
    const cache = new WriteBehindActionCache(inner, { delayMs: 0 });
    const mine = result(0, 'new a');
    await cache.put(a, mine);
    await turns();
    assert.equal(await cache.get(a), mine, 'the result waiting to be written');
    assert.equal((await cache.get(b))?.stdoutRaw.toString(), 'old b');
    inner.release();
    await cache.drain();
    assert.equal((await cache.get(a))?.stdoutRaw.toString(), 'new a', 'now from the inner cache');
  });

  it('a key put again while it is written gets the newest result written last', async () => {
    const inner = new HeldActionCache();
    const cache = new WriteBehindActionCache(inner, { delayMs: 0 });
    await cache.put(a, result(0, 'first'));
    await turns();
    await cache.put(a, result(0, 'second'));
    await cache.put(a, result(0, 'third'));
    inner.release();
    await turns();
    inner.release();
    await cache.drain();
    assert.deepEqual(inner.puts.map((p) => p.result.stdoutRaw.toString()), ['first', 'third']);
    assert.equal(inner.entries.get(a.key)?.stdoutRaw.toString(), 'third');
  });

  it('a write that fails is reported, the entry is then absent, and later writes go on', async () => {
    const inner = new FakeActionCache();
    const errors: string[] = [];
    const cache = new WriteBehindActionCache(inner, { onBackgroundError: (err, digest) => errors.push(`${digest.hash}: ${String(err)}`), delayMs: 0 });
    inner.failPut = new Error('disk full');
    await cache.put(a, result(0));
    await cache.drain();
    assert.deepEqual(errors, [`${a.hash}: Error: disk full`]);
    assert.equal(await cache.get(a), undefined, 'a failed write is a miss, as if never put');
    inner.failPut = undefined;
    await cache.put(b, result(0));
    await cache.drain();
    assert.equal(inner.entries.has(b.key), true);
  });

  it('with maxPending writes waiting, put waits for its own write', async () => {
    const inner = new HeldActionCache();
    const cache = new WriteBehindActionCache(inner, { maxPending: 1, delayMs: 0 });
    await cache.put(a, result(0));
    let done = false;
    const second = cache.put(b, result(0)).then(() => (done = true));
    await turns();
    assert.equal(done, false, 'the queue was full');
    inner.release();
    await turns();
    inner.release();
    await second;
    assert.equal(inner.entries.has(b.key), true, 'resolved only once written');
  });

  it('drain waits for every queued write', async () => {
    const inner = new HeldActionCache();
    const cache = new WriteBehindActionCache(inner, { delayMs: 0 });
    await cache.put(a, result(0));
    await cache.put(b, result(0));
    let drained = false;
    const draining = cache.drain().then(() => (drained = true));
    await turns();
    assert.equal(drained, false);
    inner.release();
    await turns();
    inner.release();
    await draining;
    assert.equal(inner.puts.length, 2);
  });

  it('maxPending must be a positive integer and delayMs a non-negative one', () => {
    assert.throws(() => new WriteBehindActionCache(new FakeActionCache(), { maxPending: 0 }), /maxPending >= 1, got 0/);
    assert.throws(() => new WriteBehindActionCache(new FakeActionCache(), { delayMs: 1.5 }), /delayMs >= 0, got 1.5/);
  });
});
