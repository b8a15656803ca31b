// What an action must not be able to do, tried for real against the
// executor: each test is one hostile action and the rule it runs into.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { status } from '@grpc/grpc-js';
import { SHA256 } from '@actiond/digest';
import { bash, needsExecutor, withExecutor } from './executor-fixture.ts';
import type { ExecutorHarness } from './executor-fixture.ts';
import { SANDBOX_UID } from './host-runtime-fixture.ts';
import { file } from './input-fixture.ts';

const options = { skip: needsExecutor, timeout: 60_000 };

async function stdout(h: ExecutorHarness, response: { result?: { stdoutDigest?: { hash: string; sizeBytes: number } } }): Promise<string> {
  return (await h.blob(response.result?.stdoutDigest)).toString();
}

test('network: the action has only a loopback interface, and connecting out fails without a route', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({
      command: bash('ls /sys/class/net 2>/dev/null || cat /proc/net/dev | tail -n +3 | cut -d: -f1; ' +
        '(exec 3<>/dev/tcp/192.0.2.1/80) 2>&1 | head -n 1 | sed "s/.*: //"; ' +
        '(exec 3<>/dev/tcp/127.0.0.1/1) 2>&1 | head -n 1 | sed "s/.*: //"'),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    const lines = (await stdout(h, response)).trim().split('\n').map((line) => line.trim());
    assert.deepEqual(lines, ['lo', 'Network is unreachable', 'Connection refused']);
  }));

test('network=host is refused unless the server allows it, naming the flag', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({ command: bash('true'), platform: { network: 'host' } });
    assert.equal(response.status?.code, status.INVALID_ARGUMENT);
    assert.match(response.status!.message, /network: "host" needs a server started with --allow-network/);
  }));

test('host files outside the inputs are invisible: the repository, /root, the CAS and the action directories', options, () =>
  withExecutor(async (h) => {
    const probes = ['/work/main', '/work/shared', '/root', h.store.root, h.execDirectory, `${h.store.root}/cas`];
    const script = probes.map((path) => `if [ -e '${path}' ]; then echo 'visible ${path}'; else echo 'absent ${path}'; fi`).join('; ');
    const { response } = await h.run({ command: bash(`${script}; ls /`) });
    const lines = (await stdout(h, response)).trim().split('\n');
    assert.deepEqual(lines.slice(0, probes.length), probes.map((path) => `absent ${path}`));
    // The root holds the runtime, the sandbox's own mounts and the inputs, nothing of the host's.
    assert.deepEqual(lines.slice(probes.length).sort(), ['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr', 'work']);
  }));

