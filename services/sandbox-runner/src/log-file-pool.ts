import { lstatSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The stdout and stderr files of one action, until `release`. */
export interface LogFiles {
  readonly stdout: string;
  readonly stderr: string;
  /**
   * Gives the pair back. Files still holding bytes (not moved into the CAS:
   * the action failed to start, or its result was not collected) are
   * removed, so that no later action can be credited with them.
   */
  release(): void;
}

/**
 * Host files for actions' stdout and stderr, reused from action to action:
 * `<directory>/<n>.stdout` and `.stderr`, one pair per action running at
 * once. The sandbox helper opens them with O_CREAT | O_TRUNC, so a file
 * left empty by the last action is truncated, not created: creating an
 * inode on this machine's ext4 costs 0.2-1 ms (bench/RESULTS.md), and most
 * actions print nothing. A file with output is moved into the CAS
 * (adopted), and the next action gets a new one.
 */
export class LogFilePool {
  readonly #directory: string;
  readonly #free: number[] = [];
  #next = 0;

  /** `directory`: on the CAS's filesystem (outputs are adopted by rename); made by {@link LogFilePool.prepare}. */
  constructor(directory: string) {
    this.#directory = directory;
  }

  /** Creates the directory (0700), removing whatever an earlier server left in it. */
  prepare(): void {
    rmSync(this.#directory, { recursive: true, force: true });
    mkdirSync(this.#directory, { recursive: true, mode: 0o700 });
  }

  /** A pair no other running action holds. */
  acquire(): LogFiles {
    const n = this.#free.pop() ?? this.#next++;
    const stdout = join(this.#directory, `${n}.stdout`);
    const stderr = join(this.#directory, `${n}.stderr`);
    let released = false;
    return {
      stdout,
      stderr,
      release: () => {
        if (released) return;
        released = true;
        for (const path of [stdout, stderr]) {
          const size = lstatSync(path, { throwIfNoEntry: false })?.size ?? 0;
          if (size > 0) unlinkSync(path);
        }
        this.#free.push(n);
      },
    };
  }
}
