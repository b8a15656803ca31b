import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BackgroundRemovalCgroupManager } from './background-removal-cgroup-manager.ts';
import { FakeCgroupManager, turns } from './fake-cgroup-manager.test-support.ts';

const LIMITS = { memoryBytes: 2 ** 30, cpus: 1, pids: 100 };

test('by default the removal starts 3 ms after remove, so that the next action is on its way first', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const inner = new FakeCgroupManager();
  const manager = new BackgroundRemovalCgroupManager(inner);
  const cgroup = await manager.create('a1', LIMITS);
  await cgroup.remove();
  await turns();
  assert.equal(inner.made[0]!.removed, false, 'not on the next event-loop turns');
  t.mock.timers.tick(3);
  await turns();
  assert.equal(inner.made[0]!.removed, true);
});

test('remove returns before the cgroup is removed, which happens after an event-loop turn', async () => {
  const inner = new FakeCgroupManager();
  const manager = new BackgroundRemovalCgroupManager(inner, { delayMs: 0 });
  const cgroup = await manager.create('a1', LIMITS);
  await cgroup.killAll();
  await cgroup.remove();
  assert.equal(inner.made[0]!.killed, 1, 'killAll goes straight through');
  assert.equal(inner.made[0]!.removed, false);
  assert.equal(manager.pending, 1);
  await turns();
  assert.equal(inner.made[0]!.removed, true);
  assert.equal(manager.pending, 0);
});

test('with maxPending removals waiting, remove waits for its own removal', async () => {
  const inner = new FakeCgroupManager();
  const manager = new BackgroundRemovalCgroupManager(inner, { maxPending: 2, delayMs: 0 });
  inner.holdRemovals = true;
  const cgroups = [];
  for (let i = 0; i < 3; i++) cgroups.push(await manager.create(`a${i}`, LIMITS));
  await cgroups[0]!.remove();
  await cgroups[1]!.remove();
  let thirdDone = false;
  const third = cgroups[2]!.remove().then(() => (thirdDone = true));
  await turns();
  assert.equal(thirdDone, false, 'the queue was full');
  assert.equal(manager.pending, 3);
  inner.releaseRemovals();
  await third;
  assert.equal(inner.live.length, 0);
});

test('a cgroup that cannot be removed is reported and the queue goes on', async () => {
  const inner = new FakeCgroupManager();
  const errors: unknown[] = [];
  const manager = new BackgroundRemovalCgroupManager(inner, { onBackgroundError: (err) => errors.push(err), delayMs: 0 });
  const a = await manager.create('a1', LIMITS);
  const b = await manager.create('a2', LIMITS);
  inner.removeError = new Error('cannot remove cgroup /fake/a1: EBUSY');
  await a.remove();
  await turns();
  inner.removeError = undefined;
  await b.remove();
  await turns();
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /cannot remove cgroup \/fake\/a1: EBUSY/);
  assert.deepEqual(inner.live.map((c) => c.name), ['a1']);
});

test('close waits for the queued removals, then closes the inner manager', async () => {
  const inner = new FakeCgroupManager();
  const manager = new BackgroundRemovalCgroupManager(inner, { delayMs: 0 });
  inner.holdRemovals = true;
  const cgroup = await manager.create('a1', LIMITS);
  await cgroup.remove();
  const closing = manager.close();
  await turns();
  assert.equal(inner.closed, false, 'not before the removal');
  inner.releaseRemovals();
  await closing;
  assert.equal(inner.made[0]!.removed, true);
  assert.equal(inner.closed, true);
});

test('usage and the procs paths are the inner cgroup\'s', async () => {
  const inner = new FakeCgroupManager();
  const manager = new BackgroundRemovalCgroupManager(inner, { delayMs: 0 });
  const cgroup = await manager.create('a1', LIMITS);
  assert.deepEqual(cgroup.procsPaths, ['/fake/a1/cgroup.procs']);
  assert.deepEqual(await cgroup.usage(), { memoryPeakBytes: 1, oomKills: 0, pidsLimitHits: 0 });
});

test('maxPending must be a positive integer and delayMs a non-negative one', () => {
  assert.throws(() => new BackgroundRemovalCgroupManager(new FakeCgroupManager(), { maxPending: 0 }), /maxPending >= 1, got 0/);
  assert.throws(() => new BackgroundRemovalCgroupManager(new FakeCgroupManager(), { delayMs: -1 }), /delayMs >= 0, got -1/);
});

test('recycle goes straight to the inner cgroup, and the reused handle is removed through the queue', async () => {
  const inner = new FakeCgroupManager();
  const manager = new BackgroundRemovalCgroupManager(inner, { delayMs: 0 });
  const cgroup = await manager.create('a1', LIMITS);
  const next = await cgroup.recycle();
  assert.equal(inner.made[0]!.handedOn, true);
  assert.deepEqual(next?.procsPaths, ['/fake/a1/cgroup.procs']);
  await next!.remove();
  assert.equal(manager.pending, 1);
  await turns();
  assert.equal(inner.recycled[0]!.removed, true);
  inner.reusable = false;
  assert.equal(await (await manager.create('a2', LIMITS)).recycle(), undefined);
});
