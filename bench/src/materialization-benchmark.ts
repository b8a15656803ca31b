import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DiskBlobAccess } from '@actiond/blobstore';
import { TreeWalker } from '@actiond/reapi';
import { Digest } from '@actiond/digest';
import { ExecrootMaterializer, InputTreeLoader, type MaterializationStats, type TreeLinker } from '@actiond/sandbox-runner';
import type { InputTree } from './bench-actions.ts';

/** One direct materialization: how long it took, what it did, and how long removing it took. */
export interface DirectMaterialization {
  readonly ms: number;
  readonly removeMs: number;
  readonly stats: MaterializationStats;
  /** CPU time of this whole process (every thread) while materializing. */
  readonly cpuMs: number;
}

/**
 * The materializer on its own, in this process, as the server assembles it
 * (a DiskBlobAccess CAS, the CAS service's TreeWalker with its Directory
 * cache, InputTreeLoader, ExecrootMaterializer), with the CAS and the
 * targets in `directory` so they share a filesystem as `<root>/cas` and
 * `<root>/exec` do.
 */
export class DirectMaterializer {
  readonly #directory: string;
  readonly #materializer: ExecrootMaterializer;
  readonly #root: Digest;
  #run = 0;

  private constructor(directory: string, materializer: ExecrootMaterializer, root: Digest) {
    this.#directory = directory;
    this.#materializer = materializer;
    this.#root = root;
  }

  /**
   * Opens a CAS under `directory` and stores `tree` in it (untimed).
   * `linker`: what creates the files; the server's default unless given
   * (for A/B comparisons of linkers in one run).
   */
  static async open(directory: string, tree: InputTree, linker?: TreeLinker): Promise<DirectMaterializer> {
    const blobs = await DiskBlobAccess.open({ directory: join(directory, 'cas') });
    for (const { digest, data } of tree.blobs) await blobs.put(digest, data);
    const loader = new InputTreeLoader(new TreeWalker(blobs), blobs.digestFunction);
    const materializer = new ExecrootMaterializer(loader, blobs, blobs.digestFunction.emptyDigest, linker);
    return new DirectMaterializer(directory, materializer, Digest.parse(tree.rootDigest.hash, tree.rootDigest.sizeBytes));
  }

  /** Materializes the tree into a fresh directory, then removes it; both timed. */
  async once(): Promise<DirectMaterialization> {
    const target = join(this.#directory, `execroot-${this.#run++}`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const stats = await this.#materializer.materialize(this.#root, target);
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    const removing = performance.now();
    await rm(target, { recursive: true, force: true });
    return { ms, removeMs: performance.now() - removing, stats, cpuMs: (user + system) / 1000 };
  }
}
