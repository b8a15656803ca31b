import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnswerParser, ForkServerSandboxHelperLauncher } from './fork-server-sandbox-helper-launcher.ts';
import { sandboxHelperArgs } from './sandbox-helper-args.ts';
import { makeSandboxDirs, needsRoot, runPlan, testPlan, type SandboxDirs } from './sandbox-helper-fixture.ts';
import { sandboxHelperPath } from './sandbox-helper-path.ts';
import { parseSandboxHelperStatus } from './sandbox-helper-status.ts';

async function withLauncher(fn: (launcher: ForkServerSandboxHelperLauncher, dirs: SandboxDirs) => Promise<void>): Promise<void> {
  const launcher = new ForkServerSandboxHelperLauncher(sandboxHelperPath());
  const dirs = await makeSandboxDirs();
  try {
    await fn(launcher, dirs);
  } finally {
    await launcher.close();
    await dirs.dispose();
  }
}

function bashArgs(dirs: SandboxDirs, script: string): string[] {
  return sandboxHelperArgs(testPlan(dirs, { argv: ['bash', '-c', script] }));
}

test('runs in flight at once are answered each with its own status, in the order they end', { skip: needsRoot, timeout: 30_000 }, () =>
  withLauncher(async (launcher, dirs) => {
    const ended: string[] = [];
    const runs = [['slow', 'sleep 0.6; exit 3'], ['fast', 'exit 4'], ['middle', 'sleep 0.3; echo oops >&2; exit 5']].map(([name, script]) => {
      const run = launcher.launch(bashArgs(dirs, script!));
      return run.exit.then((exit) => {
        ended.push(name!);
        return exit;
      });
    });
    const [slow, fast, middle] = await Promise.all(runs);
    assert.deepEqual(ended, ['fast', 'middle', 'slow']);
    assert.deepEqual([slow, fast, middle].map((exit) => [exit!.exitCode, parseSandboxHelperStatus(exit!.statusText).kind]), [[3, 'exit'], [4, 'exit'], [5, 'exit']]);
    // Without --stderr in the plan the action writes to the helper's stderr, which the launcher relays.
    assert.equal(middle!.stderr, 'oops\n');
  }));

test('the helper\'s setup errors come back on its stderr and status, exit status 125', { skip: needsRoot, timeout: 30_000 }, () =>
  withLauncher(async (launcher, dirs) => {
    const exit = await launcher.launch(sandboxHelperArgs(testPlan(dirs, { argv: ['no-such-program'] }))).exit;
    assert.equal(exit.exitCode, 125);
    const status = parseSandboxHelperStatus(exit.statusText);
    assert.ok(status.kind === 'setup-error' && /'no-such-program' not found/.test(status.message), exit.statusText);
    assert.match(exit.stderr, /^actiond-sandbox: exec\.c:\d+: 'no-such-program' not found/);
  }));

test('terminate stops a running sandbox; one that ended is not signalled', { skip: needsRoot, timeout: 30_000 }, () =>
  withLauncher(async (launcher, dirs) => {
    const done = launcher.launch(bashArgs(dirs, 'exit 0'));
    await done.exit;
    done.terminate();
    const running = launcher.launch(bashArgs(dirs, 'sleep 100'));
    await sleep(300);
    running.terminate();
    const exit = await running.exit;
    assert.equal(parseSandboxHelperStatus(exit.statusText).kind, 'signal');
  }));

