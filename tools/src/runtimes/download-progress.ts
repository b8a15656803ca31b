import type { LockedPackage } from './runtime-lock.ts';

/** Receives download events from the cache; implementations only display them. */
export interface DownloadProgress {
  /** Called once: how many packages are wanted, how many were already cached, and the bytes still to fetch. */
  start(packages: number, cached: number, bytesToFetch: number): void;
  /** Called for every chunk received. */
  bytes(n: number): void;
  /** Called when a package was downloaded and verified. */
  done(pkg: LockedPackage): void;
  /** Called once at the end, also after a failure. */
  finish(): void;
}

const MiB = 1024 * 1024;
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

/** For terminals: one status line, rewritten in place at most ten times a second. */
export class TtyDownloadProgress implements DownloadProgress {
  readonly #out: { write(text: string): unknown };
  #total = 0;
  #done = 0;
  #bytes = 0;
  #bytesTotal = 0;
  #lastDraw = 0;

  /** `out` is the terminal (normally process.stderr). */
  constructor(out: { write(text: string): unknown }) {
    this.#out = out;
  }

  start(packages: number, cached: number, bytesToFetch: number): void {
    this.#total = packages;
    this.#done = cached;
    this.#bytesTotal = bytesToFetch;
    this.#draw(true);
  }

  bytes(n: number): void {
    this.#bytes += n;
    this.#draw(false);
  }

  done(_pkg: LockedPackage): void {
    this.#done++;
    this.#draw(true);
  }

  finish(): void {
    this.#draw(true);
    this.#out.write('\n');
  }

  #draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    this.#out.write(`\r\x1b[Kpackages ${this.#done}/${this.#total}, downloaded ${mib(this.#bytes)} of ${mib(this.#bytesTotal)}`);
  }
}

/** For logs and CI: one plain line per downloaded package and a summary. */
export class LineDownloadProgress implements DownloadProgress {
  readonly #write: (line: string) => void;
  #total = 0;
  #cached = 0;
  #fetched = 0;
  #bytes = 0;

  /** `write` receives complete lines without the trailing newline. */
  constructor(write: (line: string) => void) {
    this.#write = write;
  }

  start(packages: number, cached: number, bytesToFetch: number): void {
    this.#total = packages;
    this.#cached = cached;
    if (cached < packages) this.#write(`downloading ${packages - cached} of ${packages} packages (${mib(bytesToFetch)}); ${cached} cached`);
  }

  bytes(n: number): void {
    this.#bytes += n;
  }

  done(pkg: LockedPackage): void {
    this.#fetched++;
    this.#write(`fetched ${pkg.name} ${pkg.version} (${mib(pkg.size)}) [${this.#cached + this.#fetched}/${this.#total}]`);
  }

  finish(): void {
    this.#write(`packages: ${this.#total} wanted, ${this.#cached} cached, ${this.#fetched} downloaded (${mib(this.#bytes)})`);
  }
}
