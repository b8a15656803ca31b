import type { Duplex } from 'node:stream';
import { ControlLineSplitter, formatControlMessage, parseControlMessage, type ControlMessage } from './control-message.ts';

/**
 * What the supervisor needs of a control channel (HostControlChannel is the
 * one backends share; tests pass their own).
 */
export interface ControlChannel {
  /** Resolves with the first message of `type` from now on; rejects when `signal` aborts first. */
  waitFor<T extends ControlMessage['type']>(type: T, signal: AbortSignal): Promise<Extract<ControlMessage, { type: T }>>;
  /** Asks the guest to shut down cleanly; returns false when the channel is not connected. */
  requestStop(reason: string): boolean;
}

/** Options of {@link HostControlChannel}. */
export interface HostControlChannelOptions {
  /** Opens the byte stream to the guest's control port (QEMU: the virtio-serial port's unix socket). */
  readonly connect: () => Duplex;
  /** Connecting stops being retried when this aborts (the VM has ended). */
  readonly signal: AbortSignal;
  /** Delay between attempts while the hypervisor has not created its end yet. */
  readonly retryMs?: number;
  /** Told about lines from the guest that are not control messages. */
  readonly onProtocolError?: (error: Error) => void;
}

/**
 * serve-vm's end of the control channel (see control-message.ts). It
 * connects as soon as the hypervisor's end exists, retrying until then, and
 * sends `hello` at once: the message waits in the channel until the guest
 * opens its port. Messages from the guest go to the listeners.
 *
 * Closing this end tells the guest serve-vm is gone; the guest then shuts
 * itself down. That is deliberate: the channel living exactly as long as
 * serve-vm's process is what stops an orphaned VM.
 */
export class HostControlChannel implements ControlChannel {
  readonly #options: HostControlChannelOptions;
  readonly #listeners = new Set<(message: ControlMessage) => void>();
  #stream: Duplex | undefined;
  #closed = false;

  /** Creates the channel; call {@link open} to connect. */
  constructor(options: HostControlChannelOptions) {
    this.#options = options;
  }

  /** Connects (retrying while the far end does not exist) and sends hello. Rejects when the signal aborts first. */
  async open(): Promise<void> {
    const retryMs = this.#options.retryMs ?? 20;
    while (this.#stream === undefined) {
      this.#options.signal.throwIfAborted();
      try {
        this.#stream = await this.#attempt();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    }
    const stream = this.#stream;
    const splitter = new ControlLineSplitter((line) => {
      let message: ControlMessage;
      try {
        message = parseControlMessage(line);
      } catch (error) {
        this.#options.onProtocolError?.(error as Error);
        return;
      }
      for (const listener of this.#listeners) listener(message);
    });
    stream.on('data', (chunk: Buffer) => {
      try {
        splitter.push(chunk);
      } catch (error) {
        this.#options.onProtocolError?.(error as Error);
        stream.destroy();
      }
    });
    this.#send({ type: 'hello' });
  }

  /** Calls `listener` with every message from the guest; returns the function that removes it. */
  onMessage(listener: (message: ControlMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the first message of `type` from now on; rejects when `signal` aborts first. */
  waitFor<T extends ControlMessage['type']>(type: T, signal: AbortSignal): Promise<Extract<ControlMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        remove();
        reject(signal.reason);
      };
      const remove = this.onMessage((message) => {
        if (message.type !== type) return;
        remove();
        signal.removeEventListener('abort', onAbort);
        resolve(message as Extract<ControlMessage, { type: T }>);
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Asks the guest to shut down cleanly; returns false when the channel is not connected. */
  requestStop(reason: string): boolean {
    return this.#send({ type: 'stop', reason });
  }

  /** Closes serve-vm's end (the guest then shuts down on its own). */
  close(): void {
    this.#closed = true;
    this.#stream?.destroy();
  }

  #send(message: ControlMessage): boolean {
    const stream = this.#stream;
    if (stream === undefined || stream.destroyed || this.#closed) return false;
    stream.write(formatControlMessage(message));
    return true;
  }

  #attempt(): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const stream = this.#options.connect();
      const onError = (error: Error) => reject(error);
      stream.once('error', onError);
      stream.once('connect', () => {
        stream.off('error', onError);
        // Later errors (the VM died) just end the channel; the VM's exit is reported elsewhere.
        stream.on('error', () => undefined);
        resolve(stream);
      });
    });
  }
}
