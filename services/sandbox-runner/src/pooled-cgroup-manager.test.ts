import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeCgroupManager, turns } from './fake-cgroup-manager.test-support.ts';
import { PooledCgroupManager } from './pooled-cgroup-manager.ts';

const DEFAULTS = { memoryBytes: 4 * 2 ** 30, cpus: 2, pids: 4096 };
const SMALL = { memoryBytes: 2 ** 20, cpus: 1, pids: 10 };

test('the first create makes its cgroup on the spot, then spares are made in the background up to the target', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 2 });
  const first = await pool.create('a1', DEFAULTS);
  assert.equal(inner.made.length, 1);
  assert.equal(inner.made[0]!.name, 'a1');
  assert.equal(first.procsPaths[0], '/fake/a1/cgroup.procs');
  await turns();
  assert.equal(pool.ready, 2);
  assert.equal(inner.made.length, 3);
  assert.ok(inner.made.slice(1).every((cgroup) => cgroup.limits.memoryBytes === DEFAULTS.memoryBytes && cgroup.limits.pids === 4096 && cgroup.limits.cpus === 2));
});

test('a create with the same limits gets a spare made ahead, and the spare is replaced', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 1 });
  await pool.create('a1', DEFAULTS);
  await turns();
  const spare = inner.made[1]!;
  const second = await pool.create('a2', DEFAULTS);
  assert.equal(second, spare, 'the spare itself is handed out');
  assert.equal(inner.made.length, 2, 'nothing was made while the caller waited');
  await turns();
  assert.equal(pool.ready, 1);
  assert.equal(inner.made.length, 3);
});

test('other limits are made on the spot, and the spares switch to them, the old ones removed', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 1 });
  await pool.create('a1', DEFAULTS);
  await turns();
  const oldSpare = inner.made[1]!;
  const small = await pool.create('a2', SMALL);
  assert.equal((small as unknown as { name: string }).name, 'a2');
  await turns();
  assert.equal(oldSpare.removed, true, 'the spare with the old limits was removed');
  assert.equal(pool.ready, 1);
  assert.deepEqual(inner.live.at(-1)!.limits, SMALL);
  assert.equal(await pool.create('a3', SMALL), inner.live.at(-1));
});

test('a spare that cannot be made is reported, and the next create makes its own', async () => {
  const inner = new FakeCgroupManager();
  const errors: unknown[] = [];
  const pool = new PooledCgroupManager(inner, { spares: 1, onBackgroundError: (err) => errors.push(err) });
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
  assert.equal(pool.ready, 3);
  await used.remove();
  await pool.close();
  assert.equal(inner.live.length, 0, 'no cgroup is left behind');
  assert.equal(inner.closed, true);
  await assert.rejects(pool.create('a2', DEFAULTS), /the cgroup manager was closed/);
});

test('removeStale forgets the spares, which the inner manager removed with the rest', async () => {
  const inner = new FakeCgroupManager();
  const pool = new PooledCgroupManager(inner, { spares: 1 });
  await pool.create('a1', DEFAULTS);
  await turns();
  assert.equal(await pool.removeStale(), 2);
  assert.equal(pool.ready, 0);
  const next = await pool.create('a2', DEFAULTS);
  assert.equal((next as unknown as { name: string }).name, 'a2', 'a removed spare is never handed out');
});

test('the number of spares must be a positive integer', () => {
  assert.throws(() => new PooledCgroupManager(new FakeCgroupManager(), { spares: 0 }), /spares >= 1, got 0/);
  assert.throws(() => new PooledCgroupManager(new FakeCgroupManager(), { spares: 1.5 }), /spares >= 1, got 1.5/);
});
