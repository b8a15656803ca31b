// CgroupV2Manager against a directory laid out like a cgroup2 mount: this
// host is cgroup v1 with a controller-less cgroup2, so what is checked here
// is which files get which values. Not covered here: killing (checked on v1
// hosts by cgroup-v1.test.ts) and memory.swap.max, which a fake directory
// cannot show appearing with the cgroup as the kernel makes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupV2Manager } from './cgroup-v2.ts';
import { openCgroupManager } from './cgroup-detection.ts';

async function withFakeMount(controllers: string, fn: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'cgroup2-fake-'));
  try {
    await writeFile(join(root, 'cgroup.controllers'), `${controllers}\n`);
    await writeFile(join(root, 'cgroup.procs'), '');
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('open enables the controllers from the mount root down to the parent', () =>
  withFakeMount('cpuset cpu io memory hugetlb pids', async (root) => {
    const manager = await CgroupV2Manager.open({ mountRoot: root, parent: 'system.slice/actiond' });
    for (const level of ['', 'system.slice', 'system.slice/actiond']) {
      assert.equal(await readFile(join(root, level, 'cgroup.subtree_control'), 'utf8'), '+memory +pids +cpu', `level "${level}"`);
    }
    assert.match(manager.description, /cgroup v2 at .*system.slice\/actiond \(memory, pids, cpu\)/);
  }));

test('an action cgroup gets memory.max, no swap, pids.max and cpu.max', () =>
  withFakeMount('cpu memory pids', async (root) => {
    const manager = await CgroupV2Manager.open({ mountRoot: root });
    const dir = join(root, 'actiond/a1');
    const cgroup = await manager.create('a1', { memoryBytes: 256 * 1024 * 1024, cpus: 1.5, pids: 100 });
    assert.deepEqual(cgroup.procsPaths, [join(dir, 'cgroup.procs')]);
    assert.equal(await readFile(join(dir, 'memory.max'), 'utf8'), String(256 * 1024 * 1024));
    assert.equal(await readFile(join(dir, 'pids.max'), 'utf8'), '100');
    assert.equal(await readFile(join(dir, 'cpu.max'), 'utf8'), '150000 100000');
  }));

test('a cpu limit without a cpu controller, and a mount without memory or pids, are refused with the reason', () =>
  withFakeMount('memory pids', async (root) => {
    const manager = await CgroupV2Manager.open({ mountRoot: root });
    await assert.rejects(manager.create('a1', { memoryBytes: undefined, cpus: 1, pids: undefined }), /a cpu limit was asked for but .* has no cpu controller/);
    await assert.rejects(CgroupV2Manager.open({ mountRoot: join(root, 'nothing') }), /ENOENT/);
  }).then(() =>
    withFakeMount('cpu io', async (root) => {
      await assert.rejects(CgroupV2Manager.open({ mountRoot: root }), /has no memory controller/);
    }),
  ));

test('usage reads memory.peak and the oom_kill and max counters', () =>
  withFakeMount('memory pids', async (root) => {
    const manager = await CgroupV2Manager.open({ mountRoot: root });
    const cgroup = await manager.create('a1', { memoryBytes: undefined, cpus: undefined, pids: undefined });
    await writeFile(join(root, 'actiond/a1/memory.peak'), '123456\n');
    await writeFile(join(root, 'actiond/a1/memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n');
    await writeFile(join(root, 'actiond/a1/pids.events'), 'max 7\n');
    assert.deepEqual(await cgroup.usage(), { memoryPeakBytes: 123456, oomKills: 1, pidsLimitHits: 7 });
  }));

test('openCgroupManager picks v2 for a cgroup2 mount root and says what it looked for when nothing fits', async () => {
  await withFakeMount('memory pids', async (root) => {
    assert.match((await openCgroupManager({ mountRoot: root })).description, /^cgroup v2/);
  });
  const empty = await mkdtemp(join(tmpdir(), 'cgroup-none-'));
  try {
    await assert.rejects(openCgroupManager({ mountRoot: empty }), /no usable cgroups at .*: neither a cgroup2 mount .* nor cgroup v1 memory and pids hierarchies \(no cgroup v1 memory hierarchy/);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

/** Writes what the kernel would show in a v2 group after an action: counters, and what is still counted. */
async function afterAction(dir: string, files: Record<string, string>): Promise<void> {
  const all = {
    'cgroup.procs': '',
    'pids.current': '0\n',
    'memory.current': '200704\n',
    'memory.peak': '50000000\n',
    'memory.events': 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n',
    'pids.events': 'max 5\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) await writeFile(join(dir, name), text);
}

test('a reused v2 group reports the oom_kill and max counters from its baseline, and the peak through its own reset memory.peak descriptor', () =>
  withFakeMount('memory pids', async (root) => {
    const manager = await CgroupV2Manager.open({ mountRoot: root });
    const dir = join(root, 'actiond/a1');
    const first = await manager.create('a1', { memoryBytes: 256 * 1024 * 1024, cpus: undefined, pids: undefined });
    await afterAction(dir, {});
    const second = await first.recycle();
    assert.ok(second !== undefined);
    assert.equal(await readFile(join(dir, 'memory.peak'), 'utf8').then((text) => text.startsWith('reset')), true, 'memory.peak was written to reset it');
    await assert.rejects(first.remove(), /handed to another action/);
    // The kernel answers the reset descriptor with the peak since the reset; a plain file shows what the test writes.
    await writeFile(join(dir, 'memory.peak'), '300000\n');
    await writeFile(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n');
    assert.deepEqual(await second.usage(), { memoryPeakBytes: 300000, oomKills: 0, pidsLimitHits: 0 });
    await writeFile(join(dir, 'pids.events'), 'max 8\n');
    assert.equal((await second.usage()).pidsLimitHits, 3);
  }));

test('a v2 group is not reused with a process, a zombie still counted, too much memory charged, or a memory.peak that cannot be written', async () => {
  const cases: [string, Record<string, string>][] = [
    ['a process', { 'cgroup.procs': '1234\n' }],
    ['a zombie', { 'pids.current': '1\n' }],
    ['no pids.current', {}],
    ['page cache', { 'memory.current': String(64 * 1024 * 1024) }],
    ['no memory.peak (before Linux 5.19)', {}],
  ];
  for (const [what, files] of cases) {
    await withFakeMount('memory pids', async (root) => {
      const manager = await CgroupV2Manager.open({ mountRoot: root });
      const dir = join(root, 'actiond/a1');
      const cgroup = await manager.create('a1', { memoryBytes: 256 * 1024 * 1024, cpus: undefined, pids: undefined });
      await afterAction(dir, files);
      if (what === 'no pids.current') await rm(join(dir, 'pids.current'));
      if (what === 'no memory.peak (before Linux 5.19)') await rm(join(dir, 'memory.peak'));
      assert.equal(await cgroup.recycle(), undefined, what);
    });
  }
});
