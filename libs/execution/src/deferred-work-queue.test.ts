import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { DeferredWorkQueue } from './deferred-work-queue.ts';

async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

test('add returns before the work, which runs in order after the delay', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const done: number[] = [];
  const queue = new DeferredWorkQueue<number>('q', async (n) => void done.push(n), { maxPending: 8, delayMs: 3 });
  await queue.add(1);
  await queue.add(2);
  assert.deepEqual(done, []);
  assert.equal(queue.pending, 2);
  t.mock.timers.tick(3);
  await queue.drain();
  assert.deepEqual(done, [1, 2]);
  assert.equal(queue.pending, 0);
});

test('with maxPending items waiting, add resolves only once its own item was worked', async () => {
  const releases: (() => void)[] = [];
  const worked: string[] = [];
  const queue = new DeferredWorkQueue<string>(
    'q',
    (item) => new Promise<void>((resolve) => releases.push(() => (worked.push(item), resolve()))),
    { maxPending: 1, delayMs: 0 },
  );
  await queue.add('a');
  let resolved = false;
  const second = queue.add('b').then(() => (resolved = true));
  await turns();
  assert.equal(resolved, false);
  releases.shift()!();
  await turns();
  releases.shift()!();
  await second;
  assert.deepEqual(worked, ['a', 'b']);
});

test('an item whose work throws does not stop the rest', async () => {
  const done: string[] = [];
  const queue = new DeferredWorkQueue<string>(
    'q',
    async (item) => {
      if (item === 'bad') throw new Error('boom');
      done.push(item);
    },
    { maxPending: 4, delayMs: 0 },
  );
  await queue.add('bad');
  await queue.add('good');
  await queue.drain();
  assert.deepEqual(done, ['good']);
});

test('maxPending must be a positive integer and delayMs a non-negative one, named with the owner', () => {
  assert.throws(() => new DeferredWorkQueue('Owner', async () => {}, { maxPending: 0, delayMs: 0 }), /^RangeError: Owner needs maxPending >= 1, got 0$/);
  assert.throws(() => new DeferredWorkQueue('Owner', async () => {}, { maxPending: 1, delayMs: -1 }), /^RangeError: Owner needs delayMs >= 0, got -1$/);
});
