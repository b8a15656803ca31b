import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FlagValues } from '@actiond/cli';
import {
  BOOT_PHASE_TEXT,
  CONTROL_PORT_NAME,
  DEFAULT_RESTART_POLICY,
  GrpcHttp2Proxy,
  GuestUnavailableError,
  ProgressLine,
  QemuHypervisor,
  VmSupervisor,
  encodeGuestBootConfig,
  ensureCasImage,
  formatBootTimings,
  hostVmArch,
  qemuInstallHint,
  qemuProgram,
  type ProgressOutput,
  type VmArch,
  type VmConfig,
} from '@actiond/vm-host';
import { grpcAddress } from './listen-address.ts';
import type { serveVmFlags } from './serve-vm-flags.ts';
import { waitForStopSignal } from './stop-signal.ts';
import { ACTIOND_VERSION } from './version.ts';
import { RepositoryVmBootFiles, pinBootFiles, type VmBootFiles, type VmBootFileSource } from './vm-boot-files.ts';

/** What `serve-vm` takes from the process besides its flags. */
export interface ServeVmEnvironment {
  /** Writes one line for the operator (stderr in the binaries). */
  readonly log: (line: string) => void;
  /** Where progress displays go (stderr: a redrawn line on a terminal, plain lines otherwise). */
  readonly progress: ProgressOutput;
  /** Resolves when serve-vm should stop; SIGINT/SIGTERM unless a test passes its own. */
  readonly stopRequested?: Promise<string>;
  /** Called once the proxy serves and the VM answers, with the bound port (tests use port 0). */
  readonly onListening?: (port: number) => void;
  /** Boot files the flags do not name (default: built from the checkout). */
  readonly bootFiles?: VmBootFileSource;
}

/** The guest's address on its user-mode network, and the port its worker serves on there. */
const GUEST_ADDRESS = '10.0.2.15/24';
const GUEST_INTERFACE = 'eth0';
const GUEST_PORT = 8980;

/** Disk serials /init finds the disks by (vm/README.md). */
const DISK_SERIALS = { cas: 'actiond-cas', system: 'actiond-system', runtimes: 'actiond-runtimes' } as const;

/** A TCG boot on a busy 2-core machine takes tens of seconds; past this something is wrong. */
const BOOT_TIMEOUT_MS = 300_000;
/** The guest worker lets calls finish, syncs and unmounts the CAS disk within this. */
const STOP_GRACE_MS = 30_000;
/** Calls wait this long for a restarting VM before failing UNAVAILABLE (Bazel retries them). */
const WAIT_FOR_GUEST_MS = 30_000;
/** Running calls may finish for this long after a stop signal. */
const PROXY_CLOSE_GRACE_MS = 5_000;

/**
 * `serve-vm`: runs the actiond worker inside a Linux VM and proxies every
 * REAPI call from --listen into it. The guest keeps the CAS and ActionCache
 * on the ext4 image (--cas-image), runs actions in the same sandbox as
 * `serve` on a Linux host, and reaches neither the host nor the network.
 * The VM is restarted when it dies (see VmSupervisor), stopped cleanly on
 * SIGINT/SIGTERM. Returns the exit status; every failure is one line.
 */
