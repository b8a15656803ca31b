import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionCgroup } from './cgroup-manager.ts';
import { FakeCgroupManager, turns } from './fake-cgroup-manager.test-support.ts';
import { PooledCgroupManager } from './pooled-cgroup-manager.ts';

const DEFAULTS = { memoryBytes: 4 * 2 ** 30, cpus: 2, pids: 4096 };
const SMALL = { memoryBytes: 2 ** 20, cpus: 1, pids: 10 };

/** Runs an action's end as the executor does: kill, then remove (which gives the cgroup back to the pool). */
async function finish(cgroup: ActionCgroup): Promise<void> {
  await cgroup.killAll();
  await cgroup.remove();
}

test('the first create makes its cgroup on the spot, then spares are made in the background up to the target, counting the one in use', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 3 });
  const first = await pool.create('a1', DEFAULTS);
  assert.equal(inner.made.length, 1);
  assert.equal(inner.made[0]!.name, 'a1');
  assert.equal(first.procsPaths[0], '/fake/a1/cgroup.procs');
  await turns();
  assert.equal(pool.ready, 2);
  assert.equal(inner.made.length, 3);
  assert.ok(inner.made.slice(1).every((cgroup) => cgroup.limits.memoryBytes === DEFAULTS.memoryBytes && cgroup.limits.pids === 4096 && cgroup.limits.cpus === 2));
});

test('a create with the same limits gets a spare made ahead, and none is made while the cgroups in use reach the target', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  await pool.create('a1', DEFAULTS);
  await turns();
  const spare = inner.made[1]!;
  const second = await pool.create('a2', DEFAULTS);
  assert.deepEqual(second.procsPaths, spare.procsPaths, 'the spare is handed out');
  assert.equal(inner.made.length, 2, 'nothing was made while the caller waited');
  await turns();
  assert.equal(pool.ready, 0, 'two in use: the target is reached');
  assert.equal(inner.made.length, 2);
});

test('other limits are made on the spot, and the spares switch to them, the old ones removed', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  await pool.create('a1', DEFAULTS);
  await turns();
  const oldSpare = inner.made[1]!;
  const small = await pool.create('a2', SMALL);
  assert.deepEqual(small.procsPaths, ['/fake/a2/cgroup.procs']);
  await turns();
  assert.equal(oldSpare.removed, true, 'the spare with the old limits was removed');
  assert.equal(pool.ready, 0, 'a1 and a2 are in use');
  await finish(small);
  assert.equal(pool.ready, 1);
  assert.deepEqual((await pool.create('a3', SMALL)).procsPaths, ['/fake/a2/cgroup.procs']);
});

test('a used cgroup that was emptied comes back as a spare and is handed to the next action: nothing made, nothing removed', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 1 });
  await finish(await pool.create('a1', DEFAULTS));
  for (let i = 2; i <= 4; i++) await finish(await pool.create(`a${i}`, DEFAULTS));
  await turns();
  assert.equal(inner.made.length, 1, 'the first cgroup was the only one made');
  assert.equal(inner.made.filter((c) => c.removed).length + inner.recycled.filter((c) => c.removed).length, 0, 'none removed');
  assert.equal(pool.reused, 4);
  const next = await pool.create('a9', DEFAULTS);
  assert.deepEqual(next.procsPaths, ['/fake/a1/cgroup.procs']);
  assert.equal(inner.live.length, 1);
});

test('a cgroup removed without a killAll that resolved is removed, never reused', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  const cgroup = await pool.create('a1', DEFAULTS);
  await cgroup.remove();
  assert.equal(inner.made[0]!.removed, true);
  assert.equal(inner.made[0]!.handedOn, false);
  assert.equal(pool.reused, 0);
});

test('a cgroup the inner manager will not reuse (a process left, a read error) takes the old path: it is removed, and a spare is made instead', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 1 });
  const cgroup = await pool.create('a1', DEFAULTS);
  inner.reusable = false;
  await finish(cgroup);
  assert.equal(inner.made[0]!.removed, true);
  assert.equal(pool.reused, 0);
  await turns();
  assert.equal(pool.ready, 1, 'made ahead in its place');
  assert.equal(inner.made.length, 2);
});

test('a recycle that throws is reported and the cgroup removed', async () => {
  const inner = new FakeCgroupManager();
  const errors: unknown[] = [];
  const pool = new PooledCgroupManager(inner, { spares: 1, onBackgroundError: (err) => errors.push(err) });
  const cgroup = await pool.create('a1', DEFAULTS);
  inner.recycleError = new Error('EIO reading cgroup.procs');
  await finish(cgroup);
  assert.equal(inner.made[0]!.removed, true);
  assert.match(String(errors[0]), /cannot reuse a cgroup: EIO reading cgroup.procs/);
});

