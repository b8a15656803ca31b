import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CgroupV1Manager } from './cgroup-v1.ts';

const ROOT = '/sys/fs/cgroup';
const skip =
  process.getuid?.() !== 0
    ? 'creating cgroups needs root'
    : !existsSync(join(ROOT, 'memory/cgroup.procs')) || !existsSync(join(ROOT, 'pids/cgroup.procs'))
      ? 'no cgroup v1 memory and pids hierarchies on this host'
      : false;

const HIERARCHIES = ['memory', 'pids', 'cpu', 'freezer', 'unified'];

async function withManager(fn: (manager: CgroupV1Manager, parent: string) => Promise<void>): Promise<void> {
  const parent = `actiond-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const manager = await CgroupV1Manager.open({ parent });
  try {
    await fn(manager, parent);
  } finally {
    for (const name of HIERARCHIES) await rmdir(join(ROOT, name, parent)).catch(() => {});
  }
}

/** Running (a zombie, killed and not yet reaped, does not count). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

test('an action cgroup gets the memory, memory+swap, pids and cpu limits in every v1 hierarchy', { skip, timeout: 30_000 }, () =>
  withManager(async (manager, parent) => {
    const cgroup = await manager.create('a1', { memoryBytes: 64 * 1024 * 1024, cpus: 0.5, pids: 32 });
    try {
      const read = (file: string) => readFile(join(ROOT, file), 'utf8').then((text) => text.trim());
      assert.equal(await read(`memory/${parent}/a1/memory.limit_in_bytes`), String(64 * 1024 * 1024));
      if (existsSync(join(ROOT, `memory/${parent}/a1/memory.memsw.limit_in_bytes`))) {
        assert.equal(await read(`memory/${parent}/a1/memory.memsw.limit_in_bytes`), String(64 * 1024 * 1024));
      }
      assert.equal(await read(`pids/${parent}/a1/pids.max`), '32');
      if (existsSync(join(ROOT, 'cpu/cgroup.procs'))) {
        assert.equal(await read(`cpu/${parent}/a1/cpu.cfs_quota_us`), '50000');
        assert.equal(await read(`cpu/${parent}/a1/cpu.cfs_period_us`), '100000');
      }
      assert.ok(cgroup.procsPaths.includes(join(ROOT, `memory/${parent}/a1/cgroup.procs`)));
      assert.ok(cgroup.procsPaths.includes(join(ROOT, `pids/${parent}/a1/cgroup.procs`)));
    } finally {
      await cgroup.remove();
    }
    assert.equal(existsSync(join(ROOT, `memory/${parent}/a1`)), false);
  }));

test('with a cgroup2 cgroup.kill to kill with, no freezer cgroup is made, and without one the freezer is used', { skip, timeout: 30_000 }, () =>
  withManager(async (manager, parent) => {
    const cgroup = await manager.create('k1', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    try {
      const unified = existsSync(join(ROOT, 'unified', parent, 'k1', 'cgroup.kill'));
      const freezer = existsSync(join(ROOT, 'freezer', parent, 'k1'));
      if (unified) assert.equal(freezer, false);
      else if (existsSync(join(ROOT, 'freezer/cgroup.procs'))) assert.equal(freezer, true);
      assert.match(manager.description, unified ? /kill via cgroup2 cgroup\.kill/ : /kill via (freezer|signals)/);
    } finally {
      await cgroup.remove();
    }
  }));

test('no limits leaves the cgroups unlimited', { skip, timeout: 30_000 }, () =>
  withManager(async (manager, parent) => {
    const cgroup = await manager.create('a2', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    try {
      assert.equal((await readFile(join(ROOT, `pids/${parent}/a2/pids.max`), 'utf8')).trim(), 'max');
    } finally {
      await cgroup.remove();
    }
  }));

test('killAll kills every process in the cgroup, children included, and the cgroup can then be removed', { skip, timeout: 30_000 }, () =>
  withManager(async (manager) => {
    const cgroup = await manager.create('a3', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    // A shell that joins the cgroups, then leaves a background child and waits.
    const joins = cgroup.procsPaths.map((path) => `echo $$ > ${path}`).join('; ');
    const child = spawn('sh', ['-c', `${joins}; sleep 1000 & echo $!; wait`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const grandchild = await new Promise<number>((resolve) => child.stdout.once('data', (data: Buffer) => resolve(Number(data.toString().trim()))));
    assert.ok(alive(grandchild));
    await cgroup.killAll();
    assert.equal(alive(grandchild), false);
    await exited;
    assert.equal(child.signalCode, 'SIGKILL');
    await cgroup.remove();
  }));

test('usage reads the peak memory and the OOM and pids-limit counters', { skip, timeout: 30_000 }, () =>
  withManager(async (manager) => {
    const cgroup = await manager.create('a4', { memoryBytes: undefined, cpus: undefined, pids: 1 });
    try {
      const joins = cgroup.procsPaths.map((path) => `echo $$ > ${path}`).join('; ');
      // The shell is the one process allowed: its fork for `true` fails.
      const child = spawn('sh', ['-c', `${joins}; /bin/true; exit 0`], { stdio: 'ignore' });
      await once(child, 'exit');
      const usage = await cgroup.usage();
      assert.ok((usage.memoryPeakBytes ?? 0) > 0);
      assert.equal(usage.oomKills, 0);
      assert.ok((usage.pidsLimitHits ?? 0) >= 1);
    } finally {
      await cgroup.killAll();
      await cgroup.remove();
    }
  }));

test('removeStale kills and removes action cgroups a crashed server left behind', { skip, timeout: 30_000 }, () =>
  withManager(async (manager) => {
    const left = await manager.create('left-behind', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (const path of left.procsPaths) await writeFile(path, String(child.pid));
    assert.equal(await manager.removeStale(), 1);
    await exited;
    assert.equal(child.signalCode, 'SIGKILL');
    assert.equal(existsSync(left.procsPaths[0]!), false);
  }));

test('a second cgroup of the same name is refused rather than reused with unknown limits', { skip, timeout: 30_000 }, () =>
  withManager(async (manager) => {
    const first = await manager.create('dup', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    try {
      await assert.rejects(manager.create('dup', { memoryBytes: undefined, cpus: undefined, pids: undefined }), /cannot create cgroup .*dup: EEXIST/);
    } finally {
      await first.remove();
    }
  }));

test('close removes the parent cgroup, but leaves it while an action cgroup is still in it', { skip, timeout: 30_000 }, async () => {
  const base = `actiond-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const parent = `${base}/root-0123456789abcdef`;
  try {
    const manager = await CgroupV1Manager.open({ parent });
    const cgroup = await manager.create('still-here', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    await manager.close();
    assert.equal(existsSync(join(ROOT, 'pids', parent, 'still-here')), true);
    await cgroup.remove();
    await manager.close();
    for (const name of HIERARCHIES) assert.equal(existsSync(join(ROOT, name, parent)), false, `${name}/${parent}`);
    await manager.close();
  } finally {
    for (const name of HIERARCHIES) {
      await rmdir(join(ROOT, name, parent, 'still-here')).catch(() => {});
      await rmdir(join(ROOT, name, parent)).catch(() => {});
      await rmdir(join(ROOT, name, base)).catch(() => {});
    }
  }
});

