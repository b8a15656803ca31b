import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { CapabilitiesService, type GetCapabilitiesRequest, type ServerCapabilities } from '@actiond/proto';
import { ConsoleLog } from './console-log.ts';
import type { ControlMessage } from './control-message.ts';
import { GuestUnavailableError } from './guest-unavailable-error.ts';
import type { ControlChannel } from './host-control-channel.ts';
import type { Hypervisor, RunningVm, VmConfig, VmExit } from './hypervisor.ts';
import { VmSupervisor, type VmSupervisorOptions } from './vm-supervisor.ts';

// The supervisor against a scripted hypervisor whose VMs forward the guest
// port to a real gRPC server standing in for the guest worker.

const GUEST_PORT = 8980;

/** A VM the test drives: it reports listening, ends, and records how it was stopped. */
class FakeVm implements RunningVm {
  readonly description: string;
  readonly console: ConsoleLog;
  readonly exited: Promise<VmExit>;
  readonly control: ControlChannel;
  stoppedWith: 'stop' | 'kill' | undefined;
  #end!: (exit: VmExit) => void;
  readonly #listeners = new Set<(m: ControlMessage) => void>();
  readonly #serverPort: number;

  constructor(n: number, consolePath: string, serverPort: number) {
    this.description = `fake VM ${n}`;
    this.#serverPort = serverPort;
    this.console = new ConsoleLog(consolePath, this.description);
    this.exited = new Promise((resolve) => (this.#end = resolve));
    void this.exited.then(() => this.console.close());
    const listeners = this.#listeners;
    this.control = {
      waitFor: <T extends ControlMessage['type']>(type: T, signal: AbortSignal) =>
        new Promise<Extract<ControlMessage, { type: T }>>((resolve, reject) => {
          const listener = (m: ControlMessage) => {
            if (m.type === type) resolve(m as Extract<ControlMessage, { type: T }>);
          };
          listeners.add(listener);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      requestStop: () => {
        this.stoppedWith ??= 'stop';
        this.end({ code: 0, signal: null, reason: 'the guest worker exited with status 0' });
        return true;
      },
    };
  }
  /** The guest worker reports it listens. */
  listen(port = GUEST_PORT): void {
    for (const listener of this.#listeners) listener({ type: 'listening', port });
  }
  end(exit: VmExit): void {
    this.#end(exit);
  }
  connectGuest(port: number) {
    assert.equal(port, GUEST_PORT);
    return connect({ host: '127.0.0.1', port: this.#serverPort });
  }
  async stop(): Promise<VmExit> {
    this.control.requestStop('test');
    return this.exited;
  }
  kill(): void {
    this.stoppedWith ??= 'kill';
    this.end({ code: null, signal: 'SIGKILL', reason: 'killed by serve-vm' });
  }
}

/** Hands out FakeVms and lets the test script each boot through `onStart`. */
class FakeHypervisor implements Hypervisor {
  readonly name = 'fake';
  readonly vms: FakeVm[] = [];
  onStart: (vm: FakeVm) => void = (vm) => setImmediate(() => vm.listen());
  readonly #dir: string;
  readonly #serverPort: number;
  constructor(dir: string, serverPort: number) {
    this.#dir = dir;
    this.#serverPort = serverPort;
  }
  async start(_config: VmConfig): Promise<RunningVm> {
    const vm = new FakeVm(this.vms.length + 1, join(this.#dir, 'console.log'), this.#serverPort);
    this.vms.push(vm);
    this.onStart(vm);
    return vm;
  }
}

const config = {} as VmConfig;

describe('VmSupervisor', () => {
  let dir: string;
  let server: grpc.Server;
  let serverPort: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vm-supervisor-'));
    server = new grpc.Server();
    server.addService(CapabilitiesService, {
      getCapabilities: (_call: grpc.ServerUnaryCall<GetCapabilitiesRequest, ServerCapabilities>, cb: grpc.sendUnaryData<ServerCapabilities>) => cb(null, {} as ServerCapabilities),
    });
    serverPort = await new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  });
  after(() => {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  function supervisor(hypervisor: Hypervisor, overrides: Partial<VmSupervisorOptions> = {}) {
    const lines: string[] = [];
    const s = new VmSupervisor({
      hypervisor,
      config: () => config,
      guestPort: GUEST_PORT,
      bootTimeoutMs: 10_000,
      stopGraceMs: 1_000,
      restart: { maxCrashes: 3, windowMs: 60_000, backoffMs: [10] },
      log: (line) => lines.push(line),
      ...overrides,
    });
    return { s, lines };
  }

  test('is ready once the worker reports listening and answers GetCapabilities, and then serves sessions', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    const progress: string[] = [];
    const { s } = supervisor(hypervisor, { onProgress: (p) => progress.push(p.phase) });
    const timings = await s.start();
    assert.equal(timings.boot, 1);
    assert.deepEqual(progress, ['hypervisor', 'kernel', 'probe', 'ready']);
    assert.equal(hypervisor.vms.length, 1);
    const session = await s.session(1000);
    assert.ok(!session.destroyed);
    await s.stop();
  });

  test('a first boot that fails is reported with the guest\'s reason and not retried', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    hypervisor.onStart = (vm) => setImmediate(() => vm.end({ code: 0, signal: null, reason: 'the guest could not boot: CAS disk /dev/vda holds no ext4 filesystem' }));
    const { s } = supervisor(hypervisor);
    await assert.rejects(s.start(), /the actiond VM did not become ready: the guest could not boot: CAS disk \/dev\/vda holds no ext4 filesystem/);
    assert.equal(hypervisor.vms.length, 1);
    await assert.rejects(s.session(10), GuestUnavailableError);
  });

  test('a boot that does not answer in time is killed and reported', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    hypervisor.onStart = () => undefined;
    const { s } = supervisor(hypervisor, { bootTimeoutMs: 100 });
    await assert.rejects(s.start(), /the guest did not answer within 0 s/);
    assert.equal(hypervisor.vms[0]?.stoppedWith, 'kill');
  });

  test('a worker listening on another port than the forwarded one fails the boot', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    hypervisor.onStart = (vm) => setImmediate(() => vm.listen(9999));
    const { s } = supervisor(hypervisor);
    await assert.rejects(s.start(), /listens on port 9999, but port 8980 is the one forwarded/);
  });

  test('restarts a VM that ends unexpectedly, logging why, and calls made meanwhile wait for the new one', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    const { s, lines } = supervisor(hypervisor);
    await s.start();
    let restarted!: () => void;
    const restartedBoot = new Promise<void>((r) => (restarted = r));
    hypervisor.onStart = (vm) => {
      restarted();
      setTimeout(() => vm.listen(), 50);
    };
    hypervisor.vms[0]!.end({ code: null, signal: 'SIGKILL', reason: 'the hypervisor was killed by SIGKILL' });
    await new Promise((r) => setImmediate(r));
    const waiting = s.session(5_000);
    await restartedBoot;
    const session = await waiting;
    assert.ok(!session.destroyed);
    assert.equal(hypervisor.vms.length, 2);
    await new Promise((r) => setImmediate(r));
    assert.ok(
      lines.some((l) => /the actiond VM stopped unexpectedly: fake VM 1 ended: the hypervisor was killed by SIGKILL .*restarting in 0 s \(failure 1 of 3 allowed within 60 s\)/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.some((l) => /the actiond VM is back \(boot 2/.test(l)), lines.join('\n'));
    await s.stop();
  });

  test('a call that waits longer than its limit fails UNAVAILABLE naming the restart reason', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    const { s } = supervisor(hypervisor, { restart: { maxCrashes: 3, windowMs: 60_000, backoffMs: [60_000] } });
    await s.start();
    hypervisor.vms[0]!.end({ code: 0, signal: null, reason: 'the guest kernel panicked: oops' });
    await new Promise((r) => setImmediate(r));
    await assert.rejects(s.session(20), /the actiond VM is restarting after: fake VM 1 ended: the guest kernel panicked: oops .*; not back within 0 s/);
    await s.stop();
  });

  test('gives up after too many failures within the window, with a one-line reason, and fails waiting calls', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    const { s, lines } = supervisor(hypervisor, { restart: { maxCrashes: 2, windowMs: 60_000, backoffMs: [10] } });
    await s.start();
    hypervisor.onStart = (vm) => setImmediate(() => vm.end({ code: 0, signal: null, reason: 'the guest worker exited with status 1: boom' }));
    hypervisor.vms[0]!.end({ code: null, signal: 'SIGKILL', reason: 'the hypervisor was killed by SIGKILL' });
    await new Promise((r) => setImmediate(r));
    const waiting = s.session(10_000);
    const reason = await s.gaveUp;
    assert.match(reason.message, /^the actiond VM failed 2 times within 60 s; giving up\. Last: the actiond VM did not become ready: the guest worker exited with status 1: boom$/);
    await assert.rejects(waiting, (e: Error) => e instanceof GuestUnavailableError && e.message.includes('giving up'));
    assert.ok(lines.some((l) => l.includes('giving up')));
  });

  test('stop() stops the VM cleanly and fails later calls', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    const { s } = supervisor(hypervisor);
    await s.start();
    const exit = await s.stop();
    assert.equal(exit?.reason, 'the guest worker exited with status 0');
    assert.equal(hypervisor.vms[0]?.stoppedWith, 'stop');
    await assert.rejects(s.session(1000), /serve-vm is stopping/);
  });

  test('echoes the guest worker\'s console lines and fatal lines to the log', async () => {
    const hypervisor = new FakeHypervisor(dir, serverPort);
    hypervisor.onStart = (vm) => {
      appendFileSync(vm.console.path, 'actiond-init: starting\r\n[    1.0] some kernel line\nactiond-guest: serving\n');
      setTimeout(() => vm.listen(), 150);
    };
    const { s, lines } = supervisor(hypervisor);
    await s.start();
    assert.ok(lines.includes('vm: actiond-guest: serving'), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes('kernel line')));
    await s.stop();
  });
});
