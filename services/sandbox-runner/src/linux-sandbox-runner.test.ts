import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForkServerSandboxHelperLauncher } from './fork-server-sandbox-helper-launcher.ts';
import { LinuxSandboxRunner } from './linux-sandbox-runner.ts';
import { makeHostRuntime, needsSandbox, SANDBOX_GID, SANDBOX_UID } from './host-runtime-fixture.ts';
import type { RunRequest } from './runner.ts';
import type { Runtime } from './runtime-provider.ts';
import type { SandboxHelperLauncher } from './sandbox-helper-launcher.ts';
import { sandboxHelperPath } from './sandbox-helper-path.ts';
import { SpawningSandboxHelperLauncher } from './spawning-sandbox-helper-launcher.ts';

const runtime: Runtime = {
  name: 'rt',
  rootDirectory: '/images/rt',
  entries: [
    { name: 'bin', kind: 'symlink', target: 'usr/bin' },
    { name: 'dev', kind: 'directory', source: '/images/rt/dev' },
    { name: 'etc', kind: 'directory', source: '/images/rt/etc' },
    { name: 'proc', kind: 'directory', source: '/images/rt/proc' },
    { name: 'sys', kind: 'directory', source: '/images/rt/sys' },
    { name: 'tmp', kind: 'directory', source: '/images/rt/tmp' },
    { name: 'usr', kind: 'directory', source: '/images/rt/usr' },
    { name: 'work', kind: 'directory', source: '/images/rt/work' },
  ],
  hasBash: true,
};

function request(overrides: Partial<RunRequest> = {}): RunRequest {
  return {
    inputRoot: '/srv/exec/1/execroot',
    workingDirectory: '',
    arguments: ['true'],
    environment: [{ name: 'PATH', value: '/usr/bin' }],
    runtime,
    network: 'private',
    cgroupProcs: [],
    timeoutMs: 0,
    stdoutPath: '/srv/exec/1/stdout',
    stderrPath: '/srv/exec/1/stderr',
    scratchDirectory: '/srv/exec/1/root',
    signal: new AbortController().signal,
    ...overrides,
  };
}

test('the plan binds the runtime read-only at /, replaces its proc, dev, tmp and sys, and binds the inputs at /work', () => {
  const runner = new LinuxSandboxRunner({ helperPath: '/x', uid: 65534, gid: 65534 });
  const plan = runner.plan(request({ workingDirectory: 'pkg/sub' }));
  assert.deepEqual(plan.mounts, [
    { kind: 'symlink', linkText: 'usr/bin', target: '/bin' },
    { kind: 'ro-bind', source: '/images/rt/etc', target: '/etc' },
    { kind: 'ro-bind', source: '/images/rt/usr', target: '/usr' },
    { kind: 'proc', target: '/proc' },
    { kind: 'dev', target: '/dev' },
    { kind: 'tmpfs', target: '/tmp' },
    { kind: 'rw-bind', source: '/srv/exec/1/execroot', target: '/work' },
  ]);
  assert.equal(plan.workdir, '/work/pkg/sub');
  assert.equal(plan.network, false);
  assert.deepEqual([plan.uid, plan.gid], [65534, 65534]);
});

test('without a runtime only the inputs, /proc, /dev, /tmp and a generated /etc/hosts exist', () => {
  const runner = new LinuxSandboxRunner({ helperPath: '/x', uid: 65534, gid: 65534 });
  const plan = runner.plan(request({ runtime: undefined, network: 'host' }));
  assert.deepEqual(plan.mounts.map((step) => `${step.kind} ${step.target}`), [
    'proc /proc', 'dev /dev', 'tmpfs /tmp', 'etc-hosts /etc/hosts', 'rw-bind /work',
  ]);
  assert.equal(plan.network, true);
  assert.equal(plan.workdir, '/work');
});

