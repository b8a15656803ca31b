import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxHelperArgs } from './sandbox-helper-args.ts';
import type { SandboxHelperPlan } from './sandbox-helper-args.ts';
import { InvalidSandboxPlanError } from './invalid-sandbox-plan-error.ts';

const minimal: SandboxHelperPlan = {
  root: '/var/actiond/r1',
  mounts: [],
  workdir: '/',
  uid: 1000,
  gid: 1001,
  env: [],
  argv: ['true'],
};

function rejects(plan: Partial<SandboxHelperPlan> & Record<string, unknown>, field: string, text: RegExp): void {
  assert.throws(
    () => sandboxHelperArgs({ ...minimal, ...plan } as SandboxHelperPlan),
    (error: unknown) => {
      assert.ok(error instanceof InvalidSandboxPlanError);
      assert.equal(error.field, field);
      assert.match(error.message, text);
      return true;
    },
  );
}

test('a minimal plan gives the required flags and the argv after --', () => {
  assert.deepEqual(sandboxHelperArgs(minimal), [
    '--root', '/var/actiond/r1', '--workdir', '/', '--uid', '1000', '--gid', '1001', '--', 'true',
  ]);
});

test('every plan field maps to its flag, mounts and env in plan order', () => {
  const args = sandboxHelperArgs({
    root: '/r',
    mounts: [
      { kind: 'ro-bind', source: '/opt/runtime/usr', target: '/usr' },
      { kind: 'symlink', linkText: 'usr/bin', target: '/bin' },
      { kind: 'proc', target: '/proc' },
      { kind: 'dev', target: '/dev' },
      { kind: 'tmpfs', target: '/tmp' },
      { kind: 'rw-bind', source: '/var/actiond/execroot/7', target: '/execroot' },
      { kind: 'etc-hosts', target: '/etc/hosts' },
    ],
    workdir: '/execroot',
    uid: 65534,
    gid: 65534,
    hostname: 'sandbox',
    network: true,
    cgroupProcs: ['/sys/fs/cgroup/memory/a/cgroup.procs', '/sys/fs/cgroup/pids/a/cgroup.procs'],
    timeoutMs: 60000,
    killDelayMs: 500,
    statusFd: 3,
    stdoutPath: '/var/actiond/out/stdout',
    stderrPath: '/var/actiond/out/stderr',
    env: [{ name: 'PATH', value: '/usr/bin' }, { name: 'EMPTY', value: '' }, { name: 'EQ', value: 'a=b' }],
    argv: ['bash', '-c', 'echo "$@"', '--', ''],
  });
  assert.deepEqual(args, [
    '--root', '/r', '--workdir', '/execroot', '--uid', '65534', '--gid', '65534',
    '--hostname', 'sandbox', '--network',
    '--ro-bind', '/opt/runtime/usr', '/usr',
    '--symlink', 'usr/bin', '/bin',
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--rw-bind', '/var/actiond/execroot/7', '/execroot',
    '--etc-hosts', '/etc/hosts',
    '--cgroup-procs', '/sys/fs/cgroup/memory/a/cgroup.procs',
    '--cgroup-procs', '/sys/fs/cgroup/pids/a/cgroup.procs',
    '--timeout-ms', '60000', '--kill-delay-ms', '500', '--status-fd', '3',
    '--stdout', '/var/actiond/out/stdout', '--stderr', '/var/actiond/out/stderr',
    '--env', 'PATH=/usr/bin', '--env', 'EMPTY=', '--env', 'EQ=a=b',
    '--', 'bash', '-c', 'echo "$@"', '--', '',
  ]);
});

test('host paths must be absolute and the host root cannot be the sandbox root', () => {
  rejects({ root: 'relative/root' }, 'root', /not absolute/);
  rejects({ root: '/' }, 'root', /cannot be the root/);
  rejects({ mounts: [{ kind: 'ro-bind', source: 'usr', target: '/usr' }] }, 'mounts[0].source', /not absolute/);
  rejects({ stdoutPath: 'out.txt' }, 'stdoutPath', /not absolute/);
  rejects({ stderrPath: '' }, 'stderrPath', /not absolute/);
});

