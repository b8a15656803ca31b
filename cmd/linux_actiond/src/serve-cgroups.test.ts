import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import {
  Action,
  Command,
  ContentAddressableStorageClient,
  ExecuteRequest,
  ExecuteResponse,
  ExecutionClient,
  type BatchUpdateBlobsRequest,
  type BatchUpdateBlobsResponse,
  type Digest,
  type longrunning,
} from '@actiond/proto';
import { parseCommandLine } from '@actiond/cli';
import { serverCgroupParent } from '@actiond/sandbox-runner';
import { linuxActiondCli } from './command-line.ts';
import { repositoryServeAssets } from './repository-serve-assets.ts';
import { serve } from './serve.ts';

// Two servers on one host, as when a test suite or a benchmark starts a
// server while an e2e build runs: each kills the cgroups it finds under its
// parent at startup (a crashed predecessor's), and with one parent for all
// servers the second one killed the first one's running actions (Bazel saw
// a test fail with an empty log).

const CGROUP_ROOT = '/sys/fs/cgroup';

const skip =
  process.getuid?.() !== 0
    ? 'execution needs root'
    : repositoryServeAssets().defaultRuntimeImage === undefined
      ? 'no runtime image to run a shell in (pnpm runtimes:build)'
      : false;

interface Running {
  readonly address: string;
  readonly runtimes: string[];
  stop(): Promise<number>;
}

async function startServe(root: string): Promise<Running> {
  const parsed = parseCommandLine(linuxActiondCli, ['serve', '--listen=127.0.0.1:0', `--root=${root}`]);
  if (parsed.kind !== 'run') throw new Error(`unexpected command line result ${parsed.kind}`);
  const lines: string[] = [];
  let requestStop!: (signal: string) => void;
  const stopRequested = new Promise<string>((resolve) => (requestStop = resolve));
  let onPort!: (port: number) => void;
  const listening = new Promise<number>((resolve) => (onPort = resolve));
  const exited = serve(parsed.flags, { env: {}, log: (line) => lines.push(line), stopRequested, onListening: onPort });
  const port = await Promise.race([listening, exited.then((code) => Promise.reject(new Error(`serve exited ${code}: ${lines.join('\n')}`)))]);
  const runtimes = /execution with runtimes: ([^,)]+(?:, [^,)]+)*)/.exec(lines.join('\n'))?.[1]?.split(', ') ?? [];
  return {
    address: `127.0.0.1:${port}`,
    runtimes,
    stop: () => {
      requestStop('SIGTERM');
      return exited;
    },
  };
}

function digestOf(data: Uint8Array): Digest {
  return { hash: createHash('sha256').update(data).digest('hex'), sizeBytes: data.length };
}

/** Uploads the blobs; returns their digests in order. */
async function upload(address: string, blobs: Uint8Array[]): Promise<Digest[]> {
  const cas = new ContentAddressableStorageClient(address, grpc.credentials.createInsecure());
  try {
    const requests = blobs.map((data) => ({ digest: digestOf(data), data: Buffer.from(data), compressor: 0 }));
    const response = await new Promise<BatchUpdateBlobsResponse>((resolve, reject) =>
      cas.batchUpdateBlobs({ instanceName: '', requests, digestFunction: 0 } as BatchUpdateBlobsRequest, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
    for (const item of response.responses) assert.equal(item.status?.code ?? 0, grpc.status.OK, item.status?.message);
    return requests.map((request) => request.digest);
  } finally {
    cas.close();
  }
}

/** Executes an action and resolves with its ExecuteResponse. */
function execute(address: string, actionDigest: Digest): Promise<ExecuteResponse> {
  const client = new ExecutionClient(address, grpc.credentials.createInsecure());
  return new Promise<ExecuteResponse>((resolve, reject) => {
    let last: longrunning.Operation | undefined;
    const call = client.execute(ExecuteRequest.fromPartial({ instanceName: '', actionDigest, skipCacheLookup: true }));
    call.on('data', (operation: longrunning.Operation) => (last = operation));
    call.on('error', reject);
    call.on('end', () => {
      if (last?.response === undefined) reject(new Error('the Execute stream ended without a response'));
      else resolve(ExecuteResponse.decode(last.response.value));
    });
  }).finally(() => client.close());
}

/** The execroot of the one action running under `root`, once the action has written `started` there. */
async function runningExecroot(root: string): Promise<string> {
  for (;;) {
    const ids = await readdir(join(root, 'exec')).catch(() => []);
    for (const id of ids) {
      // <exec>/<id> is the action's execroot (sandbox-runner's layout).
      const execroot = join(root, 'exec', id);
      if (existsSync(join(execroot, 'started'))) return execroot;
    }
    await sleep(20);
  }
}

/** Where the server's parent cgroup of `root` is on this host (the pids hierarchy on cgroup v1). */
function parentCgroupPath(root: string): string {
  const parent = serverCgroupParent(root);
  return existsSync(join(CGROUP_ROOT, 'cgroup.controllers')) ? join(CGROUP_ROOT, parent) : join(CGROUP_ROOT, 'pids', parent);
}

test('a server starting on another root leaves the actions running on the first alone', { skip, timeout: 120_000 }, async () => {
  const rootA = await mkdtemp(join(tmpdir(), 'actiond-cgroups-a-'));
  const rootB = await mkdtemp(join(tmpdir(), 'actiond-cgroups-b-'));
  const first = await startServe(rootA);
  let firstStopped = false;
  try {
    assert.ok(first.runtimes.length > 0, 'the server lists its runtimes');
    // The action says it runs, then waits (as long as its timeout allows) until the test releases it.
    const command = Command.encode(
      Command.fromPartial({
        arguments: ['/bin/sh', '-c', 'touch started; while [ ! -e released ]; do sleep 0.05; done; echo survived'],
        platform: { properties: [{ name: 'libc', value: first.runtimes[0]! }] },
      }),
    ).finish();
    const [commandDigest] = await upload(first.address, [command]);
    const action = Action.encode(
      Action.fromPartial({
        commandDigest,
        inputRootDigest: digestOf(new Uint8Array(0)),
        doNotCache: true,
        timeout: { seconds: 60, nanos: 0 },
      }),
    ).finish();
    const [actionDigest] = await upload(first.address, [action]);
    const result = execute(first.address, actionDigest!);
    const execroot = await Promise.race([runningExecroot(rootA), result.then((r) => Promise.reject(new Error(`the action ended early: ${JSON.stringify(r.status)}`)))]);

    // A second server starts (cleaning up its own root's stale cgroups) and stops, while the action runs.
    const second = await startServe(rootB);
    assert.equal(await second.stop(), 0);
    assert.equal(existsSync(parentCgroupPath(rootB)), false, 'the second server removed its parent cgroup at shutdown');

    await writeFile(join(execroot, 'released'), '');
    const response = await result;
    assert.equal(response.status?.code ?? 0, grpc.status.OK, response.status?.message);
    assert.equal(response.result?.exitCode, 0, 'the action was not killed');

    assert.equal(await first.stop(), 0);
    firstStopped = true;
    assert.equal(existsSync(parentCgroupPath(rootA)), false, 'the first server removed its parent cgroup at shutdown');
  } finally {
    if (!firstStopped) await first.stop();
    await rm(rootA, { recursive: true, force: true });
    await rm(rootB, { recursive: true, force: true });
  }
});