test('inputs cannot be written, truncated, deleted, renamed, chmod-ed or written through a new link; new files beside them can be made', options, () =>
  withExecutor(async (h) => {
    const content = 'precious input\n';
    const attempts = [
      'echo overwritten > pkg/input.txt',
      ': > pkg/input.txt',
      'echo appended >> pkg/input.txt',
      'rm -f pkg/input.txt',
      'mv pkg/input.txt pkg/renamed.txt',
      'chmod 666 pkg/input.txt',
      'ln pkg/input.txt pkg/linked.txt && echo via-link > pkg/linked.txt',
      'rm -rf pkg',
      'mv pkg moved',
      'touch -d 2000-01-01 pkg/input.txt',
    ];
    const script = attempts.map((cmd) => `if (${cmd}) 2>/dev/null; then echo 'ALLOWED: ${cmd}'; fi`).join('; ');
    const { response } = await h.run({
      inputs: { pkg: { 'input.txt': file(content) } },
      command: bash(`${script}; echo new > pkg/new.txt && cat pkg/new.txt; cat pkg/input.txt; id -u`, { outputFiles: ['pkg/new.txt'] }),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    assert.equal(await stdout(h, response), `new\n${content}${SANDBOX_UID}\n`);
    assert.equal((await h.blob(response.result!.outputFiles[0]!.digest)).toString(), 'new\n');
    // The CAS blob file itself: same bytes, read-only, root's.
    const digest = SHA256.compute(Buffer.from(content));
    const blob = h.store.blobs.pathOf(digest);
    assert.equal(await readFile(blob, 'utf8'), content);
    const info = await lstat(blob);
    assert.deepEqual([info.mode & 0o7777, info.uid], [0o444, 0]);
    assert.deepEqual(SHA256.compute(await readFile(blob)), digest);
  }));

test('mutates_inputs=1 gives a private copy-on-write view: the action rewrites an input, the CAS is unchanged', options, () =>
  withExecutor(async (h) => {
    const content = 'original\n';
    const { response } = await h.run({
      inputs: { pkg: { 'input.txt': file(content), 'gone.txt': file('delete me') } },
      platform: { mutates_inputs: '1' },
      command: bash('echo rewritten >> pkg/input.txt && rm pkg/gone.txt && cat pkg/input.txt && ls pkg', { outputPaths: ['pkg/input.txt'] }),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    assert.equal(await stdout(h, response), `${content}rewritten\ninput.txt\n`);
    assert.equal((await h.blob(response.result!.outputFiles[0]!.digest)).toString(), `${content}rewritten\n`);
    const blob = h.store.blobs.pathOf(SHA256.compute(Buffer.from(content)));
    assert.equal(await readFile(blob, 'utf8'), content);
    const info = await lstat(blob);
    assert.deepEqual([info.mode & 0o7777, info.uid], [0o444, 0], 'the view was chown-ed, the blob was not');
    assert.equal(await readFile(h.store.blobs.pathOf(SHA256.compute(Buffer.from('delete me'))), 'utf8'), 'delete me');
    assert.deepEqual(await h.leftovers(), [], 'the overlay is unmounted and the directory removed');
  }));

test('a fork bomb stops at the process limit and the result says so', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({
      platform: { pids: '32' },
      // Forks until refused (bash would retry a refused fork for seconds, perl does not);
      // the children sleep until the sandbox ends.
      command: bash('perl -e \'my $n = 0; for (1..500) { my $p = fork; last unless defined $p; if (!$p) { sleep 60; exit 0 } $n++ } print "started $n\\n"; exit 1\''),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    const started = Number(/started (\d+)/.exec(await stdout(h, response))?.[1]);
    assert.ok(started < 32, `started ${started} processes`);
    assert.match(response.message, /hit its limit of 32 processes/);
  }));

test('a memory hog is killed at the memory limit and the result says so', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({
      platform: { memory: '64Mi' },
      command: bash('perl -e \'my $x = "a" x (512 * 1024 * 1024); print length $x\''),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    assert.notEqual(response.result?.exitCode, 0);
    assert.match(response.message, /hit its memory limit of 67108864 bytes/);
  }));

test('a daemon that outlives its parent is killed when the action ends', options, () =>
  withExecutor(async (h) => {
    const marker = `${Date.now() % 100000}.${process.pid}`;
    const { response } = await h.run({ command: bash(`setsid sleep ${marker} </dev/null >/dev/null 2>&1 & disown; echo spawned`) });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    assert.equal(await stdout(h, response), 'spawned\n');
    const survivors = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker);
      } catch {
        return false;
      }
    });
    assert.deepEqual(survivors, []);
  }));

test('sleep is killed by the timeout: DEADLINE_EXCEEDED, with what it printed before', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({ command: bash('echo before; exec sleep 100'), timeoutMs: 500 });
    assert.equal(response.status?.code, status.DEADLINE_EXCEEDED);
    assert.match(response.status!.message, /did not finish within its timeout of 500 ms/);
    assert.equal(await stdout(h, response), 'before\n');
  }));

test('an output symlink to /etc/passwd is stored as a symlink with that target, never followed', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({
      command: bash('ln -s /etc/passwd leak; mkdir d; ln -s /etc/passwd d/leak', { outputPaths: ['leak', 'd'] }),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    assert.deepEqual(response.result!.outputSymlinks.map((s) => [s.path, s.target]), [['leak', '/etc/passwd']]);
    assert.deepEqual(response.result!.outputFiles, []);
    const { Tree } = await import('@actiond/proto');
    const tree = Tree.decode(await h.blob(response.result!.outputDirectories[0]!.treeDigest));
    assert.deepEqual(tree.root!.symlinks.map((s) => [s.name, s.target]), [['leak', '/etc/passwd']]);
  }));

test('an output path with ".." is INVALID_ARGUMENT naming it, and the action does not run', options, () =>
  withExecutor(async (h) => {
    const { response } = await h.run({ command: bash('echo escaped > ../../escape', { outputFiles: ['../../escape'] }) });
    assert.equal(response.status?.code, status.INVALID_ARGUMENT);
    assert.match(response.status!.message, /output file "\.\.\/\.\.\/escape" has a "\.\." segment/);
    assert.equal(response.result, undefined);
  }));