/** Runs `script` in a shell that first joins every hierarchy of `cgroup`, and waits for it. */
async function runIn(cgroup: { procsPaths: readonly string[] }, script: string): Promise<void> {
  const joins = cgroup.procsPaths.map((path) => `echo $$ > ${path}`).join('; ');
  const child = spawn('sh', ['-c', `${joins}; ${script}`], { stdio: 'ignore' });
  await once(child, 'exit');
}

test('a reused cgroup reports only its new action: the pids-limit hits, OOM kills and peak of the one before are not counted', { skip, timeout: 30_000 }, () =>
  withManager(async (manager, parent) => {
    const first = await manager.create('r1', { memoryBytes: 64 * 1024 * 1024, cpus: undefined, pids: 1 });
    // The shell is the one process allowed: its forks fail.
    await runIn(first, '/bin/true; /bin/true; exit 0');
    await first.killAll();
    const before = await first.usage();
    assert.ok((before.pidsLimitHits ?? 0) >= 1);
    const second = await first.recycle();
    assert.ok(second !== undefined, 'an empty cgroup with little memory charged is reused');
    assert.deepEqual(second.procsPaths, first.procsPaths);
    await assert.rejects(first.remove(), /handed to another action/);
    assert.equal(await first.recycle(), undefined, 'the old handle cannot hand the cgroup on twice');
    const fresh = await second.usage();
    assert.equal(fresh.pidsLimitHits, 0);
    assert.equal(fresh.oomKills, 0);
    assert.equal((await readFile(join(ROOT, `memory/${parent}/r1/memory.failcnt`), 'utf8')).trim(), '0');
    assert.ok((fresh.memoryPeakBytes ?? Infinity) <= (before.memoryPeakBytes ?? 0), 'the peak was reset to the current usage');
    // The limits stay: the new action runs into the same pids limit, counted from 0.
    assert.equal((await readFile(join(ROOT, `pids/${parent}/r1/pids.max`), 'utf8')).trim(), '1');
    await runIn(second, '/bin/true; exit 0');
    await second.killAll();
    assert.equal((await second.usage()).pidsLimitHits, 1);
    await second.remove();
    assert.equal(existsSync(join(ROOT, `memory/${parent}/r1`)), false);
  }));

