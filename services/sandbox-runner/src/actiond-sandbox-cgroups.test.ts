// Black-box tests of actiond-sandbox with cgroups: the TypeScript side creates
// them and writes the limits; the helper moves the action in before exec and
// uses cgroup.kill on timeout. These tests make their own throw-away cgroups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { makeSandboxDirs, needsRoot, runBash, runPlan, testPlan } from './sandbox-helper-fixture.ts';
import type { SandboxDirs } from './sandbox-helper-fixture.ts';
import { SANDBOX_SETUP_FAILED_EXIT_CODE } from './sandbox-helper-status.ts';

const PIDS = '/sys/fs/cgroup/pids';
const MEMORY = '/sys/fs/cgroup/memory';
const UNIFIED = '/sys/fs/cgroup/unified';

function needsHierarchy(dir: string, what: string): string | false {
  if (needsRoot !== false) return needsRoot;
  return existsSync(join(dir, 'cgroup.procs')) ? false : `no ${what} mounted at ${dir}`;
}

interface TestCgroup {
  readonly dir: string;
  readonly procs: string;
  dispose(): Promise<void>;
}

async function makeCgroup(hierarchy: string): Promise<TestCgroup> {
  const dir = join(hierarchy, `actiond-sandbox-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir);
  return {
    dir,
    procs: join(dir, 'cgroup.procs'),
    // Empty once the helper has returned: the sandbox's processes are dead.
    // The kernel may still be finishing them off, so retry briefly.
    async dispose() {
      for (let attempt = 0; ; attempt++) {
        try {
          return await rmdir(dir);
        } catch (error) {
          if (attempt >= 100) throw error;
          await sleep(10);
        }
      }
    },
  };
}

async function withSandbox(hierarchy: string, fn: (dirs: SandboxDirs, cgroup: TestCgroup) => Promise<void>): Promise<void> {
  const dirs = await makeSandboxDirs();
  const cgroup = await makeCgroup(hierarchy);
  try {
    await fn(dirs, cgroup);
  } finally {
    await cgroup.dispose();
    await dirs.dispose();
  }
}

test('the action runs in the given cgroups and a fork bomb stops at pids.max', { skip: needsHierarchy(PIDS, 'cgroup v1 pids hierarchy') }, () =>
  withSandbox(PIDS, async (dirs, cgroup) => {
    await writeFile(join(cgroup.dir, 'pids.max'), '16');
    const membership = await runBash(dirs, 'grep :pids: /proc/self/cgroup', { cgroupProcs: [cgroup.procs] });
    assert.equal(membership.stdout, `${(await readFile('/proc/self/cgroup', 'utf8')).match(/^\d+:pids:/m)![0]}${cgroup.dir.slice(PIDS.length)}\n`);

    // Forks until the kernel says no; the children wait to be killed with
    // the sandbox. perl itself is one of the 16.
    const bomb = await runPlan(testPlan(dirs, {
      cgroupProcs: [cgroup.procs],
      argv: ['perl', '-e', 'my $n = 0; for (1..200) { my $p = fork; last unless defined $p; if (!$p) { sleep 60; exit 0 } $n++ } print "$n\\n"'],
    }));
    assert.equal(bomb.status.kind, 'exit');
    assert.equal(bomb.stdout, '15\n');
    assert.match(await readFile(join(cgroup.dir, 'pids.events'), 'utf8'), /^max [1-9]\d*$/m);
    assert.equal(await readFile(cgroup.procs, 'utf8'), '');
  }));

test(
  'the action and what it forks are in every given cgroup at once, v1 hierarchies (joined by tasks) and the v2 group (cloned into)',
  { skip: needsHierarchy(PIDS, 'cgroup v1 pids hierarchy') || needsHierarchy(MEMORY, 'cgroup v1 memory hierarchy') || needsHierarchy(UNIFIED, 'cgroup v2 hierarchy') },
  async () => {
    const dirs = await makeSandboxDirs();
    const groups = [await makeCgroup(MEMORY), await makeCgroup(PIDS), await makeCgroup(UNIFIED)];
    try {
      // The child shell's own /proc/self/cgroup: a process forked after the joins.
      const run = await runBash(dirs, 'grep -E "^[0-9]+:(memory|pids|):" /proc/self/cgroup; sh -c "cat /proc/self/cgroup" | grep -cE "actiond-sandbox-test-"', {
        cgroupProcs: groups.map((group) => group.procs),
      });
      assert.equal(run.status.kind, 'exit');
      const lines = run.stdout.trim().split('\n');
      const host = await readFile('/proc/self/cgroup', 'utf8');
      assert.deepEqual(lines.slice(0, -1).sort(), [
        `${host.match(/^\d+:memory:/m)![0]}${groups[0]!.dir.slice(MEMORY.length)}`,
        `${host.match(/^\d+:pids:/m)![0]}${groups[1]!.dir.slice(PIDS.length)}`,
        `0::${groups[2]!.dir.slice(UNIFIED.length)}`,
      ].sort());
      assert.equal(lines.at(-1), '3');
    } finally {
      for (const group of groups) await group.dispose();
      await dirs.dispose();
    }
  },
);

test('a memory hog is OOM-killed in its memory cgroup and reported as signal 9', { skip: needsHierarchy(MEMORY, 'cgroup v1 memory hierarchy') }, () =>
  withSandbox(MEMORY, async (dirs, cgroup) => {
    const limit = String(64 << 20);
    await writeFile(join(cgroup.dir, 'memory.limit_in_bytes'), limit);
    // With swap, the limit on memory+swap is what makes the OOM killer act.
    if (existsSync(join(cgroup.dir, 'memory.memsw.limit_in_bytes'))) {
      await writeFile(join(cgroup.dir, 'memory.memsw.limit_in_bytes'), limit);
    }
    const run = await runPlan(testPlan(dirs, {
      cgroupProcs: [cgroup.procs],
      // The size comes from argv: a constant would be folded at compile time.
      argv: ['perl', '-e', '$| = 1; print "allocating\\n"; my $x = "a" x ($ARGV[0] << 20); print "survived\\n"', '512'],
    }));
    assert.equal(run.stdout, 'allocating\n');
    assert.equal(run.status.kind, 'signal');
    assert.equal(run.status.kind === 'signal' && run.status.signal, 9);
    assert.equal(run.exitCode, 128 + 9);
    assert.match(await readFile(join(cgroup.dir, 'memory.oom_control'), 'utf8'), /^oom_kill [1-9]\d*$/m);
  }));

test('on timeout the helper writes cgroup.kill, killing every process of a v2 cgroup', { skip: needsHierarchy(UNIFIED, 'cgroup v2 hierarchy') }, async (t) => {
  await withSandbox(UNIFIED, async (dirs, cgroup) => {
    // The root cgroup has no cgroup.kill; a child has one since Linux 5.14.
    if (!existsSync(join(cgroup.dir, 'cgroup.kill'))) return t.skip('cgroup.kill needs Linux 5.14');
    // A host process in the same cgroup: only cgroup.kill can reach it,
    // since it is outside the sandbox's PID namespace.
    const outsider = spawn('sleep', ['1000'], { stdio: 'ignore' });
    try {
      await once(outsider, 'spawn');
      await writeFile(cgroup.procs, String(outsider.pid));
      const exited = once(outsider, 'exit');

      const run = await runBash(dirs, 'cat /proc/self/cgroup; sleep 100', { cgroupProcs: [cgroup.procs], timeoutMs: 200 });
      assert.equal(run.status.kind, 'timeout');
      assert.match(run.stdout, new RegExp(`^0::${cgroup.dir.slice(UNIFIED.length)}$`, 'm'));
      const ended = await Promise.race([exited, sleep(5000).then(() => 'still running after 5 s')]);
      assert.deepEqual(ended, [null, 'SIGKILL']);
    } finally {
      outsider.kill('SIGKILL');
    }
  });
});

test('a cgroup.procs file that does not exist is a setup error', { skip: needsRoot }, async () => {
  const dirs = await makeSandboxDirs();
  try {
    const missing = '/sys/fs/cgroup/pids/actiond-sandbox-no-such-group/cgroup.procs';
    const run = await runPlan(testPlan(dirs, { cgroupProcs: [missing] }));
    assert.equal(run.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
    assert.equal(
      run.status.kind === 'setup-error' && run.status.message.replace(/^cgroups\.c:\d+: /, ''),
      `--cgroup-procs: open(${missing}): No such file or directory`,
    );
  } finally {
    await dirs.dispose();
  }
});