async function withDirs(fn: (dirs: { inputRoot: string; scratch: string; base: string }) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'linux-sandbox-runner-'));
  const dirs = { base, inputRoot: join(base, 'execroot'), scratch: join(base, 'root') };
  await mkdir(dirs.inputRoot);
  await chmod(dirs.inputRoot, 0o1777);
  await mkdir(dirs.scratch);
  try {
    await fn(dirs);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/** The two ways of starting the helper; every run test below runs with each. */
const LAUNCHERS: readonly (readonly [string, () => SandboxHelperLauncher & { close?(): Promise<void> }])[] = [
  ['spawned', () => new SpawningSandboxHelperLauncher(sandboxHelperPath())],
  ['fork server', () => new ForkServerSandboxHelperLauncher(sandboxHelperPath())],
];

for (const [how, makeLauncher] of LAUNCHERS) {
  async function runIn(dirs: { inputRoot: string; scratch: string; base: string }, overrides: Partial<RunRequest>) {
    const host = await makeHostRuntime();
    const launcher = makeLauncher();
    try {
      const runner = new LinuxSandboxRunner({ helperPath: sandboxHelperPath(), uid: SANDBOX_UID, gid: SANDBOX_GID, launcher });
      return await runner.run(request({
        inputRoot: dirs.inputRoot,
        scratchDirectory: dirs.scratch,
        stdoutPath: join(dirs.base, 'stdout'),
        stderrPath: join(dirs.base, 'stderr'),
        runtime: host.runtime,
        ...overrides,
      }));
    } finally {
      await launcher.close?.();
      await host.dispose();
    }
  }

  test(`a command runs in the sandbox as the sandbox user, with its output in the given files (${how})`, { skip: needsSandbox, timeout: 30_000 }, () =>
    withDirs(async (dirs) => {
      const outcome = await runIn(dirs, { arguments: ['bash', '-c', 'id -u; id -g; pwd; echo err >&2; exit 3'] });
      assert.equal(outcome.kind, 'exited');
      assert.equal(outcome.kind === 'exited' && outcome.exitCode, 3);
      assert.equal(await readFile(join(dirs.base, 'stdout'), 'utf8'), `${SANDBOX_UID}\n${SANDBOX_GID}\n/work\n`);
      assert.equal(await readFile(join(dirs.base, 'stderr'), 'utf8'), 'err\n');
    }));

  test(`a program that does not exist is a setup failure that is the action's fault (${how})`, { skip: needsSandbox, timeout: 30_000 }, () =>
    withDirs(async (dirs) => {
      const missing = await runIn(dirs, { arguments: ['no-such-program'] });
      assert.equal(missing.kind, 'setup-failed');
      assert.ok(missing.kind === 'setup-failed' && missing.actionFault, JSON.stringify(missing));
      assert.match(missing.kind === 'setup-failed' ? missing.message : '', /'no-such-program' not found in PATH=\/usr\/bin/);
      const badDir = await runIn(dirs, { workingDirectory: 'no/such/dir' });
      assert.ok(badDir.kind === 'setup-failed' && badDir.actionFault, JSON.stringify(badDir));
    }));

  test(`a setup failure of the server's making is not the action's fault (${how})`, { skip: needsSandbox, timeout: 30_000 }, () =>
    withDirs(async (dirs) => {
      const outcome = await runIn(dirs, { inputRoot: join(dirs.base, 'missing-execroot') });
      assert.equal(outcome.kind, 'setup-failed');
      assert.ok(outcome.kind === 'setup-failed' && !outcome.actionFault, JSON.stringify(outcome));
    }));

  test(`the timeout kills the command and reports timed-out (${how})`, { skip: needsSandbox, timeout: 30_000 }, () =>
    withDirs(async (dirs) => {
      const outcome = await runIn(dirs, { arguments: ['bash', '-c', 'echo started; exec sleep 100'], timeoutMs: 300 });
      assert.equal(outcome.kind, 'timed-out');
      assert.equal(await readFile(join(dirs.base, 'stdout'), 'utf8'), 'started\n');
    }));

  test(`aborting the request (server shutdown) kills the command (${how})`, { skip: needsSandbox, timeout: 30_000 }, () =>
    withDirs(async (dirs) => {
      const controller = new AbortController();
      const running = runIn(dirs, { arguments: ['sleep', '100'], signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      const outcome = await running;
      assert.equal(outcome.kind, 'signaled');
    }));
}