export async function serveVm(flags: FlagValues<typeof serveVmFlags>, environment: ServeVmEnvironment): Promise<number> {
  const { log } = environment;
  const started = performance.now();
  // Listened for from the start: a Ctrl-C while the images build or the VM boots stops it cleanly too.
  const stop = environment.stopRequested ?? waitForStopSignal();
  let stopSignal: string | undefined;
  void stop.then((signal) => (stopSignal = signal));
  const fail = (reason: string) => {
    log(`serve-vm: ${reason}`);
    return 1;
  };
  const arch = hostVmArch();
  if (arch === undefined) return fail(`the VM runs on x86_64 or aarch64 hosts, not ${process.arch}`);
  const root = resolve(flags.root);
  const casImage = resolve(flags.casImage ?? join(root, 'cas.ext4'));
  const hypervisor = new QemuHypervisor({ accel: flags.accel });
  let accel: string;
  try {
    accel = hypervisor.describeAccel(arch);
    await checkQemuInstalled(arch);
    await mkdir(root, { recursive: true });
  } catch (error) {
    return fail((error as Error).message);
  }

  // The proxy binds first, so a busy port fails at once rather than after the images are built.
  let supervisor: VmSupervisor | undefined;
  const proxy = new GrpcHttp2Proxy({
    upstream: {
      session: (waitMs, signal) =>
        supervisor === undefined ? Promise.reject(new GuestUnavailableError('the actiond VM is not booted yet (serve-vm is preparing its images)')) : supervisor.session(waitMs, signal),
    },
    waitForGuestMs: WAIT_FOR_GUEST_MS,
  });
  let port: number;
  try {
    port = await proxy.listen(flags.listen.host, flags.listen.port);
  } catch (error) {
    return fail(`cannot listen on ${grpcAddress(flags.listen)}: ${bindFailureReason(error)}`);
  }
  const address = grpcAddress({ host: flags.listen.host, port });

  let files: VmBootFiles;
  let cas;
  const preparing = new ProgressLine(environment.progress, 'serve-vm: preparing the VM images');
  try {
    files = await untilStopped(stop, bootFiles(flags, arch, environment.bootFiles ?? new RepositoryVmBootFiles(), (line) => preparing.update(line)));
    files = await pinBootFiles(files, join(root, 'boot'));
    cas = await ensureCasImage(casImage, flags.casImageSizeMib * 1024 * 1024);
  } catch (error) {
    preparing.done();
    await proxy.close(0);
    if (stopSignal !== undefined) {
      log(`serve-vm: ${stopSignal} received while preparing the VM images, stopping`);
      return 0;
    }
    return fail((error as Error).message);
  } finally {
    preparing.done();
  }
  const prepared = performance.now();
  log(
    cas.created
      ? `serve-vm: created the CAS image ${cas.path} (${flags.casImageSizeMib} MiB, sparse, ext4)`
      : `serve-vm: using the CAS image ${cas.path} (${Math.round(cas.sizeBytes / 1048576)} MiB)`,
  );

  const runDirectory = await shortRunDirectory(join(root, 'vm'));
  const config: VmConfig = {
    arch,
    kernel: files.kernel,
    initramfs: files.initramfs,
    kernelArgs: [
      `actiond.cas=serial:${DISK_SERIALS.cas}`,
      `actiond.system=serial:${DISK_SERIALS.system}`,
      ...(files.runtimeImage === undefined ? [] : [`actiond.runtimes=serial:${DISK_SERIALS.runtimes}`]),
      `actiond.port=${GUEST_PORT}`,
      encodeGuestBootConfig({ network: { interface: GUEST_INTERFACE, address: GUEST_ADDRESS }, controlPort: CONTROL_PORT_NAME, instanceNames: flags.instanceName }),
    ],
    disks: [
      { path: cas.path, readOnly: false, serial: DISK_SERIALS.cas },
      { path: files.systemImage, readOnly: true, serial: DISK_SERIALS.system },
      ...(files.runtimeImage === undefined ? [] : [{ path: files.runtimeImage, readOnly: true, serial: DISK_SERIALS.runtimes }]),
    ],
    memoryMiB: flags.memoryMib,
    cpus: flags.cpus,
    network: { guestAddress: GUEST_ADDRESS, guestPorts: [GUEST_PORT] },
    runDirectory,
    consoleLogPath: join(root, 'console.log'),
  };

  const booting = new ProgressLine(environment.progress, 'serve-vm: booting the actiond VM');
  let firstBootDone = false;
  supervisor = new VmSupervisor({
    hypervisor,
    config: () => config,
    guestPort: GUEST_PORT,
    bootTimeoutMs: BOOT_TIMEOUT_MS,
    stopGraceMs: STOP_GRACE_MS,
    restart: DEFAULT_RESTART_POLICY,
    log: (line) => (firstBootDone ? log(line) : booting.print(line)),
    onProgress: (progress) => {
      if (progress.boot === 1) booting.update(BOOT_PHASE_TEXT[progress.phase]);
    },
  });
  log(`serve-vm: booting the actiond VM with QEMU, accelerator ${accel}; console log ${config.consoleLogPath}`);
  const running = supervisor;
  try {
    const timings = await untilStopped(stop, running.start());
    booting.done();
    firstBootDone = true;
    const total = ((performance.now() - started) / 1000).toFixed(1);
    const preparation = ((prepared - started) / 1000).toFixed(1);
    log(
      `serve-vm ${ACTIOND_VERSION}: serving REAPI on ${address} through the actiond VM (root ${root}); ` +
        `VM ready in ${formatBootTimings(timings)}, ${total} s after start (${preparation} s preparing images)`,
    );
  } catch (error) {
    booting.done();
    await proxy.close(0);
    if (stopSignal !== undefined) {
      log(`serve-vm: ${stopSignal} received while booting, stopping the VM`);
      const exit = await running.stop();
      log(`serve-vm: stopped${exit === undefined ? '' : ` (the VM: ${exit.reason})`}`);
      return 0;
    }
    return fail(`${(error as Error).message} (console log: ${config.consoleLogPath})`);
  }
  environment.onListening?.(port);

  const outcome = await Promise.race([stop.then((signal) => ({ signal })), running.gaveUp.then((error) => ({ error }))]);
  if ('error' in outcome) {
    await proxy.close(0);
    await running.stop();
    return fail(outcome.error.message);
  }
  log(`serve-vm: ${outcome.signal} received, stopping`);
  await proxy.close(PROXY_CLOSE_GRACE_MS);
  const exit = await running.stop();
  log(`serve-vm: stopped${exit === undefined ? '' : ` (the VM: ${exit.reason})`}`);
  return 0;
}