test('a reused cgroup counts only the OOM kills and the peak memory of its new action', { skip, timeout: 30_000 }, () =>
  withManager(async (manager) => {
    const first = await manager.create('o1', { memoryBytes: 32 * 1024 * 1024, cpus: undefined, pids: undefined });
    // A child that grows past the limit and is killed by the OOM killer.
    await runIn(first, 'perl -e \'my $x = "a" x (256 * 1024 * 1024)\' ; exit 0');
    await first.killAll();
    assert.ok(((await first.usage()).oomKills ?? 0) >= 1, 'the first action was OOM-killed');
    const second = await first.recycle();
    assert.ok(second !== undefined);
    await runIn(second, 'exit 0');
    await second.killAll();
    const usage = await second.usage();
    assert.equal(usage.oomKills, 0);
    assert.ok((usage.memoryPeakBytes ?? Infinity) < 16 * 1024 * 1024, `the peak is the second action's, not the first's 32 MiB: ${usage.memoryPeakBytes}`);
    await second.remove();
  }));

test('a cgroup with a process left in any hierarchy is not reused', { skip, timeout: 30_000 }, () =>
  withManager(async (manager) => {
    const cgroup = await manager.create('busy', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    // Only the pids hierarchy: killAll watches memory, so this is what the per-hierarchy check is for.
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const pidsProcs = cgroup.procsPaths.find((path) => path.includes('/pids/'))!;
    await writeFile(pidsProcs, String(child.pid));
    try {
      assert.equal(await cgroup.recycle(), undefined);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await cgroup.remove();
  }));

test('a cgroup still charged with more than the reuse threshold (page cache of the files written) is not reused', { skip, timeout: 30_000 }, () =>
  withManager(async (manager, parent) => {
    const cgroup = await manager.create('cached', { memoryBytes: 256 * 1024 * 1024, cpus: undefined, pids: undefined });
    const file = join('/tmp', `actiond-cgroup-cache-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await runIn(cgroup, `head -c 16000000 /dev/urandom > ${file}`);
      await cgroup.killAll();
      const charged = Number((await readFile(join(ROOT, `memory/${parent}/cached/memory.usage_in_bytes`), 'utf8')).trim());
      assert.ok(charged > 4 * 1024 * 1024, `the written file stays charged (${charged} bytes)`);
      assert.equal(await cgroup.recycle(), undefined);
      await cgroup.remove();
    } finally {
      await rm(file, { force: true });
    }
  }));

test('a cgroup killAll had to kill in, or that was retired, is not reused: cgroup.kill would kill every later clone3 into it', { skip, timeout: 30_000 }, () =>
  withManager(async (manager) => {
    const killed = await manager.create('killed', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    for (const path of killed.procsPaths) await writeFile(path, String(child.pid));
    await killed.killAll();
    await exited;
    assert.equal(await killed.recycle(), undefined);
    await killed.remove();

    const retired = await manager.create('retired', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    await retired.killAll();
    retired.retire();
    assert.equal(await retired.recycle(), undefined);
    await retired.remove();
  }));
