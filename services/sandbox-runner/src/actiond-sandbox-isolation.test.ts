// Black-box tests of actiond-sandbox: what an action can see and do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ACTION_GID, ACTION_UID, makeSandboxDirs, needsRoot, runBash, runPlan, testPlan } from './sandbox-helper-fixture.ts';
import type { SandboxDirs } from './sandbox-helper-fixture.ts';

const skip = needsRoot;

async function withDirs(fn: (dirs: SandboxDirs) => Promise<void>): Promise<void> {
  const dirs = await makeSandboxDirs();
  try {
    await fn(dirs);
  } finally {
    await dirs.dispose();
  }
}

/** The top-level directories testPlan binds from the host (usr, and bin, lib, lib64 where they exist). */
function runtimeTopDirs(): string[] {
  return ['usr', 'bin', 'lib', 'lib64'].filter((name) => existsSync(`/${name}`));
}

function statusField(status: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1];
}

test('the environment is exactly the given one, in order, nothing inherited', { skip }, () =>
  withDirs(async (dirs) => {
    const env = [
      { name: 'PATH', value: '/usr/bin' },
      { name: 'EMPTY', value: '' },
      { name: 'WITH_EQUALS', value: 'a=b=c' },
      { name: 'SPACES', value: ' x y ' },
    ];
    const run = await runPlan(testPlan(dirs, { argv: ['/usr/bin/env'], env }));
    assert.equal(run.stdout, 'PATH=/usr/bin\nEMPTY=\nWITH_EQUALS=a=b=c\nSPACES= x y \n');
    const none = await runPlan(testPlan(dirs, { argv: ['/usr/bin/env'], env: [] }));
    assert.equal(none.stdout, '');
  }));

test('the action runs in its own PID namespace under the helper as PID 1', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, 'echo $$; read -r comm < /proc/1/comm; echo $comm; echo /proc/[0-9]*');
    // PID 1 is the helper's init, the action the first process it forks; no
    // host process is visible (bash builtins only, so no third process).
    assert.equal(run.stdout, '2\nactiond-sandbox\n/proc/1 /proc/2\n');
  }));

test('the hostname is localhost, or the one given, in a UTS namespace of its own', { skip }, () =>
  withDirs(async (dirs) => {
    assert.equal((await runPlan(testPlan(dirs, { argv: ['uname', '-n'] }))).stdout, 'localhost\n');
    assert.equal((await runPlan(testPlan(dirs, { argv: ['uname', '-n'], hostname: 'builder' }))).stdout, 'builder\n');
  }));

test('the action runs as the given uid and gid, no groups, no capabilities, no_new_privs', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, 'cat /proc/self/status');
    const status = run.stdout;
    assert.equal(statusField(status, 'Uid'), `${ACTION_UID}\t${ACTION_UID}\t${ACTION_UID}\t${ACTION_UID}`);
    assert.equal(statusField(status, 'Gid'), `${ACTION_GID}\t${ACTION_GID}\t${ACTION_GID}\t${ACTION_GID}`);
    assert.equal(statusField(status, 'Groups'), '');
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) {
      assert.equal(statusField(status, set), '0000000000000000', set);
    }
    assert.equal(statusField(status, 'NoNewPrivs'), '1');
  }));

test('only the planned mounts exist: host files outside the binds are invisible', { skip }, () =>
  withDirs(async (dirs) => {
    const marker = `actiond-sandbox-marker-${randomBytes(6).toString('hex')}`;
    await writeFile(join('/tmp', marker), 'host secret');
    try {
      const run = await runBash(
        dirs,
        `echo / $(ls -A /); echo /tmp $(ls -A /tmp); echo /dev $(ls -A /dev)
         for p in /root /work /home /sys /etc/passwd /tmp/${marker}; do test -e $p && echo "visible: $p"; done; true`,
      );
      const runtimeDirs = runtimeTopDirs();
      assert.equal(
        run.stdout,
        `/ ${['dev', 'etc', 'execroot', 'proc', 'tmp', ...runtimeDirs].sort().join(' ')}\n` +
          '/tmp\n' + // a fresh tmpfs, not the host's /tmp
          '/dev fd full null random shm stderr stdin stdout urandom zero\n',
      );
    } finally {
      await rm(join('/tmp', marker), { force: true });
    }
  }));

test('read-only binds stay read-only even where the host allows everyone to write', { skip }, () =>
  withDirs(async (dirs) => {
    const open = join(dirs.scratch, 'world-writable');
    await mkdir(open);
    await chmod(open, 0o777);
    const plan = testPlan(dirs);
    const run = await runPlan({
      ...plan,
      mounts: [...plan.mounts, { kind: 'ro-bind', source: open, target: '/inputs' }],
      argv: ['bash', '-c', 'for p in /inputs/f /usr/f /f /dev/f /proc/f; do echo x 2>&1 > $p | sed "s/.*: //"; done'],
    });
    assert.equal(run.stdout, 'Read-only file system\n'.repeat(3) + 'Read-only file system\nNo such file or directory\n');
    assert.deepEqual(await readdir(open), []);
  }));

