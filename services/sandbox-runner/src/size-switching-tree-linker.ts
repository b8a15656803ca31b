import type { LinkJob } from './link-job.ts';
import type { LinkOutcome, TreeLinker } from './tree-linker.ts';

/**
 * Sends jobs of fewer than `threshold` directories and entries to `small`
 * and the rest to `large`: a trivial action's handful of inputs is made in
 * place in microseconds, while a tree of thousands goes to threads.
 */
export class SizeSwitchingTreeLinker implements TreeLinker {
  readonly #small: TreeLinker;
  readonly #large: TreeLinker;
  readonly #threshold: number;

  constructor(small: TreeLinker, large: TreeLinker, threshold: number) {
    this.#small = small;
    this.#large = large;
    this.#threshold = threshold;
  }

  link(job: LinkJob): Promise<LinkOutcome> {
    const size = job.parents.length + job.kinds.length;
    return (size < this.#threshold ? this.#small : this.#large).link(job);
  }

  warmUp(): void {
    this.#large.warmUp();
  }
}
