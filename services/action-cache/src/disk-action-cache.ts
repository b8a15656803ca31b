import type { Digest } from '@actiond/digest';
import type { DiskKeyValueStore } from '@actiond/blobstore';
import { ActionResult } from '@actiond/proto';
import type { ActionCache } from './action-cache.ts';

/**
 * The action cache on local disk: one file per entry holding the encoded
 * ActionResult, in a DiskKeyValueStore (conventionally opened on
 * `<root>/ac`), which replaces entries atomically by rename.
 *
 * An entry that no longer decodes (a damaged disk, a file written by
 * something else) is treated as a miss rather than an error: the client then
 * executes the action again and the next put overwrites the entry. It is not
 * deleted here, since a concurrent put may have just replaced it with a good
 * one.
 */
export class DiskActionCache implements ActionCache {
  readonly #store: DiskKeyValueStore;

  /** Serves entries from `store`; the caller opens it and owns its directory. */
  constructor(store: DiskKeyValueStore) {
    this.#store = store;
  }

  async get(actionDigest: Digest): Promise<ActionResult | undefined> {
    const bytes = await this.#store.get(actionDigest);
    if (bytes === undefined) return undefined;
    try {
      return ActionResult.decode(bytes);
    } catch {
      return undefined;
    }
  }

  async put(actionDigest: Digest, result: ActionResult): Promise<void> {
    await this.#store.put(actionDigest, ActionResult.encode(result).finish());
  }
}
