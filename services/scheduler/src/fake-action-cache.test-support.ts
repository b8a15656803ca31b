// Test support, not exported: an ActionCache over a Map that can be made to fail.
import type { ActionCache } from '@actiond/action-cache';
import type { Digest } from '@actiond/digest';
import type { ActionResult } from '@actiond/proto';

/** An in-memory ActionCache recording puts; `failGet` / `failPut` make calls reject with that error. */
export class FakeActionCache implements ActionCache {
  readonly entries = new Map<string, ActionResult>();
  readonly puts: { readonly digest: Digest; readonly result: ActionResult }[] = [];
  gets = 0;
  failGet: Error | undefined;
  failPut: Error | undefined;

  async get(actionDigest: Digest): Promise<ActionResult | undefined> {
    this.gets++;
    if (this.failGet !== undefined) throw this.failGet;
    return this.entries.get(actionDigest.key);
  }

  async put(actionDigest: Digest, result: ActionResult): Promise<void> {
    if (this.failPut !== undefined) throw this.failPut;
    this.puts.push({ digest: actionDigest, result });
    this.entries.set(actionDigest.key, result);
  }
}
