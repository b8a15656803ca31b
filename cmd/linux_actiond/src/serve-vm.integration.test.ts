import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { CapabilitiesClient, type FindMissingBlobsResponse, type GetCapabilitiesRequest, type ServerCapabilities } from '@actiond/proto';
import { ReapiTestClient, digestOf } from './reapi-test-client.test-support.ts';

// `linux-actiond serve-vm` as an operator runs it: real QEMU (TCG here), the
// real guest kernel, initramfs and system image built from the checkout (cached
// under ~/.cache/actiond), the runtime image, and REAPI calls through the proxy.
// Gated by ACTIOND_VM_TESTS=1: the first run builds the kernel (minutes), and
// each boot takes tens of seconds under TCG. The tests share one --root and run
// in order: a fresh CAS image, a second boot on it, a killed VM, execution.

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const skip =
  process.env['ACTIOND_VM_TESTS'] !== '1'
    ? 'set ACTIOND_VM_TESTS=1 to boot the actiond VM under QEMU'
    : process.arch !== 'x64' || spawnSync('qemu-system-x86_64', ['--version']).error !== undefined
      ? 'needs qemu-system-x86_64 on an x86_64 host'
      : false;

/** Long enough for a first run that builds the guest kernel. */
const STARTUP_MS = 20 * 60_000;

interface ServeVm {
  readonly child: ChildProcess;
  readonly address: string;
  /** Everything serve-vm printed so far. */
  readonly output: () => string;
  /** Resolves with the first line matching `pattern` (already printed or still to come). */
  readonly line: (pattern: RegExp, timeoutMs: number) => Promise<string>;
}

