import type { Digest } from '@actiond/digest';
import type { Directory } from '@actiond/proto';

/**
 * Parsed Directory messages by digest, for walking an input root.
 * `TreeWalker` of @actiond/reapi implements it over its shared
 * parse cache, which is what `cmd/*` passes in.
 *
 * Contract: `getDirectory` rejects NOT_FOUND when the blob is not in the
 * CAS, and INVALID_ARGUMENT naming the blob and `path` (relative to the input
 * root, for messages) when it is not a Directory message or lists a
 * subdirectory with a malformed digest. The returned object may be shared
 * (cached): callers must not modify it.
 */
export interface DirectorySource {
  getDirectory(digest: Digest, path?: string): Promise<Directory>;
}
