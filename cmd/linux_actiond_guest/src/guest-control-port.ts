import { ControlLineSplitter, formatControlMessage, parseControlMessage, type ControlMessage } from '@actiond/vm-host';

/**
 * The guest's end of the control channel as a file (a virtio-serial port).
 * read() resolves once there is data, with its length, or with 0 while
 * nobody is connected at the host end; write() resolves once all of `data`
 * is taken.
 */
export interface ControlPortFile {
  read(buffer: Buffer): Promise<number>;
  write(data: Buffer): Promise<void>;
}

/** Options of {@link GuestControlPort}. */
export interface GuestControlPortOptions {
  readonly file: ControlPortFile;
  /** How long to wait before reading again while the host end is not connected. */
  readonly idleRetryMs?: number;
  /** Lines that are not control messages (a host/guest version mismatch). */
  readonly onProtocolError?: (error: Error) => void;
}

/**
 * The guest worker's end of the control channel (see @actiond/vm-host
 * control-message.ts). It reads until serve-vm says `stop`, or until the
 * channel ends after serve-vm's `hello` (serve-vm is gone: killed, or its
 * host crashed), and resolves {@link stopRequested} with the reason either
 * way. End of file before `hello` only means serve-vm has not connected yet.
 */
export class GuestControlPort {
  readonly #options: GuestControlPortOptions;
  #greeted = false;
  #writes: Promise<void> = Promise.resolve();
  /** Resolves with a reason when the guest should shut down; never rejects. */
  readonly stopRequested: Promise<string>;

  /** Starts reading at once. */
  constructor(options: GuestControlPortOptions) {
    this.#options = options;
    this.stopRequested = this.#readUntilStop();
  }

  /** Sends a message to serve-vm; writes go out in order. A write that fails ends the channel like end of file. */
  send(message: ControlMessage): Promise<void> {
    this.#writes = this.#writes.then(() => this.#options.file.write(Buffer.from(formatControlMessage(message))));
    return this.#writes;
  }

  async #readUntilStop(): Promise<string> {
    const buffer = Buffer.alloc(4096);
    let stop: string | undefined;
    const splitter = new ControlLineSplitter((line) => {
      let message: ControlMessage;
      try {
        message = parseControlMessage(line);
      } catch (error) {
        this.#options.onProtocolError?.(error as Error);
        return;
      }
      if (message.type === 'hello') this.#greeted = true;
      else if (message.type === 'stop') stop ??= `serve-vm asked to stop (${message.reason})`;
    });
    for (;;) {
      let n: number;
      try {
        n = await this.#options.file.read(buffer);
      } catch (error) {
        return `the control channel failed: ${(error as Error).message}`;
      }
      if (n === 0) {
        if (this.#greeted) return 'serve-vm closed the control channel (it stopped or was killed)';
        await new Promise((resolve) => setTimeout(resolve, this.#options.idleRetryMs ?? 100));
        continue;
      }
      try {
        splitter.push(buffer.subarray(0, n));
      } catch (error) {
        this.#options.onProtocolError?.(error as Error);
      }
      if (stop !== undefined) return stop;
    }
  }
}
