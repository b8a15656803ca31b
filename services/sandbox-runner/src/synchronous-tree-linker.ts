import * as fs from 'node:fs';
import { newLinkJobState, runLinkJob, type LinkJob, type LinkFileSystem } from './link-job.ts';
import type { LinkOutcome, TreeLinker } from './tree-linker.ts';

/**
 * Runs a {@link LinkJob} on the calling thread, blocking it: for small
 * trees, where handing the job to a worker (a message each way, waking a
 * thread) costs more than the few system calls themselves.
 */
export class SynchronousTreeLinker implements TreeLinker {
  readonly #fs: LinkFileSystem;

  /** `fileSystem`: the calls the job makes, `node:fs` unless a test substitutes failures. */
  constructor(fileSystem: LinkFileSystem = fs) {
    this.#fs = fileSystem;
  }

  link(job: LinkJob): Promise<LinkOutcome> {
    return Promise.resolve(runLinkJob(job, newLinkJobState(job, false), this.#fs));
  }

  warmUp(): void {}
}
