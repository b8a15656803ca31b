import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { bytestream, ExecutionStage_Value, rpc, type Digest, type ExecuteResponse, type FindMissingBlobsResponse } from '@actiond/proto';
import { parseCommandLine } from '@actiond/cli';
import { linuxActiondCli } from './command-line.ts';
import { digestOf, ReapiTestClient } from './reapi-test-client.test-support.ts';
import { serve } from './serve.ts';

// The whole server as Bazel meets it: Execute and WaitExecution over gRPC,
// through the scheduler, into the sandbox, with the real runtime image. Each
// test is one behaviour a hermetic remote executor owes its users, hostile
// actions included.

const IMAGE = fileURLToPath(new URL(`../../../build/runtimes/runtimes-${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}.squashfs`, import.meta.url));
const skip =
  process.getuid?.() !== 0 ? 'needs root (the sandbox)' : !existsSync(IMAGE) ? `needs the runtime image ${IMAGE} (bash tools/setup.sh builds it)` : false;

describe('execution over gRPC', { skip }, () => {
  let root: string;
  let client: ReapiTestClient;
  let address: string;
  let stop: () => Promise<number>;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'actiond-exec-it-'));
    const parsed = parseCommandLine(linuxActiondCli, [
      'serve',
      '--listen=127.0.0.1:0',
      `--root=${root}`,
      `--runtime-image=${IMAGE}`,
      '--default-action-timeout=10s',
      '--max-action-timeout=20s',
      '--default-memory=512Mi',
      '--default-pids=256',
    ]);
    if (parsed.kind !== 'run') throw new Error(`bad test flags: ${JSON.stringify(parsed)}`);
    let requestStop!: (s: string) => void;
    const stopRequested = new Promise<string>((r) => (requestStop = r));
    let onPort!: (port: number) => void;
    const listening = new Promise<number>((r) => (onPort = r));
    const exited = serve(parsed.flags, { env: {}, log: (line) => process.stderr.write(`${line}\n`), stopRequested, onListening: onPort });
    const port = await Promise.race([listening, exited.then((code) => Promise.reject(new Error(`serve exited ${code}`)))]);
    address = `127.0.0.1:${port}`;
    client = new ReapiTestClient(address);
    stop = () => {
      requestStop('SIGTERM');
      return exited;
    };
  });
  after(async () => {
    client?.close();
    if (stop) assert.equal(await stop(), 0);
    await rm(root, { recursive: true, force: true });
  });

  async function run(action: Parameters<ReapiTestClient['prepare']>[0]): Promise<{ response: ExecuteResponse; stdout: string; stderr: string }> {
    const { actionDigest } = await client.prepare(action);
    const { response } = await client.execute(actionDigest, { skipCacheLookup: true });
    const result = response.result;
    const stdout = result?.stdoutDigest ? await client.read(result.stdoutDigest) : '';
    const stderr = result?.stderrDigest ? await client.read(result.stderrDigest) : '';
    return { response, stdout, stderr };
  }

  test('Execute streams CACHE_CHECK, QUEUED, EXECUTING, COMPLETED and WaitExecution replays the finished operation', async () => {
    const { actionDigest } = await client.prepare({ script: 'echo hello', doNotCache: true });
    const first = await client.execute(actionDigest);
    assert.equal(first.response.status?.code ?? 0, 0);
    assert.deepEqual(first.stages.filter((s, i, all) => all.indexOf(s) === i), [
      ExecutionStage_Value.CACHE_CHECK,
      ExecutionStage_Value.QUEUED,
      ExecutionStage_Value.EXECUTING,
      ExecutionStage_Value.COMPLETED,
    ]);
    const waited = await client.wait(first.operationName);
    assert.equal(waited.response.result?.exitCode, 0);
    assert.deepEqual(waited.stages, [ExecutionStage_Value.COMPLETED]);
  });

  test('WaitExecution on an unknown operation is NOT_FOUND', async () => {
    await assert.rejects(client.wait('operations/no-such-operation'), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  });

  test('serve answers Execute, WaitExecution and ByteStream Read on the raw fast lane, which refuses a second request as INVALID_ARGUMENT (grpc-js: UNIMPLEMENTED)', async () => {
    const generic = new grpc.Client(address, grpc.credentials.createInsecure());
    try {
      const identity = (b: Buffer): Buffer => b;
      for (const path of [
        '/build.bazel.remote.execution.v2.Execution/Execute',
        '/build.bazel.remote.execution.v2.Execution/WaitExecution',
        '/google.bytestream.ByteStream/Read',
      ]) {
        const call = generic.makeBidiStreamRequest(path, identity, identity);
        const ended = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
        call.on('data', () => {});
        call.write(Buffer.alloc(0));
        call.write(Buffer.alloc(0));
        call.end();
        const error = await ended;
        assert.equal(error.code, grpc.status.INVALID_ARGUMENT, `${path}: ${error.details}`);
        assert.equal(error.details, `${path.slice(1)} is server-streaming but the client sent more than one request message`);
      }
    } finally {
      generic.close();
    }
  });

  test('a successful result is cached and served with cached_result; a failing one is not cached', async () => {
    const ok = await client.prepare({ script: 'echo cached' });
    assert.equal((await client.execute(ok.actionDigest)).response.cachedResult, false);
    assert.equal((await client.execute(ok.actionDigest)).response.cachedResult, true);
    const failing = await client.prepare({ script: 'exit 3' });
    assert.equal((await client.execute(failing.actionDigest)).response.result?.exitCode, 3);
    const again = await client.execute(failing.actionDigest);
    assert.equal(again.response.cachedResult, false);
    assert.equal(again.response.result?.exitCode, 3);
  });

  test('the timings server log of a failed action is readable by ByteStream Read and BatchReadBlobs, and no CAS file holds it', async () => {
    // Bazel reads server logs of failed actions right after the response; they are kept in memory, not created as files.
    const { actionDigest } = await client.prepare({ script: 'echo timings; exit 4' });
    const { response } = await client.execute(actionDigest, { skipCacheLookup: true });
    assert.equal(response.result?.exitCode, 4);
    const log = response.serverLogs['timings'];
    assert.ok(log?.digest, 'the response names a timings log');
    assert.equal(log.humanReadable, true);
    const digest: Digest = log.digest;

    const batchRead = Buffer.from(await client.read(digest));
    assert.deepEqual(digestOf(batchRead), digest, 'BatchReadBlobs returns the log byte for byte');
    assert.match(batchRead.toString(), /^run: .* ms$/m);

    const byteStream = new bytestream.ByteStreamClient(address, grpc.credentials.createInsecure());
    try {
      const readRange = (readOffset: number, readLimit: number) =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          const stream = byteStream.read({ resourceName: `blobs/${digest.hash}/${digest.sizeBytes}`, readOffset, readLimit });
          stream.on('data', (r: bytestream.ReadResponse) => chunks.push(r.data));
          stream.on('end', () => resolve(Buffer.concat(chunks)));
          stream.on('error', reject);
        });
      assert.deepEqual(await readRange(0, 0), batchRead);
      assert.deepEqual(await readRange(3, 10), batchRead.subarray(3, 13));
      await assert.rejects(readRange(digest.sizeBytes + 1, 0), (e: grpc.ServiceError) => e.code === grpc.status.OUT_OF_RANGE);
    } finally {
      byteStream.close();
    }

    // Not an input a client may name without uploading it: the executor links inputs from the disk CAS.
    const missing = await new Promise<FindMissingBlobsResponse>((resolve, reject) =>
      client.cas.findMissingBlobs({ instanceName: '', blobDigests: [digest], digestFunction: 0 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    assert.deepEqual(missing.missingBlobDigests.map((d) => d.hash), [digest.hash]);
    const casFiles = (await readdir(join(root, 'cas'), { recursive: true })).filter((name) => name.includes(digest.hash));
    assert.deepEqual(casFiles, [], 'no file under <root>/cas holds the timings log');
  });

  test('GetActionResult sent right after an Execute answered finds the result', async () => {
    // The executor stores results after answering; the ActionCache service must still see them at once.
    for (let i = 0; i < 5; i++) {
      const { actionDigest } = await client.prepare({ script: `echo read-your-writes ${i}` });
      const { response } = await client.execute(actionDigest, { skipCacheLookup: true });
      const cached = await client.getActionResult(actionDigest);
      assert.equal(cached.exitCode, 0);
      assert.deepEqual(cached.stdoutDigest, response.result?.stdoutDigest);
    }
  });

  test('missing inputs are FAILED_PRECONDITION with one MISSING violation per blob', async () => {
    const { actionDigest, missing } = await client.prepare(
      { script: 'cat a b', inputs: { a: { contents: 'missing input a' }, b: { contents: 'missing input b' } } },
      { omitFiles: true },
    );
    await assert.rejects(client.execute(actionDigest), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.FAILED_PRECONDITION);
      const status = rpc.Status.decode(e.metadata.get('grpc-status-details-bin')[0] as Buffer);
      const failure = rpc.PreconditionFailure.decode(status.details.find((d) => d.typeUrl.endsWith('PreconditionFailure'))!.value);
      assert.deepEqual(
        failure.violations.map((v) => [v.type, v.subject]).sort(),
        missing.map((d) => ['MISSING', `blobs/${d.hash}/${d.sizeBytes}`]).sort(),
      );
      return true;
    });
  });

  test('external network is unreachable while loopback works and localhost resolves', async () => {
    const { response, stdout } = await run({
      script: [
        'if (exec 3<>/dev/tcp/192.0.2.1/80) 2>/dev/null; then echo external-reachable; else echo external-blocked; fi',
        // A closed loopback port is refused (loopback is up); an absent network would say unreachable.
        '(exec 3<>/dev/tcp/127.0.0.1/1) 2>&1 | grep -q refused && echo loopback-up',
        'grep -q "^127.0.0.1[[:space:]].*localhost" /etc/hosts && echo localhost-resolves',
        'ls /sys/class/net 2>/dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "',
      ].join('\n'),
    });
    assert.equal(response.result?.exitCode, 0, stdout);
    assert.match(stdout, /external-blocked/);
    assert.match(stdout, /loopback-up/);
    assert.match(stdout, /localhost-resolves/);
    assert.deepEqual(stdout.trim().split('\n').slice(3), ['lo']);
  });

  test('host files outside the sandbox are invisible', async () => {
    const marker = join(tmpdir(), `actiond-host-marker-${process.pid}`);
    await writeFile(marker, 'secret');
    try {
      const { stdout } = await run({
        script: `for p in ${marker} /root /work/main ${root}/cas /etc/shadow; do test -e "$p" && echo "visible $p"; done; echo done`,
      });
      assert.equal(stdout.trim(), 'done');
    } finally {
      await rm(marker, { force: true });
    }
  });

  test('writes, truncation, deletion and renaming of inputs fail; new files next to them work', async () => {
    const { response, stdout } = await run({
      inputs: { 'dir/in.txt': { contents: 'input bytes\n' } },
      outputFiles: ['dir/new.txt'],
      script: [
        'cd dir',
        '(echo x >> in.txt) 2>/dev/null && echo appended',
        '(: > in.txt) 2>/dev/null && echo truncated',
        'rm -f in.txt 2>/dev/null; test -e in.txt || echo deleted',
        'mv in.txt moved.txt 2>/dev/null && echo renamed',
        'chmod 666 in.txt 2>/dev/null && echo chmodded',
        'echo fresh > new.txt && echo created',
        'cat in.txt',
      ].join('\n'),
    });
    assert.equal(response.result?.exitCode, 0);
    assert.equal(stdout, 'created\ninput bytes\n');
    assert.deepEqual(response.result?.outputFiles.map((f) => f.path), ['dir/new.txt']);
  });

  test('a fork bomb is stopped by the pids limit and the action still ends', async () => {
    const { response, stderr } = await run({
      properties: { libc: 'glibc2.36', pids: '32' },
      // The classic bomb, left running. The script then uses bash builtins only
      // (the process table is full: nothing can fork): wait two seconds, count
      // the processes of the action's PID namespace, and end, which must kill
      // the whole swarm.
      script: [
        '(bomb() { bomb | bomb & }; bomb) 2>/dev/null &',
        'read -t 2 -r ignored < /dev/zero',
        'procs=(/proc/[0-9]*)',
        'echo ${#procs[@]} >&2',
        'exit 0',
      ].join('\n'),
    });
    assert.equal(response.status?.code ?? 0, 0);
    assert.equal(response.result?.exitCode, 0);
    // 32 in the action's cgroup, plus the namespace's PID 1 (the helper's
    // reaper, which joins no cgroup); and the bomb did fill that many.
    const processes = Number(stderr.trim());
    assert.ok(processes <= 33 && processes >= 30, `the bomb filled the limit and no more: saw ${stderr.trim()} processes`);
  });

  test('a memory hog is killed by the memory limit', async () => {
    const { response } = await run({
      properties: { libc: 'glibc2.36', memory: '64Mi' },
      script: 'x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo ${#x}',
    });
    assert.notEqual(response.result?.exitCode, 0);
    assert.equal(response.result?.exitCode, 137, 'killed by SIGKILL (the OOM killer)');
  });

  test('a daemon that outlives its parent is killed when the action ends', async () => {
    const tag = 900000 + (process.pid % 99999);
    const { response } = await run({ script: `setsid sleep ${tag} </dev/null >/dev/null 2>&1 & disown; echo started` });
    assert.equal(response.result?.exitCode, 0);
    const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((line) => line.trim() === `sleep ${tag}`);
    assert.deepEqual(left, []);
  });

  // The server reuses an emptied cgroup for the next action with the same
  // limits: the hostile actions again, each right after an ordinary one so
  // that it gets that one's cgroup (the action sees its own in
  // /proc/self/cgroup), and an ordinary failing action after it, whose
  // result must not carry the hostile one's counters.

  /** The action's pids cgroup as /proc/self/cgroup shows it from inside the sandbox. */
  const SHOW_CGROUP = 'grep -m1 ":pids:" /proc/self/cgroup || grep -m1 "^0::" /proc/self/cgroup';

  async function ordinary(properties: Record<string, string>): Promise<string> {
    const { response, stdout } = await run({ properties, script: SHOW_CGROUP });
    assert.equal(response.result?.exitCode, 0);
    assert.match(stdout, /pids:\/|^0::\//);
    return stdout.trim();
  }

  async function failsWithoutLimits(properties: Record<string, string>, cgroup: string): Promise<void> {
    const { response, stdout } = await run({ properties, script: `${SHOW_CGROUP}; exit 3` });
    assert.equal(response.result?.exitCode, 3);
    assert.equal(stdout.trim(), cgroup, 'the cgroup was reused once more');
    assert.equal(response.message, '', 'no limit is blamed on an action that hit none');
  }

  test('a fork bomb in a reused cgroup is stopped by the pids limit, and the next action in it is not blamed', async () => {
    const properties = { libc: 'glibc2.36', pids: '32' };
    const cgroup = await ordinary(properties);
    const { response, stdout, stderr } = await run({
      properties,
      script: [
        SHOW_CGROUP,
        '(bomb() { bomb | bomb & }; bomb) 2>/dev/null &',
        'read -t 2 -r ignored < /dev/zero',
        'procs=(/proc/[0-9]*)',
        'echo ${#procs[@]} >&2',
        'exit 1',
      ].join('\n'),
    });
    assert.equal(stdout.trim(), cgroup, 'the bomb ran in the cgroup the ordinary action used');
    assert.equal(response.result?.exitCode, 1);
    const processes = Number(stderr.trim());
    assert.ok(processes <= 33 && processes >= 30, `the bomb filled the limit and no more: saw ${stderr.trim()} processes`);
    assert.match(response.message, /hit its limit of 32 processes/);
    await failsWithoutLimits(properties, cgroup);
  });

  test('a memory hog in a reused cgroup is killed by the memory limit, and the next action in it is not blamed', async () => {
    const properties = { libc: 'glibc2.36', memory: '64Mi' };
    const cgroup = await ordinary(properties);
    const { response, stdout } = await run({ properties, script: `${SHOW_CGROUP}; x=$(head -c 300000000 /dev/zero | tr "\\0" a); echo \${#x}` });
    assert.equal(stdout.split('\n')[0], cgroup, 'the hog ran in the cgroup the ordinary action used');
    assert.equal(response.result?.exitCode, 137, 'killed by SIGKILL (the OOM killer)');
    assert.match(response.message, /hit its memory limit of 67108864 bytes/);
    await failsWithoutLimits(properties, cgroup);
  });

  test('a daemon in a reused cgroup is killed when the action ends', async () => {
    const properties = { libc: 'glibc2.36' };
    const cgroup = await ordinary(properties);
    const tag = 800000 + (process.pid % 99999);
    const { response, stdout } = await run({ properties, script: `${SHOW_CGROUP}; setsid sleep ${tag} </dev/null >/dev/null 2>&1 & disown` });
    assert.equal(response.result?.exitCode, 0);
    assert.equal(stdout.trim(), cgroup);
    const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((line) => line.trim() === `sleep ${tag}`);
    assert.deepEqual(left, []);
    await failsWithoutLimits(properties, cgroup);
  });

  test('an action past its timeout is killed and reported DEADLINE_EXCEEDED, and is not cached', async () => {
    const started = Date.now();
    const { actionDigest } = await client.prepare({ script: 'echo before; sleep 100', timeoutSeconds: 1 });
    const { response } = await client.execute(actionDigest);
    assert.equal(response.status?.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 15_000);
    assert.equal((await client.execute(actionDigest)).response.cachedResult, false);
  });

  test('a timeout above the server maximum is INVALID_ARGUMENT naming both', async () => {
    const { actionDigest } = await client.prepare({ script: 'true', timeoutSeconds: 3600 });
    await assert.rejects(client.execute(actionDigest), (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
      assert.match(e.details, /1h|3600/);
      assert.match(e.details, /20s/);
      return true;
    });
  });

  test('an output symlink pointing at /etc/passwd is stored as a symlink, never followed', async () => {
    const { response } = await run({ outputFiles: ['out/link'], script: 'ln -s /etc/passwd out/link' });
    const result = response.result!;
    assert.equal(result.outputFiles.length, 0);
    const symlinks = [...result.outputFileSymlinks, ...result.outputSymlinks];
    assert.deepEqual(symlinks.map((s) => [s.path, s.target]), [['out/link', '/etc/passwd']]);
  });

  test('output paths with .. or a leading slash are INVALID_ARGUMENT naming the path', async () => {
    for (const bad of ['../escape', '/abs/path', 'a/../../b']) {
      const { actionDigest } = await client.prepare({ outputFiles: [bad], script: 'true' });
      const outcome = await client.execute(actionDigest).then(
        ({ response }) => ({ code: response.status?.code, message: response.status?.message ?? '' }),
        (e: grpc.ServiceError) => ({ code: e.code, message: e.details }),
      );
      assert.equal(outcome.code, grpc.status.INVALID_ARGUMENT, bad);
      assert.ok(outcome.message.includes(bad), `${outcome.message} names ${bad}`);
    }
  });

  test('an unknown platform property fails naming it and listing the accepted ones', async () => {
    const { response } = await run({ properties: { libc: 'glibc2.36', gpu: 'yes' }, script: 'true' });
    assert.equal(response.status?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(response.status!.message, /gpu/);
    assert.match(response.status!.message, /libc/);
  });

  test('an unknown libc fails listing the available runtimes', async () => {
    const { response } = await run({ properties: { libc: 'glibc9.99' }, script: 'true' });
    assert.equal(response.status?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(response.status!.message, /glibc2\.31, glibc2\.36, glibc2\.41/);
  });

  test('each runtime reports its own glibc version from inside a sandboxed action', async () => {
    for (const [libc, version] of [['glibc2.31', '2.31'], ['glibc2.36', '2.36'], ['glibc2.41', '2.41']] as const) {
      const { stdout } = await run({ properties: { libc }, script: 'getconf GNU_LIBC_VERSION' });
      assert.equal(stdout.trim(), `glibc ${version}`);
    }
  });

  test('the environment is exactly the Command\'s and the action runs unprivileged', async () => {
    const { stdout } = await run({ script: 'env | sort; id -u; id -g; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; cat /proc/sys/kernel/hostname' });
    const lines = stdout.trim().split('\n');
    assert.deepEqual(
      lines.filter((l) => l.includes('=')).filter((l) => !/^(PWD|SHLVL|_)=/.test(l)),
      ['PATH=/bin:/usr/bin'],
    );
    assert.ok(lines.includes('65534'));
    assert.ok(lines.some((l) => /^CapEff:\s+0+$/.test(l)));
    assert.ok(lines.some((l) => /^NoNewPrivs:\s+1$/.test(l)));
    assert.equal(lines.at(-1), 'localhost');
  });
});
