import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { probeAccelFacts } from './accel-facts.ts';
import { ConsoleLog } from './console-log.ts';
import { freeLoopbackPort } from './free-tcp-port.ts';
import { guestEndReason } from './guest-end-reason.ts';
import { HostControlChannel } from './host-control-channel.ts';
import type { Hypervisor, RunningVm, VmConfig, VmExit } from './hypervisor.ts';
import { chooseQemuAccel, type AccelFacts, type QemuAccelRequest } from './qemu-accel.ts';
import { qemuCommand, qemuInstallHint } from './qemu-command.ts';

/** Options of {@link QemuHypervisor}. */
export interface QemuHypervisorOptions {
  /** `--accel`: an accelerator or `auto`. */
  readonly accel: QemuAccelRequest;
  /** The host facts the `auto` choice reads (default: probeAccelFacts()). */
  readonly facts?: AccelFacts;
  /** The emulator to run instead of qemu-system-<arch> (tests run a stand-in). */
  readonly program?: string;
}

/** Longest unix socket path (sun_path holds 108 bytes with the terminating NUL). */
const MAX_SOCKET_PATH_BYTES = 107;

/** How much of QEMU's stderr is kept for the exit reason. */
const STDERR_TAIL_BYTES = 4096;

/**
 * Runs the actiond guest under QEMU (see qemuCommand() for the machine).
 * QEMU appends the console to the config's log file itself, the control
 * channel is a virtio-serial port on `<runDirectory>/control.sock`, and the
 * guest's gRPC port is forwarded to a fresh loopback port for each boot.
 */
export class QemuHypervisor implements Hypervisor {
  readonly name: string;
  readonly #options: QemuHypervisorOptions;
  readonly #facts: AccelFacts;

  /** Reads the host facts once (a few file checks). */
  constructor(options: QemuHypervisorOptions) {
    this.#options = options;
    this.#facts = options.facts ?? probeAccelFacts();
    this.name = `QEMU (--accel=${options.accel})`;
  }

  /** The accelerator a guest of `arch` would get, with the reason (for the startup line). */
  describeAccel(arch: VmConfig['arch']): string {
    const choice = chooseQemuAccel(this.#options.accel, arch, this.#facts);
    return `${choice.accel} (${choice.why})`;
  }

  /**
   * Starts QEMU. Resolves once the process runs; rejects with a one-line
   * reason when it cannot (QEMU not installed, a socket path too long, an
   * accelerator that cannot work here). Whatever QEMU itself refuses (a
   * locked disk image, a bad kernel) ends the VM at once, with the reason in
   * `exited`.
   */
  async start(config: VmConfig): Promise<RunningVm> {
    const choice = chooseQemuAccel(this.#options.accel, config.arch, this.#facts);
    const controlSocket = join(config.runDirectory, 'control.sock');
    if (Buffer.byteLength(controlSocket) > MAX_SOCKET_PATH_BYTES) {
      throw new Error(`the control socket path ${controlSocket} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a shorter --root`);
    }
    await mkdir(config.runDirectory, { recursive: true, mode: 0o700 });
    await rm(controlSocket, { force: true });
    const hostPorts = new Map<number, number>();
    for (const guestPort of config.network.guestPorts) hostPorts.set(guestPort, await freeLoopbackPort());
    const { command: defaultCommand, args } = qemuCommand(config, { accel: choice.accel, hostPorts, controlSocket, consoleLog: config.consoleLogPath });
    const command = this.#options.program ?? defaultCommand;

    // detached: its own process group, so a Ctrl-C on serve-vm's terminal (or a signal to its group)
    // does not kill QEMU under the guest; serve-vm stops the guest cleanly instead, and if serve-vm
    // dies the guest sees the control channel close and powers off by itself.
    const consoleLog = new ConsoleLog(config.consoleLogPath, `${command} (${choice.accel}, ${config.cpus} vCPUs, ${config.memoryMiB} MiB)`);
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    try {
      await once(child, 'spawn');
    } catch (error) {
      consoleLog.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`${command} is not installed: ${qemuInstallHint(config.arch)}`);
      throw new Error(`cannot run ${command}: ${(error as Error).message}`);
    }
    const description = `QEMU pid ${child.pid} (${choice.accel}, ${config.cpus} vCPUs, ${config.memoryMiB} MiB)`;
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
      for (const line of chunk.split('\n')) if (line.trim() !== '') consoleLog.note(`qemu: ${line.trim()}`);
    });

    const ended = new AbortController();
    const control = new HostControlChannel({ connect: () => connect(controlSocket), signal: ended.signal });
    control.open().catch(() => undefined); // ends when the VM does; the supervisor notices through `exited`
    let killedByHost = false;
    const exited = new Promise<VmExit>((resolve) => {
      child.on('close', (code, signal) => {
        ended.abort(new Error('the VM has ended'));
        control.close();
        consoleLog.close();
        const reason = guestEndReason({
          code,
          signal,
          killedByHost,
          consoleLines: consoleLog.recent(),
          hypervisorError: qemuError(stderr, command),
        });
        resolve({ code, signal, reason });
      });
    });
    const kill = () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killedByHost = true;
      consoleLog.note('killed by serve-vm');
      child.kill('SIGKILL');
    };
    return {
      description,
      exited,
      console: consoleLog,
      control,
      connectGuest: (guestPort) => {
        const hostPort = hostPorts.get(guestPort);
        if (hostPort === undefined) throw new Error(`guest port ${guestPort} is not forwarded (forwarded: ${[...hostPorts.keys()].join(', ')})`);
        return connect({ host: '127.0.0.1', port: hostPort });
      },
      stop: async (graceMs) => {
        control.requestStop('serve-vm is stopping');
        const timer = setTimeout(kill, graceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      },
      kill,
    };
  }
}

/**
 * The line of QEMU's stderr that says why it stopped, without the program
 * name; a locked disk image gets a hint, since that is the one an operator
 * meets (two serve-vm on one CAS image).
 */
export function qemuError(stderr: string, command: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.find((l) => !l.startsWith('qemu: terminating')) ?? lines[0];
  if (line === undefined) return undefined;
  const text = line.startsWith(`${command}: `) ? line.slice(command.length + 2) : line;
  if (text.includes('Failed to get "write" lock')) {
    const image = /Is another process using the image \[(.*)\]\?/.exec(stderr)?.[1];
    return `the disk image ${image === undefined ? '' : `${image} `}is in use by another VM (is another serve-vm running with the same CAS image?)`;
  }
  return text;
}