async function startServeVm(root: string): Promise<ServeVm> {
  const child = spawn(process.execPath, [MAIN, 'serve-vm', '--listen=127.0.0.1:0', `--root=${root}`, '--cas-image-size-mib=2048'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const line = async (pattern: RegExp, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = output.split('\n').find((l) => pattern.test(l));
      if (found !== undefined) return found;
      if (child.exitCode !== null) throw new Error(`serve-vm exited ${child.exitCode} before printing ${pattern}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`serve-vm printed no line matching ${pattern} within ${timeoutMs} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const ready = await line(/^serve-vm \S+: serving REAPI on 127\.0\.0\.1:\d+ /, STARTUP_MS);
  const address = /serving REAPI on (127\.0\.0\.1:\d+)/.exec(ready)![1]!;
  process.stderr.write(`# ${ready}\n`);
  return { child, address, output: () => output, line };
}

async function stopServeVm(vm: ServeVm): Promise<void> {
  vm.child.kill('SIGTERM');
  const [code] = (await once(vm.child, 'exit')) as [number | null];
  assert.equal(code, 0, vm.output());
}

/** The ext4 filesystem UUID of the image: a new format would change it. */
function filesystemUuid(image: string): string {
  const out = spawnSync('dumpe2fs', ['-h', image], { encoding: 'utf8' }).stdout;
  const uuid = /^Filesystem UUID:\s+(\S+)$/m.exec(out)?.[1];
  assert.ok(uuid !== undefined, `dumpe2fs -h ${image} printed no UUID:\n${out}`);
  return uuid;
}

function capabilities(address: string, deadlineMs: number): Promise<ServerCapabilities> {
  const client = new CapabilitiesClient(address, grpc.credentials.createInsecure());
  return new Promise<ServerCapabilities>((resolve, reject) =>
    client.getCapabilities({ instanceName: '' } as GetCapabilitiesRequest, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (e, r) => (e ? reject(e) : resolve(r))),
  ).finally(() => client.close());
}

describe('serve-vm', { skip }, () => {
  let root: string;
  let image: string;
  let vm: ServeVm | undefined;
  const marker = Buffer.from(`a blob written in the first boot, ${new Date().toISOString()}\n`);
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'serve-vm-it-'));
    image = join(root, 'cas.ext4');
  });
  after(async () => {
    if (vm !== undefined && vm.child.exitCode === null) await stopServeVm(vm);
    rmSync(root, { recursive: true, force: true });
  });

  test('a new CAS image is formatted once, and the next boot uses it as it is, with what the first one stored', async () => {
    vm = await startServeVm(root);
    assert.match(vm.output(), /serve-vm: created the CAS image .*cas\.ext4 \(2048 MiB, sparse, ext4\)/);
    const uuid = filesystemUuid(image);
    const client = new ReapiTestClient(vm.address);
    try {
      await client.upload([marker]);
    } finally {
      client.close();
    }
    await stopServeVm(vm);
    assert.match(readFileSync(join(root, 'console.log'), 'utf8'), /actiond-init: unmounted \/cas\r?\n/);
    assert.equal(spawnSync('e2fsck', ['-fn', image]).status, 0, 'the CAS image must be clean after serve-vm stopped');

    vm = await startServeVm(root);
    assert.match(vm.output(), /serve-vm: using the CAS image .*cas\.ext4 \(2048 MiB\)/);
    assert.doesNotMatch(vm.output(), /created the CAS image/);
    assert.equal(filesystemUuid(image), uuid, 'the image was formatted again');
    const again = new ReapiTestClient(vm.address);
    try {
      const missing = await new Promise<FindMissingBlobsResponse>((resolve, reject) =>
        again.cas.findMissingBlobs({ instanceName: '', blobDigests: [digestOf(marker)], digestFunction: 0 }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      assert.deepEqual(missing.missingBlobDigests, []);
      assert.equal(await again.read(digestOf(marker)), marker.toString());
    } finally {
      again.close();
    }
  });

  test('actions inside the guest see only loopback: no interface but lo, no route, neither the host nor the worker reachable', async () => {
    assert.ok(vm !== undefined);
    const client = new ReapiTestClient(vm.address);
    try {
      const { actionDigest } = await client.prepare({
        script: [
          'echo "interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"',
          'echo "routes: $(tail -n +2 /proc/net/route | wc -l)"',
          'try() { if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then echo "$1:$2 reachable"; else echo "$1:$2 unreachable"; fi; }',
          // The user-mode network's host address, the guest worker's own address, and the outside.
          'try 10.0.2.2 22; try 10.0.2.15 8980; try 192.0.2.1 80',
          '(exec 3<>/dev/tcp/127.0.0.1/1) 2>&1 | grep -q refused && echo "loopback up"',
        ].join('\n'),
        doNotCache: true,
      });
      const { response } = await client.execute(actionDigest, { skipCacheLookup: true });
      const stdout = response.result?.stdoutDigest ? await client.read(response.result.stdoutDigest) : '';
      assert.equal(response.result?.exitCode, 0, stdout);
      assert.match(stdout, /^interfaces: lo $/m);
      assert.match(stdout, /^routes: 0$/m);
      assert.match(stdout, /^10\.0\.2\.2:22 unreachable$/m);
      assert.match(stdout, /^10\.0\.2\.15:8980 unreachable$/m);
      assert.match(stdout, /^192\.0\.2\.1:80 unreachable$/m);
      assert.match(stdout, /^loopback up$/m);
    } finally {
      client.close();
    }
  });

  test('a killed VM is reported, restarted, and answers again on the same address', async () => {
    assert.ok(vm !== undefined);
    const qemu = spawnSync('pgrep', ['-P', String(vm.child.pid), 'qemu-system'], { encoding: 'utf8' }).stdout.trim();
    assert.match(qemu, /^\d+$/, `no single QEMU child of serve-vm (pid ${vm.child.pid}): ${qemu}`);
    process.kill(Number(qemu), 'SIGKILL');
    const reported = await vm.line(/the actiond VM stopped unexpectedly: QEMU pid \d+ .* ended: the hypervisor was killed by SIGKILL .*restarting in \d+ s/, 60_000);
    process.stderr.write(`# ${reported}\n`);
    // A call made meanwhile waits for the new VM, or fails UNAVAILABLE saying why.
    await capabilities(vm.address, 120_000).catch((e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.UNAVAILABLE);
      assert.match(e.details, /the actiond VM is (restarting|still booting)/);
    });
    await vm.line(/serve-vm: the actiond VM is back \(boot 2, ready in/, STARTUP_MS);
    const answer = await capabilities(vm.address, 60_000);
    assert.ok(answer.cacheCapabilities !== undefined);
    await stopServeVm(vm);
  });
});