test('sandbox paths must be normalized absolute paths, and / is no mount target', () => {
  rejects({ workdir: 'execroot' }, 'workdir', /not an absolute path/);
  rejects({ workdir: '/execroot/' }, 'workdir', /not normalized/);
  rejects({ mounts: [{ kind: 'tmpfs', target: '/a/../etc' }] }, 'mounts[0].target', /not normalized/);
  rejects({ mounts: [{ kind: 'tmpfs', target: '/a//b' }] }, 'mounts[0].target', /not normalized/);
  rejects({ mounts: [{ kind: 'tmpfs', target: '/./tmp' }] }, 'mounts[0].target', /not normalized/);
  rejects({ mounts: [{ kind: 'proc', target: '/' }] }, 'mounts[0].target', /cannot be a target/);
});

test('two steps may not share a target', () => {
  rejects(
    { mounts: [{ kind: 'tmpfs', target: '/tmp' }, { kind: 'ro-bind', source: '/x', target: '/tmp' }] },
    'mounts[1].target',
    /already the target/,
  );
});

test('an unknown step kind and an empty symlink text are refused', () => {
  rejects({ mounts: [{ kind: 'overlay', target: '/x' } as never] }, 'mounts[0].kind', /unknown step kind "overlay"/);
  rejects({ mounts: [{ kind: 'symlink', linkText: '', target: '/bin' }] }, 'mounts[0].linkText', /empty/);
});

test('uid and gid must be unprivileged 32-bit ids', () => {
  rejects({ uid: 0 }, 'uid', /not an unprivileged id/);
  rejects({ gid: 0 }, 'gid', /not an unprivileged id/);
  rejects({ uid: -5 }, 'uid', /not an unprivileged id/);
  rejects({ uid: 1.5 }, 'uid', /not an unprivileged id/);
  rejects({ gid: 2 ** 32 - 1 }, 'gid', /not an unprivileged id/);
});

test('environment names are non-empty, without "=", and unique', () => {
  rejects({ env: [{ name: '', value: 'x' }] }, 'env[0].name', /empty or contains "="/);
  rejects({ env: [{ name: 'A=B', value: 'x' }] }, 'env[0].name', /empty or contains "="/);
  rejects({ env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }, 'env[1].name', /given twice/);
});

test('a NUL byte anywhere is refused rather than silently cutting the string', () => {
  rejects({ argv: ['echo', 'a\0b'] }, 'argv[1]', /NUL/);
  rejects({ env: [{ name: 'A', value: 'x\0' }] }, 'env[0].value', /NUL/);
  rejects({ mounts: [{ kind: 'tmpfs', target: '/t\0mp' }] }, 'mounts[0].target', /NUL/);
});

test('argv must be non-empty with a non-empty argv[0]', () => {
  rejects({ argv: [] }, 'argv', /empty/);
  rejects({ argv: [''] }, 'argv[0]', /empty/);
});

test('limits, fds, hostnames and cgroup files are range-checked', () => {
  rejects({ timeoutMs: -1 }, 'timeoutMs', /whole number of ms/);
  rejects({ timeoutMs: 2 ** 41 }, 'timeoutMs', /whole number of ms/);
  rejects({ killDelayMs: 0.5 }, 'killDelayMs', /whole number of ms/);
  rejects({ statusFd: 2 }, 'statusFd', />= 3/);
  rejects({ hostname: '' }, 'hostname', /1 to 64 bytes/);
  rejects({ hostname: 'h'.repeat(65) }, 'hostname', /1 to 64 bytes/);
  rejects({ cgroupProcs: ['/sys/fs/cgroup/pids/a'] }, 'cgroupProcs[0]', /not a cgroup.procs file/);
  rejects({ cgroupProcs: ['cgroup.procs'] }, 'cgroupProcs[0]', /not absolute/);
});
