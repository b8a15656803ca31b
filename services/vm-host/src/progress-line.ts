/** Where progress goes: stderr in the binaries, a capture in tests. */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** How often the elapsed time on a terminal is redrawn. */
const TICK_MS = 250;

/**
 * One line of progress for something slow (a kernel build, a boot). On a
 * terminal it is a single status line, redrawn in place with the elapsed
 * time and cleared when done, so the scrollback keeps only the lines that
 * matter. Elsewhere (CI logs, a pipe) each new status is one plain line.
 */
export class ProgressLine {
  readonly #out: ProgressOutput;
  readonly #prefix: string;
  readonly #started = performance.now();
  #status = '';
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;

  /** `prefix` starts every line ("serve-vm: booting the actiond VM"). */
  constructor(out: ProgressOutput, prefix: string) {
    this.#out = out;
    this.#prefix = prefix;
    if (out.isTTY === true) {
      this.#timer = setInterval(() => this.#draw(), TICK_MS);
      this.#timer.unref();
    }
  }

  /** Shows a new status (printed as a line of its own when not on a terminal). */
  update(status: string): void {
    if (status === this.#status) return;
    this.#status = status;
    if (this.#out.isTTY === true) this.#draw();
    else this.#out.write(`${this.#prefix}: ${status} (${this.#elapsed()})\n`);
  }

  /**
   * Prints a line that must stay (a log line) without breaking the status
   * line: on a terminal the status line is cleared, the line printed, and the
   * status drawn again below it.
   */
  print(line: string): void {
    if (this.#out.isTTY === true && this.#drawn) this.#out.write('\r\x1b[K');
    this.#out.write(`${line}\n`);
    this.#drawn = false;
    if (this.#out.isTTY === true && this.#timer !== undefined) this.#draw();
  }

  /** Stops redrawing and clears the status line. */
  done(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#out.isTTY === true && this.#drawn) this.#out.write('\r\x1b[K');
    this.#drawn = false;
  }

  #elapsed(): string {
    const seconds = (performance.now() - this.#started) / 1000;
    return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.floor(seconds % 60)} s`;
  }

  #draw(): void {
    if (this.#status === '') return;
    this.#out.write(`\r\x1b[K${this.#prefix}: ${this.#status} (${this.#elapsed()})`);
    this.#drawn = true;
  }
}
