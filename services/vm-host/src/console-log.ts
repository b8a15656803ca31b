import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** How many console lines a ConsoleLog keeps in memory for error messages. */
export const RECENT_CONSOLE_LINES = 40;

/** How often the log file is checked for new output. */
const POLL_MS = 50;

/**
 * A VM's console as lines. The hypervisor appends the console to a log file
 * itself (so it keeps going, and stays readable, whatever happens to
 * serve-vm); this follows the file, hands each new line to listeners, and
 * keeps the last {@link RECENT_CONSOLE_LINES} for the reason an operator
 * reads when a boot fails.
 */
export class ConsoleLog {
  readonly path: string;
  readonly #fd: number;
  readonly #decoder = new StringDecoder('utf8');
  readonly #recent: string[] = [];
  readonly #listeners = new Set<(line: string) => void>();
  readonly #buffer = Buffer.alloc(64 * 1024);
  readonly #timer: NodeJS.Timeout;
  #offset: number;
  #partial = '';
  #closed = false;

  /**
   * Appends a header line naming this boot to `path` (created if missing)
   * and follows what is appended after it.
   */
  constructor(path: string, header: string) {
    this.path = path;
    this.#fd = openSync(path, 'a+');
    const line = Buffer.from(`==== ${new Date().toISOString()} ${header}\n`);
    writeSync(this.#fd, line);
    this.#offset = sizeOf(this.#fd);
    this.#timer = setInterval(() => this.#poll(), POLL_MS);
    this.#timer.unref();
  }

  /** Calls `listener` with each complete line from now on; returns the function that removes it. */
  onLine(listener: (line: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The last lines, oldest first (at most {@link RECENT_CONSOLE_LINES}). */
  recent(): string[] {
    this.#poll();
    return [...this.#recent];
  }

  /** Appends a line of the host's own (QEMU's stderr, "killed by serve-vm") to the file. */
  note(text: string): void {
    if (this.#closed) return;
    // Read back by the poll like any console line; lines starting with ==== are the host's.
    writeSync(this.#fd, `==== ${text}\n`);
  }

  /** Reads what is left (call once the hypervisor has exited), flushes a partial line, and stops following. */
  close(): void {
    if (this.#closed) return;
    this.#poll();
    clearInterval(this.#timer);
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest !== '') this.#line(rest);
    this.#closed = true;
    closeSync(this.#fd);
  }

  #poll(): void {
    if (this.#closed) return;
    for (;;) {
      const n = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, this.#offset);
      if (n === 0) return;
      this.#offset += n;
      const parts = (this.#partial + this.#decoder.write(this.#buffer.subarray(0, n))).split('\n');
      this.#partial = parts.pop() ?? '';
      for (const part of parts) this.#line(part);
    }
  }

  #line(raw: string): void {
    // The serial console ends lines with \r\n.
    const line = raw.replace(/\r+$/, '');
    this.#recent.push(line);
    if (this.#recent.length > RECENT_CONSOLE_LINES) this.#recent.shift();
    for (const listener of this.#listeners) listener(line);
  }
}

function sizeOf(fd: number): number {
  return fstatSync(fd).size;
}