/** The network namespaces the launcher holds fds of. */
async function launcherNamespaces(pid: number): Promise<string[]> {
  const links = await Promise.all((await readdir(`/proc/${pid}/fd`)).map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return links.filter((link) => link.startsWith('net:['));
}

test('each run gets a network namespace made ahead by the launcher, its own: only loopback, up, never the host\'s nor another run\'s', { skip: needsRoot, timeout: 30_000 }, () =>
  withLauncher(async (launcher, dirs) => {
    // Without --stderr in the plan the action's stderr is the helper's, which the launcher relays.
    // Last, how many of the action's fds are a network namespace: the one it was handed must not leak in.
    const script =
      "{ readlink /proc/self/ns/net; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; (exec 3<>/dev/tcp/127.0.0.1/9) 2>&1 | sed 's/.*: //'; " +
      "echo fds:$(for fd in /proc/self/fd/*; do readlink $fd; done | grep -c '^net:'); } >&2; sleep 0.3";
    const namespaceOf = (exit: { exitCode: number | null; stderr: string }): string => {
      assert.equal(exit.exitCode, 0, exit.stderr);
      const [namespace, ...rest] = exit.stderr.split('\n');
      // Only lo, and it is up: a down one says "Network is unreachable" (bash may try twice); no namespace fd.
      assert.match(rest.join('\n'), /^lo\n(Connection refused\n)+fds:0\n$/);
      return namespace!;
    };
    const host = await readlink('/proc/self/ns/net');
    const first = namespaceOf(await launcher.launch(bashArgs(dirs, script)).exit);
    await sleep(200);
    // It also holds its own namespace's, to return to after making each spare.
    const spares = (await launcherNamespaces(launcher.launcherPid!)).filter((namespace) => namespace !== host);
    assert.equal(spares.length, 2, `two namespaces are kept ready: ${spares.join(', ')}`);
    assert.ok(!spares.includes(first) && !spares.includes(host));
    const next = namespaceOf(await launcher.launch(bashArgs(dirs, script)).exit);
    assert.ok(spares.includes(next), `the run entered a spare (${next} of ${spares.join(', ')})`);
    const together = (await Promise.all([1, 2, 3].map(() => launcher.launch(bashArgs(dirs, script)).exit))).map(namespaceOf);
    assert.equal(new Set(together).size, 3, `runs at the same time share no namespace: ${together.join(', ')}`);
    assert.ok(!together.includes(host), 'never the host\'s namespace');
    // A run granted the host network closes the spare it was handed and stays in the host's namespace.
    const shared = await launcher.launch(sandboxHelperArgs(testPlan(dirs, { network: true, argv: ['bash', '-c', 'readlink /proc/self/ns/net >&2'] }))).exit;
    assert.equal(shared.exitCode, 0, shared.stderr);
    assert.equal(shared.stderr, `${host}\n`);
  }));

/** The live children of process `pid`. */
async function childrenOf(pid: number): Promise<number[]> {
  const text = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

/** What each open fd of process `pid` refers to: `pipe:[123]`, `/dev/null`, `anon_inode:[signalfd]`, ... */
async function openFiles(pid: number): Promise<string[]> {
  return Promise.all((await readdir(`/proc/${pid}/fd`)).map((fd) => readlink(`/proc/${pid}/fd/${fd}`)));
}

/** The `Sig*` lines and the name of process `pid`'s /proc status, as `name: value` lines. */
async function signalState(pid: number): Promise<string> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return status.split('\n').filter((line) => /^(Name|SigBlk|SigIgn|SigCgt):/.test(line)).join('\n');
}

test('a run starts as a fresh exec of the helper would, though none happens: none of the launcher\'s fds, only the helper\'s own signals blocked, none ignored or caught, its own name', { skip: needsRoot, timeout: 30_000 }, () =>
  withLauncher(async (launcher, dirs) => {
    // A first run makes the launcher keep spare namespaces: fds a later run must not hold.
    assert.equal((await launcher.launch(bashArgs(dirs, 'true')).exit).exitCode, 0);
    await sleep(100);
    const run = launcher.launch(bashArgs(dirs, 'cat /proc/self/status | grep -E "^(CapBnd|Sig)" >&2; exec sleep 30'));
    const launcherPid = launcher.launcherPid!;
    // The run (outside the namespaces), its PID 1, and the action once it is sleep (grep has written).
    let tree: number[] = [];
    for (let tries = 0; tries < 500 && tree.length < 3; tries++) {
      const [outer] = await childrenOf(launcherPid);
      const [pid1] = outer === undefined ? [] : await childrenOf(outer);
      const [action] = pid1 === undefined ? [] : await childrenOf(pid1);
      const actionName = action === undefined ? '' : await readFile(`/proc/${action}/comm`, 'utf8').catch(() => '');
      if (actionName === 'sleep\n') tree = [outer!, pid1!, action!];
      else await sleep(10);
    }
    assert.equal(tree.length, 3, 'the run, its PID 1 and the action were found');
    const launcherFiles = new Set(await openFiles(launcherPid));
    assert.ok([...launcherFiles].some((file) => file.startsWith('net:[')) && launcherFiles.has('anon_inode:[signalfd]'), [...launcherFiles].join(' '));
    // The helper blocks SIGHUP, SIGINT, SIGPIPE, SIGTERM and SIGCHLD; while
    // sigwaitinfo waits for all but SIGPIPE, the kernel shows those as
    // unblocked (do_sigtimedwait). The launcher ignores SIGPIPE: a run must not.
    const helperSignals = 'SigBlk:\t0000000000001000\nSigIgn:\t0000000000000000\nSigCgt:\t0000000000000000';
    // The launcher reads the other ends of the run's stderr and status pipes: those two it shares.
    const ownPipes = new Set(await Promise.all([2, 3].map((fd) => readlink(`/proc/${tree[0]}/fd/${fd}`))));
    for (const pid of tree.slice(0, 2)) {
      const files = await openFiles(pid);
      assert.deepEqual(files.filter((file) => launcherFiles.has(file) && !ownPipes.has(file)), [], `process ${pid} holds none of the launcher's other fds`);
      // stdin and stdout at /dev/null, stderr and the status fd, the report pipe between it and PID 1.
      assert.ok(files.every((file) => file === '/dev/null' || file.startsWith('pipe:[')), files.join(' '));
      assert.equal(await signalState(pid), `Name:\tactiond-run\n${helperSignals}`);
    }
    run.terminate();
    const exit = await run.exit;
    assert.equal(parseSandboxHelperStatus(exit.statusText).kind, 'signal');
    // A process of the action (cat): nothing blocked, ignored or caught, no capability an exec could grant.
    assert.match(exit.stderr, /^SigQ:\t\d+\/\d+\nSigPnd:\t0+\nSigBlk:\t0{16}\nSigIgn:\t0{16}\nSigCgt:\t0{16}\nCapBnd:\t0{16}\n$/);
  }));

/**
 * /proc/self/mountinfo without what differs from run to run (mount ids,
 * device numbers): mount point, root, per-mount options, optional fields
 * (a peer group would show here), type, source and superblock options.
 */
function mountTable(mountinfo: string): string[] {
  return mountinfo.trim().split('\n').map((line) => {
    const [mountId, parentId, device, ...rest] = line.split(' ');
    void mountId, parentId, device;
    return rest.join(' ');
  });
}

test('a sandbox whose mount namespace is a copy of the launcher\'s template has exactly the mounts of one copied from the host, none shared, and no way up from its root', { skip: needsRoot, timeout: 30_000 }, () =>
  withLauncher(async (launcher, dirs) => {
    const script = 'cat /proc/self/mountinfo; cd /..; echo up: $(pwd) $(ls -A | tr "\\n" " ")';
    const plan = testPlan(dirs, { argv: ['bash', '-c', `{ ${script}; } >&2`] });
    const launched = await launcher.launch(sandboxHelperArgs(plan)).exit;
    assert.equal(launched.exitCode, 0, launched.stderr);
    // The launcher holds its template: a mount namespace that is not the host's.
    const templates = (await openFiles(launcher.launcherPid!)).filter((file) => file.startsWith('mnt:['));
    assert.equal(templates.length, 1, templates.join(' '));
    assert.notEqual(templates[0], await readlink('/proc/self/ns/mnt'));
    const spawned = await runPlan(plan);
    assert.equal(spawned.exitCode, 0, spawned.stderr);
    const [launchedMounts, launchedUp] = launched.stderr.split('up: ');
    const [spawnedMounts, spawnedUp] = spawned.stderr.split('up: ');
    assert.deepEqual(mountTable(launchedMounts!), mountTable(spawnedMounts!));
    assert.equal(launchedUp, spawnedUp);
    assert.match(launchedUp!, /^\/ bin dev etc execroot lib lib64 proc tmp usr/);
    assert.ok(!/shared:|master:/.test(launchedMounts!), launchedMounts);
    // The root: a read-only tmpfs on /.
    assert.ok(mountTable(launchedMounts!).some((mount) => /^\/ \/ ro,nosuid,nodev\S* - tmpfs tmpfs /.test(mount)), launchedMounts);
  }));

test('a launcher that dies fails every run it served, saying how, stops their sandboxes, and the next launch starts a new one', { skip: needsRoot, timeout: 30_000 }, () =>
  withLauncher(async (launcher, dirs) => {
    const marker = `${dirs.execroot}/alive`;
    const run = launcher.launch(bashArgs(dirs, 'while true; do touch alive; sleep 0.05; done'));
    const pid = launcher.launcherPid!;
    await sleep(300);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(run.exit, new RegExp(`the sandbox launcher .* \\(pid ${pid}\\) was killed by SIGKILL`));
    // The orphaned helper got SIGTERM (its parent-death signal) and ended its sandbox: the marker stops changing.
    await sleep(300);
    const settled = (await stat(marker)).mtimeMs;
    await sleep(300);
    assert.equal((await stat(marker)).mtimeMs, settled);
    const next = await launcher.launch(bashArgs(dirs, 'exit 7')).exit;
    assert.equal(next.exitCode, 7);
    assert.notEqual(launcher.launcherPid, pid);
  }));

test('close ends the running sandboxes, answers them, and waits for the launcher to exit', { skip: needsRoot, timeout: 30_000 }, async () => {
  const launcher = new ForkServerSandboxHelperLauncher(sandboxHelperPath());
  const dirs = await makeSandboxDirs();
  try {
    const run = launcher.launch(bashArgs(dirs, 'sleep 100'));
    await sleep(300);
    const pid = launcher.launcherPid!;
    await launcher.close();
    assert.equal(parseSandboxHelperStatus((await run.exit).statusText).kind, 'signal');
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    await assert.rejects(launcher.launch(bashArgs(dirs, 'true')).exit, /the sandbox launcher was closed/);
  } finally {
    await dirs.dispose();
  }
});

test('a launcher that cannot be started fails the run, naming the executable', { timeout: 30_000 }, async () => {
  const launcher = new ForkServerSandboxHelperLauncher('/nonexistent/actiond-sandbox');
  await assert.rejects(launcher.launch(['--root', '/x']).exit, /\/nonexistent\/actiond-sandbox --launcher .*could not be started: spawn \/nonexistent\/actiond-sandbox ENOENT/);
  await launcher.close();
});

test('an argument with a NUL byte is refused before anything is sent', () => {
  const launcher = new ForkServerSandboxHelperLauncher('/nonexistent/actiond-sandbox');
  assert.throws(() => launcher.launch(['--env', 'A=\0']), /argument 1 contains a NUL byte/);
});

test('the launcher refuses a malformed request with exit status 2 and says what was wrong', { skip: needsRoot, timeout: 30_000 }, async () => {
  const child = spawn(sandboxHelperPath(), ['--launcher'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end('run 1 x\n');
  const [code] = await once(child, 'close');
  assert.equal(code, 2);
  assert.match(stderr, /^actiond-sandbox --launcher: bad request: the length is not a number\n$/);
});

test('answers are parsed across any split of the launcher\'s output, binary content included', () => {
  const answers: unknown[] = [];
  const parser = new AnswerParser((answer) => answers.push(answer));
  const bytes = Buffer.concat([
    Buffer.from('done 1 exit 0 5 3\nexit\nerr'),
    Buffer.from('done 9007199254740991 signal 9 0 4\n'),
    Buffer.from([0xe2, 0x82, 0xac, 0x0a]),
    Buffer.from('done 2 failed 24 0 0\n'),
  ]);
  for (const byte of bytes) parser.push(Buffer.from([byte]));
  assert.deepEqual(answers, [
    { id: 1, kind: 'exit', number: 0, status: 'exit\n', stderr: 'err' },
    { id: 9007199254740991, kind: 'signal', number: 9, status: '', stderr: '€\n' },
    { id: 2, kind: 'failed', number: 24, status: '', stderr: '' },
  ]);
});

test('an answer that is not a done line is refused, naming it', () => {
  const parser = new AnswerParser(() => {});
  assert.throws(() => parser.push(Buffer.from('hello 1\n')), /unexpected answer "hello 1"/);
});
