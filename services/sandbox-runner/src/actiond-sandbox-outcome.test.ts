// Black-box tests of actiond-sandbox: what the helper reports about the
// action, through its exit status and its status line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandboxDirs, needsRoot, runBash, runHelper, runPlan, testPlan } from './sandbox-helper-fixture.ts';
import type { SandboxDirs } from './sandbox-helper-fixture.ts';
import { sandboxHelperArgs } from './sandbox-helper-args.ts';
import { SANDBOX_SETUP_FAILED_EXIT_CODE } from './sandbox-helper-status.ts';

const skip = needsRoot;

async function withDirs(fn: (dirs: SandboxDirs) => Promise<void>): Promise<void> {
  const dirs = await makeSandboxDirs();
  try {
    await fn(dirs);
  } finally {
    await dirs.dispose();
  }
}

test("the helper exits with the action's exit code and reports it", { skip }, () =>
  withDirs(async (dirs) => {
    for (const code of [0, 3, 125, 255]) {
      const run = await runBash(dirs, `exit ${code}`);
      assert.equal(run.exitCode, code);
      assert.equal(run.status.kind, 'exit');
      assert.equal(run.status.kind === 'exit' && run.status.code, code);
    }
  }));

test('an action killed by a signal gives 128 + the signal and a signal status', { skip }, () =>
  withDirs(async (dirs) => {
    for (const [name, number] of [['KILL', 9], ['USR1', 10], ['TERM', 15]] as const) {
      const run = await runBash(dirs, `kill -${name} $$`);
      assert.equal(run.exitCode, 128 + number, name);
      assert.deepEqual(run.status.kind === 'signal' && run.status.signal, number, name);
    }
  }));

test('the status line carries CPU time and peak RSS of the sandbox', { skip }, () =>
  withDirs(async (dirs) => {
    // 64 MiB touched by perl shows up as the peak RSS.
    const run = await runPlan(testPlan(dirs, { argv: ['perl', '-e', '$x = "a" x (64 << 20); print length $x'] }));
    assert.equal(run.stdout, String(64 << 20));
    assert.ok(run.status.kind === 'exit');
    assert.ok(run.status.usage.maxRssKib >= 64 << 10, `maxrss ${run.status.usage.maxRssKib} KiB`);
    assert.ok(run.status.usage.userMicros + run.status.usage.systemMicros > 0);
    assert.ok(run.status.usage.wallMicros > 0);
  }));

test('a mount step that fails is a setup error with file:line and errno text, exit 125', { skip }, () =>
  withDirs(async (dirs) => {
    const plan = testPlan(dirs);
    const run = await runPlan({ ...plan, mounts: [...plan.mounts, { kind: 'ro-bind', source: '/no/such/dir', target: '/x' }] });
    assert.equal(run.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
    assert.equal(run.status.kind, 'setup-error');
    assert.match(
      run.status.kind === 'setup-error' ? run.status.message : '',
      /^mounts\.c:\d+: --ro-bind: open_tree\(\/no\/such\/dir\): No such file or directory$/,
    );
    assert.match(run.stderr, /^actiond-sandbox: mounts\.c:\d+: --ro-bind: open_tree\(\/no\/such\/dir\)/);
  }));

test('a missing working directory is a setup error', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runPlan(testPlan(dirs, { workdir: '/execroot/missing' }));
    assert.equal(run.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
    assert.match(
      run.status.kind === 'setup-error' ? run.status.message : '',
      /^mounts\.c:\d+: --workdir: chdir\(\/execroot\/missing\): No such file or directory$/,
    );
  }));

test("a command not found in the action's PATH is a setup error, not exit 127", { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runPlan(testPlan(dirs, { argv: ['no-such-command'] }));
    assert.equal(run.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
    assert.match(
      run.status.kind === 'setup-error' ? run.status.message : '',
      /^exec\.c:\d+: 'no-such-command' not found in PATH=\/usr\/bin:\/bin$/,
    );
  }));

