import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { phaseOfConsoleLine, type BootPhase, type BootProgress, type BootTimings } from './boot-progress.ts';
import { probeCapabilities } from './capabilities-probe.ts';
import type { Hypervisor, RunningVm, VmConfig, VmExit } from './hypervisor.ts';
import { GuestUnavailableError } from './guest-unavailable-error.ts';

/** When a crashed VM is restarted, and when serve-vm gives up. */
export interface RestartPolicy {
  /** This many unexpected ends within `windowMs` make serve-vm give up. */
  readonly maxCrashes: number;
  readonly windowMs: number;
  /** Wait before the n-th restart in a row (the last entry repeats). */
  readonly backoffMs: readonly number[];
}

/** Three crashes in five minutes is a guest that will not stay up; fewer is worth restarting. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 3, windowMs: 5 * 60_000, backoffMs: [1_000, 2_000, 5_000] };

/** Options of {@link VmSupervisor}. */
export interface VmSupervisorOptions {
  readonly hypervisor: Hypervisor;
  /** The config of each boot (called once per boot). */
  readonly config: () => VmConfig;
  /** The guest worker's gRPC port (one of config.network.guestPorts). */
  readonly guestPort: number;
  /** A boot that has not answered GetCapabilities by then is killed and counts as failed. */
  readonly bootTimeoutMs: number;
  /** How long a stop waits for the guest to power off before killing the VM. */
  readonly stopGraceMs: number;
  readonly restart: RestartPolicy;
  /** One line per event for the operator. */
  readonly log: (line: string) => void;
  readonly onProgress?: (progress: BootProgress) => void;
  /** Checks a booted guest answers (default: a GetCapabilities call). */
  readonly probe?: (session: ClientHttp2Session, signal: AbortSignal) => Promise<void>;
}

type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'booting' }
  | { readonly kind: 'ready'; readonly vm: RunningVm }
  | { readonly kind: 'restarting'; readonly reason: string }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'stopping' };

interface Waiter {
  readonly resolve: (session: ClientHttp2Session) => void;
  readonly reject: (error: Error) => void;
}

/** HTTP/2 flow-control window for the session to the guest: large enough that uploads are not paced by round trips. */
const SESSION_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * Boots the actiond guest and keeps it running: a boot is ready when the
 * guest worker reports it listens and answers GetCapabilities through the
 * same path the proxy uses. If the VM ends while nobody asked it to, the
 * supervisor logs why and boots it again after a backoff, up to the
 * restart policy's limit; then it gives up with a one-line reason
 * ({@link gaveUp}). A first boot that fails is not retried: the reason goes
 * straight to the operator.
 *
 * {@link session} is what the proxy calls for each request: it answers with
 * the HTTP/2 session to the ready guest, waiting (up to a limit) while the
 * VM restarts, or fails with GuestUnavailableError saying why.
 */
export class VmSupervisor {
  readonly #options: VmSupervisorOptions;
  #state: State = { kind: 'idle' };
  #session: ClientHttp2Session | undefined;
  /** The VM of the boot in progress, so a stop can end it too. */
  #booting: RunningVm | undefined;
  #boots = 0;
  readonly #crashes: number[] = [];
  readonly #waiters = new Set<Waiter>();
  #restartTimer: NodeJS.Timeout | undefined;
  #resolveGaveUp: (error: Error) => void = () => undefined;
  /** Resolves (never rejects) with the reason when the supervisor gives up restarting. */
  readonly gaveUp: Promise<Error>;

