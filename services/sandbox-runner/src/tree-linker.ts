import type { LinkJob, LinkJobFailure } from './link-job.ts';

/** What a whole {@link LinkJob} did, over all threads. */
export interface LinkOutcome {
  /** Entries copied instead of linked (EMLINK, EXDEV), in no particular order. */
  readonly copied: readonly number[];
  /** The first error any thread hit; the job stopped there, leaving a partial tree. */
  readonly failure: LinkJobFailure | undefined;
}

/**
 * Creates the directories, links, empty files and symlinks of a
 * {@link LinkJob} on disk. Resolves only once nothing touches the target
 * any more (so a caller may remove a failed job's partial tree at once);
 * rejects only when the machinery itself failed (a worker thread died),
 * never for a file system error, which is the outcome's `failure`.
 */
export interface TreeLinker {
  link(job: LinkJob): Promise<LinkOutcome>;
  /** Gets ready for a job soon (starts threads), without waiting; optional work ahead of the first job. */
  warmUp(): void;
}