test('at most `spares` idle cgroups are kept: the surplus of a burst is removed when it comes back', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  const burst = [];
  for (let i = 0; i < 5; i++) burst.push(await pool.create(`a${i}`, DEFAULTS));
  await turns();
  assert.equal(pool.ready, 0, 'more in use than the target: nothing made ahead');
  for (const cgroup of burst) await finish(cgroup);
  assert.equal(pool.ready, 2);
  assert.equal(pool.reused, 2);
  assert.equal(inner.live.length, 2, 'three removed');
});

test('a used cgroup with limits other than the pool\'s latest is removed when it comes back', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  const old = await pool.create('a1', DEFAULTS);
  await pool.create('a2', SMALL);
  await finish(old);
  assert.equal(inner.made[0]!.removed, true);
  assert.equal(pool.reused, 0);
});

test('the usage of a reused cgroup is the new handle\'s, and a second remove of the old handle does nothing', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 1 });
  const first = await pool.create('a1', DEFAULTS);
  inner.made[0]!.usageReport = { memoryPeakBytes: 100, oomKills: 1, pidsLimitHits: 2 };
  await finish(first);
  await first.remove();
  const second = await pool.create('a2', DEFAULTS);
  assert.deepEqual(await second.usage(), { memoryPeakBytes: 1, oomKills: 0, pidsLimitHits: 0 });
  assert.equal(inner.recycled[0]!.removed, false);
});

test('close removes reused spares too, and a cgroup given back after close is removed', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  const a = await pool.create('a1', DEFAULTS);
  const b = await pool.create('a2', DEFAULTS);
  await finish(a);
  assert.equal(pool.ready, 1);
  await pool.close();
  await finish(b);
  assert.equal(inner.live.length, 0, 'no cgroup is left behind');
  assert.equal(inner.closed, true);
});

test('a spare that cannot be made is reported, and the next create makes its own', async () => {
  const inner = new FakeCgroupManager();
  const errors: unknown[] = [];
  const pool = new PooledCgroupManager(inner, { spares: 2, onBackgroundError: (err) => errors.push(err) });
  await pool.create('a1', DEFAULTS);
  inner.createError = new Error('mkdir: no space left on device');
  await turns();
  assert.equal(pool.ready, 0);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /cannot make a cgroup ahead of time: mkdir: no space left on device/);
  await assert.rejects(pool.create('a2', DEFAULTS), /no space left on device/);
  inner.createError = undefined;
  await pool.create('a3', DEFAULTS);
  assert.equal(inner.made.at(-1)!.name, 'a3');
});

test('close removes the spares before closing the inner manager, and later creates are refused', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 3 });
  const used = await pool.create('a1', DEFAULTS);
  await turns(10);
  assert.equal(pool.ready, 2);
  await used.remove();
  await pool.close();
  assert.equal(inner.live.length, 0, 'no cgroup is left behind');
  assert.equal(inner.closed, true);
  await assert.rejects(pool.create('a2', DEFAULTS), /the cgroup manager was closed/);
});

test('removeStale forgets the spares, which the inner manager removed with the rest', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  await pool.create('a1', DEFAULTS);
  await turns();
  assert.equal(await pool.removeStale(), 2);
  assert.equal(pool.ready, 0);
  const next = await pool.create('a2', DEFAULTS);
  assert.deepEqual(next.procsPaths, ['/fake/a2/cgroup.procs'], 'a removed spare is never handed out');
});

test('the number of spares must be a positive integer', () => {
  assert.throws(() => new PooledCgroupManager(new FakeCgroupManager(), { spares: 0 }), /spares >= 1, got 0/);
  assert.throws(() => new PooledCgroupManager(new FakeCgroupManager(), { spares: 1.5 }), /spares >= 1, got 1.5/);
});

test('a retired cgroup (its cgroup.kill may have been written) is removed when it comes back, never reused', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  const cgroup = await pool.create('a1', DEFAULTS);
  cgroup.retire();
  await finish(cgroup);
  assert.equal(inner.made[0]!.retired, true);
  assert.equal(inner.made[0]!.removed, true);
  assert.equal(pool.reused, 0);
});

test('a create that fails is not counted in use: spares are still made up to the target', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  inner.createError = new Error('mkdir: EACCES');
  await assert.rejects(pool.create('a1', DEFAULTS), /EACCES/);
  inner.createError = undefined;
  await pool.create('a2', DEFAULTS);
  await turns();
  assert.equal(pool.ready, 1, 'two kept ready, one of them in use');
});