test("argv[0] is looked up in the action's PATH, never the helper's", { skip }, () =>
  withDirs(async (dirs) => {
    // The helper's own PATH has /usr/bin; the action's does not.
    const run = await runPlan(testPlan(dirs, { argv: ['true'], env: [{ name: 'PATH', value: '/nowhere' }] }));
    assert.match(run.status.kind === 'setup-error' ? run.status.message : '', /'true' not found in PATH=\/nowhere/);
    const noPath = await runPlan(testPlan(dirs, { argv: ['true'], env: [] }));
    assert.match(
      noPath.status.kind === 'setup-error' ? noPath.status.message : '',
      /'true' has no slash and the action's environment has no PATH/,
    );
    // An empty PATH entry is the working directory; a file there without x is denied.
    await writeFile(join(dirs.execroot, 'tool'), '#!/bin/sh\necho tool ran\n');
    await chmod(join(dirs.execroot, 'tool'), 0o644);
    const denied = await runPlan(testPlan(dirs, { argv: ['tool'], env: [{ name: 'PATH', value: '/nowhere:' }] }));
    assert.match(
      denied.status.kind === 'setup-error' ? denied.status.message : '',
      /'tool' found in PATH=\/nowhere: but not executable: Permission denied/,
    );
    await chmod(join(dirs.execroot, 'tool'), 0o755);
    const found = await runPlan(testPlan(dirs, { argv: ['tool'], env: [{ name: 'PATH', value: '/nowhere:' }] }));
    assert.equal(found.stdout, 'tool ran\n');
  }));

test('the timeout kills the whole sandbox and reports timeout', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, 'sleep 100 & sleep 100', { timeoutMs: 200 });
    assert.equal(run.status.kind, 'timeout');
    assert.equal(run.exitCode, 128 + 9);
    assert.ok(run.status.kind === 'timeout' && run.status.usage.wallMicros >= 200_000);
  }));

test('with a kill delay, the timeout sends SIGTERM first and still reports timeout', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, "trap 'echo got TERM; exit 0' TERM; echo started; while :; do sleep 0.02; done", {
      timeoutMs: 200,
      killDelayMs: 20_000,
    });
    assert.equal(run.stdout, 'started\ngot TERM\n');
    assert.equal(run.status.kind, 'timeout');
  }));

test('SIGTERM to the helper is forwarded to the action, which may exit on its own within the kill delay', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(
      dirs,
      "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.02; done",
      { killDelayMs: 20_000 },
      {
        onSpawn: (child) => {
          child.stdout?.once('data', () => child.kill('SIGTERM'));
        },
      },
    );
    assert.equal(run.stdout, 'ready\ngot TERM\n');
    assert.deepEqual(run.status.kind === 'exit' && run.status.code, 7);
    assert.equal(run.exitCode, 7);
  }));

test('SIGINT to the helper without a kill delay kills the sandbox at once', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, "trap '' TERM INT; echo ready; sleep 100", {}, {
      onSpawn: (child) => {
        child.stdout?.once('data', () => child.kill('SIGINT'));
      },
    });
    assert.equal(run.stdout, 'ready\n');
    assert.deepEqual(run.status.kind === 'signal' && run.status.signal, 9);
  }));

test('stdin is /dev/null even when the helper is given data', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, 'cat; readlink /proc/self/fd/0', {}, { stdin: 'secret from the caller\n' });
    assert.equal(run.stdout, '/dev/null\n');
  }));

test('--stdout and --stderr send the output to host files', { skip }, () =>
  withDirs(async (dirs) => {
    const stdoutPath = join(dirs.scratch, 'stdout');
    const stderrPath = join(dirs.scratch, 'stderr');
    await writeFile(stdoutPath, 'old contents that must be truncated away\n');
    const run = await runBash(dirs, 'echo to-out; echo to-err >&2', { stdoutPath, stderrPath });
    assert.equal(run.status.kind, 'exit');
    assert.equal(run.stdout, '');
    assert.equal(await readFile(stdoutPath, 'utf8'), 'to-out\n');
    assert.equal(await readFile(stderrPath, 'utf8'), 'to-err\n');
  }));