/** Settles like `work`, or rejects as soon as a stop is requested (the work itself is not cancelled). */
function untilStopped<T>(stop: Promise<string>, work: Promise<T>): Promise<T> {
  return Promise.race([work, stop.then((signal) => Promise.reject(new Error(`${signal} received`)))]);
}

// The flags' files when all are given; otherwise the source builds what is missing.
async function bootFiles(flags: FlagValues<typeof serveVmFlags>, arch: VmArch, source: VmBootFileSource, log: (line: string) => void): Promise<VmBootFiles> {
  const given = { kernel: flags.kernel, initramfs: flags.initramfs, systemImage: flags.systemImage, runtimeImage: flags.runtimeImage };
  const flagOf = { kernel: '--kernel', initramfs: '--initramfs', systemImage: '--system-image', runtimeImage: '--runtime-image' } as const;
  for (const [key, path] of Object.entries(given)) {
    if (path !== undefined && !existsSync(path)) throw new Error(`${flagOf[key as keyof typeof flagOf]} ${path}: no such file`);
  }
  const complete = given.kernel !== undefined && given.initramfs !== undefined && given.systemImage !== undefined && given.runtimeImage !== undefined;
  const built = complete ? undefined : await source.files(arch, { runtimes: given.runtimeImage === undefined }, log);
  return {
    kernel: resolve(given.kernel ?? built!.kernel),
    initramfs: resolve(given.initramfs ?? built!.initramfs),
    systemImage: resolve(given.systemImage ?? built!.systemImage),
    runtimeImage: given.runtimeImage === undefined ? built?.runtimeImage : resolve(given.runtimeImage),
  };
}

// QEMU's unix sockets must fit in 107 bytes; a deep --root gets a private directory under the temp dir instead.
async function shortRunDirectory(preferred: string): Promise<string> {
  if (Buffer.byteLength(join(preferred, 'control.sock')) <= 100) {
    await mkdir(preferred, { recursive: true, mode: 0o700 });
    return preferred;
  }
  return mkdtemp(join(tmpdir(), 'actiond-vm-'));
}

// Fails with the one-line install hint before any image is built, rather than minutes later.
function checkQemuInstalled(arch: VmArch): Promise<void> {
  const program = qemuProgram(arch);
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['--version'], { stdio: 'ignore' });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? `${program} is not installed: ${qemuInstallHint(arch)}` : `cannot run ${program}: ${error.message}`)),
    );
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} --version failed with status ${code}`))));
  });
}

function bindFailureReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return 'the address is already in use';
  if (code === 'EADDRNOTAVAIL') return 'no such local address';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