test('the environment is exactly the Command\'s: nothing of the server\'s leaks in', options, () =>
  withExecutor(async (h) => {
    const env = [
      { name: 'A', value: '1' },
      { name: 'PATH', value: '/usr/bin:/bin' },
      { name: 'WITH_SPACE', value: 'x y' },
    ];
    const { response } = await h.run({ command: { arguments: ['/usr/bin/env'], environmentVariables: env } });
    assert.equal(await stdout(h, response), 'A=1\nPATH=/usr/bin:/bin\nWITH_SPACE=x y\n');
  }));

// The same hostile actions in a cgroup an ordinary action used just before
// (the server reuses emptied cgroups: PooledCgroupManager), and the
// ordinary action after them, whose result must not carry their counters.

/** Runs an ordinary action and checks that its cgroup went back to the pool, for the next action with `platform` to get. */
async function warmUp(h: ExecutorHarness, platform: Record<string, string>): Promise<void> {
  const reused = h.pool!.reused;
  const { response } = await h.run({ command: bash('echo ordinary'), platform });
  assert.equal(response.status?.code, status.OK, response.status?.message);
  assert.equal(h.pool!.reused, reused + 1, 'the cgroup was taken back');
  assert.equal(h.pool!.ready, 1);
}

/** A failing ordinary action in the (reused) cgroup: its message names no limit, since it hit none. */
async function failsWithoutLimits(h: ExecutorHarness, platform: Record<string, string>): Promise<void> {
  const { response } = await h.run({ command: bash('exit 3'), platform });
  assert.equal(response.result?.exitCode, 3);
  assert.equal(response.message, '', 'the counters of the action before are not reported');
}

const pooled = { pooledCgroups: true };

test('a fork bomb in a reused cgroup stops at the process limit, and the next action in that cgroup is not blamed for it', options, () =>
  withExecutor(async (h) => {
    const platform = { pids: '32' };
    await warmUp(h, platform);
    const { response } = await h.run({
      platform,
      command: bash('perl -e \'my $n = 0; for (1..500) { my $p = fork; last unless defined $p; if (!$p) { sleep 60; exit 0 } $n++ } print "started $n\\n"; exit 1\''),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    const started = Number(/started (\d+)/.exec(await stdout(h, response))?.[1]);
    assert.ok(started < 32 && started > 20, `started ${started} processes: the earlier action took none of the limit`);
    assert.match(response.message, /hit its limit of 32 processes/);
    assert.equal(h.pool!.reused, 2, 'the bomb\'s cgroup was emptied and taken back too');
    await failsWithoutLimits(h, platform);
  }, {}, {}, pooled));

test('a memory hog in a reused cgroup is killed at the memory limit, and the next action in that cgroup is not blamed for it', options, () =>
  withExecutor(async (h) => {
    const platform = { memory: '64Mi' };
    await warmUp(h, platform);
    const { response } = await h.run({
      platform,
      command: bash('perl -e \'my $x = "a" x (512 * 1024 * 1024); print length $x\''),
    });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    assert.notEqual(response.result?.exitCode, 0);
    assert.match(response.message, /hit its memory limit of 67108864 bytes/);
    assert.equal(h.pool!.reused, 2);
    await failsWithoutLimits(h, platform);
  }, {}, {}, pooled));

test('a daemon in a reused cgroup is killed when the action ends, and the cgroup is reused only once it is gone', options, () =>
  withExecutor(async (h) => {
    await warmUp(h, {});
    const marker = `${Date.now() % 100000}.${process.pid}`;
    const { response } = await h.run({ command: bash(`setsid sleep ${marker} </dev/null >/dev/null 2>&1 & disown; echo spawned`) });
    assert.equal(response.status?.code, status.OK, response.status?.message);
    const survivors = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker);
      } catch {
        return false;
      }
    });
    assert.deepEqual(survivors, []);
    assert.equal(h.pool!.reused, 2);
    await failsWithoutLimits(h, {});
  }, {}, {}, pooled));

test('an action after one that timed out in a reused cgroup gets a fresh cgroup and runs', options, () =>
  withExecutor(async (h) => {
    await warmUp(h, {});
    const { response } = await h.run({ command: bash('echo before; exec sleep 100'), timeoutMs: 500 });
    assert.equal(response.status?.code, status.DEADLINE_EXCEEDED);
    assert.equal(h.pool!.reused, 1, 'the timed-out action\'s cgroup, whose cgroup.kill the helper may have written, was removed');
    const after = await h.run({ command: bash('echo after') });
    assert.equal(after.response.result?.exitCode, 0);
    assert.equal(await stdout(h, after.response), 'after\n');
  }, {}, {}, pooled));