test('without --status-fd the exit status alone tells the outcome', { skip }, () =>
  withDirs(async (dirs) => {
    const { statusFd: _ignored, ...plan } = testPlan(dirs, { argv: ['bash', '-c', 'exit 4'] });
    const run = await runHelper(sandboxHelperArgs(plan));
    assert.equal(run.exitCode, 4);
    assert.equal(run.statusText, '');
  }));

// Bad command lines: each is refused before anything is created, with a
// message naming the flag, on stderr and on the status fd, and exit 125.
const required = ['--root', '/tmp/r', '--workdir', '/', '--uid', '1000', '--gid', '1000'];
const usageErrors: Array<[string, string[], RegExp]> = [
  ['an unknown option', [...required, '--bogus', '--', 'true'], /unknown option '--bogus'/],
  ['a missing value', ['--status-fd', '3', '--root'], /--root needs 1 argument/],
  ['a bind with one argument', [...required, '--ro-bind', '/usr'], /--ro-bind needs 2 arguments/],
  ['no -- before argv', [...required], /missing '--' before the action's argv/],
  ['an empty argv', [...required, '--'], /no action argv after '--'/],
  ['a missing --root', ['--workdir', '/', '--uid', '1', '--gid', '1', '--', 'true'], /--root is required/],
  ['a missing --uid', ['--root', '/tmp/r', '--workdir', '/', '--gid', '1', '--', 'true'], /--uid is required/],
  ['uid 0', [...required, '--uid', '0', '--', 'true'], /--uid: 0 is refused/],
  ['gid 0', [...required, '--gid', '0', '--', 'true'], /--gid: 0 is refused/],
  ['a non-numeric uid', [...required, '--uid', '12a', '--', 'true'], /--uid: '12a' is not a decimal number/],
  ['a uid of -1', [...required, '--uid', '4294967295', '--', 'true'], /--uid: 4294967295 is larger than/],
  ['a relative root', ['--root', 'rel', '--workdir', '/', '--', 'true'], /--root: host path 'rel' is not absolute/],
  ['a relative bind source', [...required, '--ro-bind', 'usr', '/usr', '--', 'true'], /host path 'usr' is not absolute/],
  ['a relative target', [...required, '--tmpfs', 'tmp', '--', 'true'], /--tmpfs: 'tmp' is not an absolute path/],
  ['a target with ..', [...required, '--tmpfs', '/a/../b', '--', 'true'], /'\/a\/\.\.\/b' is not a normalized path/],
  ['a target with a trailing slash', [...required, '--tmpfs', '/a/', '--', 'true'], /is not a normalized path/],
  ['/ as a target', [...required, '--proc', '/', '--', 'true'], /--proc: '\/' cannot be a target/],
  ['a target twice', [...required, '--tmpfs', '/t', '--proc', '/t', '--', 'true'], /\/t is already the target/],
  ['an env entry without =', [...required, '--env', 'NOVALUE', '--', 'true'], /--env: 'NOVALUE' is not KEY=VALUE/],
  ['an env entry without a name', [...required, '--env', '=x', '--', 'true'], /--env: '=x' has an empty name/],
  ['an env name twice', [...required, '--env', 'A=1', '--env', 'A=2', '--', 'true'], /--env: A is given twice/],
  ['a too long hostname', [...required, '--hostname', 'h'.repeat(65), '--', 'true'], /is not 1 to 64 characters/],
  ['a timeout that is no number', [...required, '--timeout-ms', '1s', '--', 'true'], /--timeout-ms: '1s' is not a decimal/],
  ['a cgroup dir instead of its procs file', [...required, '--cgroup-procs', '/sys/fs/cgroup/pids', '--', 'true'], /is not a cgroup.procs file/],
];

for (const [what, args, message] of usageErrors) {
  test(`the helper refuses ${what} with a setup error naming it`, { skip }, async () => {
    const run = await runHelper(['--status-fd', '3', ...args]);
    assert.equal(run.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
    assert.match(run.statusText, /^setup-error options\.c:\d+: /);
    assert.match(run.statusText, message);
    assert.match(run.stderr, message);
  });
}

test('a status fd that is not open is refused on stderr', { skip }, async () => {
  const run = await runHelper(['--status-fd', '9', ...required, '--', 'true']);
  assert.equal(run.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
  assert.match(run.stderr, /--status-fd: fcntl\(9, F_SETFD, FD_CLOEXEC\): Bad file descriptor/);
  const stdio = await runHelper(['--status-fd', '1', ...required, '--', 'true']);
  assert.match(stdio.stderr, /--status-fd: 1 is stdin, stdout or stderr/);
});

test('a --netns-fd that is not an open network namespace other than stdio and the status fd is refused, naming it', { skip }, async () => {
  const stdio = await runHelper(['--netns-fd', '2', ...required, '--', 'true']);
  assert.match(stdio.stderr, /--netns-fd: 2 is stdin, stdout or stderr/);
  const closed = await runHelper(['--status-fd', '3', '--netns-fd', '9', ...required, '--', 'true']);
  assert.equal(closed.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
  assert.match(closed.statusText, /^setup-error options\.c:\d+: --netns-fd: fcntl\(9, F_SETFD, FD_CLOEXEC\): Bad file descriptor\n$/);
  const same = await runHelper(['--status-fd', '3', '--netns-fd', '3', ...required, '--', 'true']);
  assert.match(same.statusText, /--netns-fd: 3 is also the --status-fd/);
  // fd 3 is the status pipe, which is no network namespace.
  const notNamespace = await runHelper(['--netns-fd', '3', ...required, '--', 'true']);
  assert.equal(notNamespace.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
  assert.match(notNamespace.stderr, /outer\.c:\d+: --netns-fd: setns\(3, CLONE_NEWNET\): Invalid argument/);
});

test('a --mntns-fd that is not the launcher\'s template mount namespace is refused, naming it, and nothing is mounted on the host', { skip }, async () => {
  const stdio = await runHelper(['--mntns-fd', '2', ...required, '--', 'true']);
  assert.match(stdio.stderr, /--mntns-fd: 2 is stdin, stdout or stderr/);
  const same = await runHelper(['--status-fd', '3', '--mntns-fd', '3', ...required, '--', 'true']);
  assert.match(same.statusText, /--mntns-fd: 3 is also the --status-fd or --netns-fd/);
  // fd 3 is the status pipe, which is no mount namespace.
  const notNamespace = await runHelper(['--mntns-fd', '3', ...required, '--', 'true']);
  assert.equal(notNamespace.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
  assert.match(notNamespace.stderr, /outer\.c:\d+: --mntns-fd: setns\(3, CLONE_NEWNS\): Invalid argument/);
  // The host's own mount namespace: a template's / is an empty read-only tmpfs.
  // Where a template's root is built: /root, which the host has too.
  const mountsOnRoot = async () => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.split(' ')[4] === '/root');
  const before = await mountsOnRoot();
  const host = openSync('/proc/self/ns/mnt', 'r');
  try {
    const run = await runHelper(['--status-fd', '3', '--mntns-fd', '4', ...required, '--', 'true'], { fd4: host });
    assert.equal(run.exitCode, SANDBOX_SETUP_FAILED_EXIT_CODE);
    assert.match(run.statusText, /^setup-error mounts\.c:\d+: --mntns-fd: not the launcher's template: its \/ is not a read-only tmpfs\n$/);
  } finally {
    closeSync(host);
  }
  assert.deepEqual(await mountsOnRoot(), before);
});

test('host files for output that cannot be opened are a setup error', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runPlan(testPlan(dirs, { stdoutPath: '/no/such/dir/stdout' }));
    assert.match(
      run.status.kind === 'setup-error' ? run.status.message : '',
      /^run\.c:\d+: --stdout: open\(\/no\/such\/dir\/stdout\): No such file or directory$/,
    );
  }));

test('a newline in a bad path cannot forge a second status line', { skip }, () =>
  withDirs(async (dirs) => {
    const plan = testPlan(dirs);
    const run = await runPlan({ ...plan, mounts: [...plan.mounts, { kind: 'ro-bind', source: '/no\nexit 0', target: '/x' }] });
    assert.equal(run.status.kind, 'setup-error');
    assert.match(run.statusText, /^setup-error [^\n]*\/no\?exit 0[^\n]*\n$/);
  }));