test('the execroot, /tmp, /dev/shm and /dev/null are writable; outputs land on the host', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, 'echo out > /execroot/out.txt && echo t > /tmp/t && echo s > /dev/shm/s && echo n > /dev/null && mkdir -p out/dir && echo ok');
    assert.equal(run.stdout, 'ok\n');
    assert.equal(await readFile(join(dirs.execroot, 'out.txt'), 'utf8'), 'out\n');
    const made = await stat(join(dirs.execroot, 'out/dir'));
    assert.equal(made.uid, ACTION_UID);
    // umask 022: outputs are predictable whatever the caller's umask.
    assert.equal(made.mode & 0o777, 0o755);
  }));

test('binds are nosuid and nodev, and /proc, /dev, /tmp have the planned flags', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runBash(dirs, 'cat /proc/self/mountinfo');
    const options = new Map(
      run.stdout.trim().split('\n').map((line) => {
        const fields = line.split(' ');
        return [fields[4]!, fields[5]!.split(',')] as const;
      }),
    );
    const has = (path: string, ...flags: string[]): void => {
      for (const flag of flags) assert.ok(options.get(path)?.includes(flag), `${path} ${options.get(path)} lacks ${flag}`);
    };
    has('/', 'ro', 'nosuid', 'nodev');
    has('/usr', 'ro', 'nosuid', 'nodev');
    has('/execroot', 'rw', 'nosuid', 'nodev');
    has('/proc', 'rw', 'nosuid', 'nodev', 'noexec');
    has('/dev', 'ro', 'nosuid', 'nodev', 'noexec');
    has('/dev/shm', 'rw', 'nosuid', 'nodev', 'noexec');
    has('/tmp', 'rw', 'nosuid', 'nodev');
    // Non-recursive binds: nothing but the planned mounts is there.
    const dev = ['full', 'null', 'random', 'shm', 'urandom', 'zero'].map((name) => `/dev/${name}`);
    const planned = ['/', '/dev', ...dev, '/execroot', '/proc', '/tmp', ...runtimeTopDirs().map((name) => `/${name}`)];
    assert.deepEqual([...options.keys()].sort(), planned.sort());
  }));

test('a mount target that crosses a symlink is refused instead of followed', { skip }, () =>
  withDirs(async (dirs) => {
    // An input symlink pointing at the host's /etc must not make the helper
    // mount (or mkdir) anything there.
    await symlink('/etc', join(dirs.execroot, 'escape'));
    const plan = testPlan(dirs);
    const run = await runPlan({ ...plan, mounts: [...plan.mounts, { kind: 'tmpfs', target: '/execroot/escape/x' }] });
    assert.equal(run.status.kind, 'setup-error');
    assert.match(
      run.status.kind === 'setup-error' ? run.status.message : '',
      /^mounts\.c:\d+: \/execroot\/escape\/x: 'escape' is a symlink or not a directory$/,
    );
    await assert.rejects(stat('/etc/x'));
  }));

test('symlink steps make merged-usr style links', { skip }, () =>
  withDirs(async (dirs) => {
    const run = await runPlan(
      testPlan(dirs, {
        mounts: [
          { kind: 'ro-bind', source: '/usr', target: '/usr' },
          { kind: 'symlink', linkText: 'usr/bin', target: '/bin' },
          { kind: 'symlink', linkText: 'usr/lib', target: '/lib' },
          { kind: 'symlink', linkText: 'usr/lib64', target: '/lib64' },
        ],
        workdir: '/',
        argv: ['/bin/sh', '-c', 'readlink /bin; echo works'],
      }),
    );
    assert.equal(run.stdout, 'usr/bin\nworks\n');
  }));

test('without --network only the sandbox loopback exists: it works, the host loopback is unreachable', { skip }, async () => {
  const server = createServer((socket) => socket.end('host\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    await withDirs(async (dirs) => {
      // A listener and a client inside the sandbox meet on its own loopback,
      // by address and by the name from /etc/hosts.
      const loopback = await runPlan(testPlan(dirs, {
        argv: ['perl', '-MIO::Socket::INET', '-e', `
          my $l = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0) or die "listen: $!";
          my $c = IO::Socket::INET->new(PeerAddr => 'localhost', PeerPort => $l->sockport) or die "connect: $!";
          my $a = $l->accept; print $a "hello\\n"; close $a; print scalar <$c>;`],
      }));
      assert.equal(loopback.stdout, 'hello\n', loopback.stderr);
      const isolated = await runBash(dirs, `tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; (exec 3<>/dev/tcp/127.0.0.1/${port} && echo reached host) 2>&1 | sed 's/.*: //'`);
      assert.match(isolated.stdout, /^lo\n(Connection refused\n)+$/);
      // With --network the action shares the host's network namespace.
      const shared = await runBash(dirs, `exec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3`, { network: true });
      assert.equal(shared.stdout, 'host\n');
    });
  } finally {
    server.close();
  }
});

test('a daemon the action leaves behind dies with it', { skip }, () =>
  withDirs(async (dirs) => {
    const tag = `${1000 + Math.floor(Math.random() * 1000)}.${randomBytes(3).readUIntBE(0, 3)}`;
    const run = await runBash(dirs, `setsid sleep ${tag} & (sleep ${tag} & ) ; nohup sleep ${tag} >/dev/null 2>&1 & disown; echo started`);
    assert.equal(run.stdout, 'started\n');
    // The helper returns only after the kernel has killed the namespace.
    const left: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(tag)) left.push(`${pid}: ${cmdline}`);
    }
    assert.deepEqual(left, []);
  }));