  /** Creates the supervisor; nothing runs until {@link start}. */
  constructor(options: VmSupervisorOptions) {
    this.#options = options;
    this.gaveUp = new Promise((resolve) => (this.#resolveGaveUp = resolve));
  }

  /**
   * Boots the first VM and resolves with its timings once it answers;
   * rejects with a one-line reason when it does not.
   */
  async start(): Promise<BootTimings> {
    if (this.#state.kind !== 'idle') throw new Error('the supervisor was already started');
    this.#state = { kind: 'booting' };
    try {
      return await this.#boot();
    } catch (error) {
      this.#state = { kind: 'failed', reason: (error as Error).message };
      throw error;
    }
  }

  /**
   * The HTTP/2 session to the ready guest. While the VM is booting or
   * restarting, waits up to `waitMs`; rejects with GuestUnavailableError
   * (naming the reason) after that, when the supervisor has given up, or
   * when it is stopping.
   */
  session(waitMs: number, signal?: AbortSignal): Promise<ClientHttp2Session> {
    const state = this.#state;
    if (state.kind === 'ready') return Promise.resolve(this.#liveSession(state.vm));
    if (state.kind === 'failed') return Promise.reject(new GuestUnavailableError(`the actiond VM is down: ${state.reason}`));
    if (state.kind === 'stopping') return Promise.reject(new GuestUnavailableError('serve-vm is stopping'));
    const why = state.kind === 'restarting' ? `the actiond VM is restarting after: ${state.reason}` : 'the actiond VM is still booting';
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        resolve: (session) => {
          done();
          resolve(session);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      const onAbort = () => waiter.reject(new GuestUnavailableError(`${why} (the call was cancelled while waiting)`));
      const timer = setTimeout(() => waiter.reject(new GuestUnavailableError(`${why}; not back within ${Math.round(waitMs / 1000)} s`)), waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /** Stops the VM cleanly (see RunningVm.stop) and ends supervision. Resolves with the VM's exit, if one was running. */
  async stop(): Promise<VmExit | undefined> {
    const state = this.#state;
    this.#state = { kind: 'stopping' };
    clearTimeout(this.#restartTimer);
    this.#rejectWaiters(new GuestUnavailableError('serve-vm is stopping'));
    this.#session?.close();
    this.#session = undefined;
    const vm = state.kind === 'ready' ? state.vm : this.#booting;
    return vm?.stop(this.#options.stopGraceMs);
  }

  // Boots one VM; on success the state is ready and waiters are served.
  async #boot(): Promise<BootTimings> {
    const boot = ++this.#boots;
    const started = performance.now();
    const reachedMs: Partial<Record<BootPhase, number>> = {};
    const reach = (phase: BootPhase) => {
      if (reachedMs[phase] !== undefined) return;
      const elapsedMs = Math.round(performance.now() - started);
      reachedMs[phase] = elapsedMs;
      this.#options.onProgress?.({ boot, phase, elapsedMs });
    };
    reach('hypervisor');
    const vm = await this.#options.hypervisor.start(this.#options.config());
    this.#booting = vm;
    reach('kernel');
    vm.console.onLine((line) => {
      const phase = phaseOfConsoleLine(line);
      if (phase !== undefined) reach(phase);
      this.#echo(line);
    });
    const aborted = new AbortController();
    const timer = setTimeout(
      () => aborted.abort(new Error(`the guest did not answer within ${Math.round(this.#options.bootTimeoutMs / 1000)} s (console: ${vm.console.path})`)),
      this.#options.bootTimeoutMs,
    );
    void vm.exited.then((exit) => aborted.abort(new Error(exit.reason)));
    try {
      const listening = await vm.control.waitFor('listening', aborted.signal);
      if (listening.port !== this.#options.guestPort) {
        throw new Error(`the guest worker listens on port ${listening.port}, but port ${this.#options.guestPort} is the one forwarded`);
      }
      reach('probe');
      await (this.#options.probe ?? probeCapabilities)(this.#liveSession(vm), aborted.signal);
      reach('ready');
    } catch (error) {
      // Read before the kill below, whose exit aborts the signal too.
      const reason = aborted.signal.aborted ? (aborted.signal.reason as Error).message : (error as Error).message;
      vm.kill();
      const exit = await vm.exited;
      this.#session?.destroy();
      this.#session = undefined;
      throw new Error(`the actiond VM did not become ready: ${reason === exit.reason || exit.reason === 'killed by serve-vm' ? reason : `${reason} (${exit.reason})`}`);
    } finally {
      clearTimeout(timer);
      this.#booting = undefined;
    }
    if (this.#state.kind === 'stopping') {
      await vm.stop(this.#options.stopGraceMs);
      throw new GuestUnavailableError('serve-vm is stopping');
    }
    this.#state = { kind: 'ready', vm };
    void vm.exited.then((exit) => this.#ended(vm, exit));
    const session = this.#liveSession(vm);
    for (const waiter of [...this.#waiters]) waiter.resolve(session);
    return { boot, totalMs: Math.round(performance.now() - started), reachedMs };
  }

  // A ready VM ended: restart it, or give up.
  #ended(vm: RunningVm, exit: VmExit): void {
    if (this.#state.kind !== 'ready' || this.#state.vm !== vm) return;
    this.#session?.destroy();
    this.#session = undefined;
    this.#crashed(`${vm.description} ended: ${exit.reason} (console: ${vm.console.path})`);
  }

  #crashed(reason: string): void {
    const now = Date.now();
    this.#crashes.push(now);
    while (this.#crashes.length > 0 && this.#crashes[0]! < now - this.#options.restart.windowMs) this.#crashes.shift();
    const { maxCrashes, windowMs, backoffMs } = this.#options.restart;
    const count = this.#crashes.length;
    if (count >= maxCrashes) {
      const summary = `the actiond VM failed ${count} times within ${Math.round(windowMs / 1000)} s; giving up. Last: ${reason}`;
      this.#state = { kind: 'failed', reason: summary };
      this.#rejectWaiters(new GuestUnavailableError(`the actiond VM is down: ${summary}`));
      this.#options.log(`serve-vm: ${summary}`);
      this.#resolveGaveUp(new Error(summary));
      return;
    }
    const delay = backoffMs[Math.min(count - 1, backoffMs.length - 1)] ?? 1_000;
    this.#state = { kind: 'restarting', reason };
    this.#options.log(`serve-vm: the actiond VM stopped unexpectedly: ${reason}; restarting in ${(delay / 1000).toFixed(0)} s (failure ${count} of ${maxCrashes} allowed within ${Math.round(windowMs / 1000)} s)`);
    this.#restartTimer = setTimeout(() => void this.#restart(), delay);
  }

  async #restart(): Promise<void> {
    if (this.#state.kind !== 'restarting') return;
    try {
      const timings = await this.#boot();
      this.#options.log(`serve-vm: the actiond VM is back (boot ${timings.boot}, ready in ${(timings.totalMs / 1000).toFixed(1)} s)`);
    } catch (error) {
      // The state may have changed while the boot ran.
      if ((this.#state as State).kind === 'stopping') return;
      this.#crashed((error as Error).message);
    }
  }

  // The session to `vm`, opened again if the last one closed (the guest's server may close idle connections).
  #liveSession(vm: RunningVm): ClientHttp2Session {
    const current = this.#session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = http2Connect('http://actiond-vm', {
      createConnection: () => vm.connectGuest(this.#options.guestPort),
      settings: { initialWindowSize: SESSION_WINDOW_BYTES },
    });
    session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
    // Errors end the session; calls on it fail on their own streams, and the next call opens a new one.
    session.on('error', () => undefined);
    session.on('close', () => {
      if (this.#session === session) this.#session = undefined;
    });
    this.#session = session;
    return session;
  }

  #rejectWaiters(error: Error): void {
    for (const waiter of [...this.#waiters]) waiter.reject(error);
  }

  // The guest worker's lines and fatal lines go to the operator; the rest stays in the console log.
  #echo(line: string): void {
    if (line.startsWith('actiond-guest: ') || line.startsWith('actiond-init: FATAL') || line.includes('Kernel panic')) {
      this.#options.log(`vm: ${line}`);
    }
  }
}
