import { ContentAddressableStorageService } from '@actiond/proto';
import { serverStreaming, unary, type ServiceHandlers } from '@actiond/rpc';
import { unimplemented } from '@actiond/status';
import type { TreeWalker } from '@actiond/reapi';
import { batchReadBlobs } from './batch-read-blobs.ts';
import { batchUpdateBlobs } from './batch-update-blobs.ts';
import type { CasDependencies } from './cas-dependencies.ts';
import { findMissingBlobs } from './find-missing-blobs.ts';
import { getTree } from './get-tree.ts';

/**
 * The handlers of REAPI's ContentAddressableStorage service, for
 * implementService. Each method lives in its own file; see them for the
 * rules. SplitBlob and SpliceBlob are optional in REAPI and not offered
 * (CacheCapabilities says so): they answer UNIMPLEMENTED.
 */
export function contentAddressableStorageHandlers(
  deps: CasDependencies,
  walker: TreeWalker,
): ServiceHandlers<typeof ContentAddressableStorageService> {
  return {
    findMissingBlobs: unary(findMissingBlobs(deps)),
    batchUpdateBlobs: unary(batchUpdateBlobs(deps)),
    batchReadBlobs: unary(batchReadBlobs(deps)),
    getTree: serverStreaming(getTree(deps, walker)),
    splitBlob: unary(async () => {
      throw unimplemented('SplitBlob is not supported by this server (split_blob_support is false); read the blob whole with ByteStream Read');
    }),
    spliceBlob: unary(async () => {
      throw unimplemented('SpliceBlob is not supported by this server (splice_blob_support is false); upload the blob whole with ByteStream Write');
    }),
  };
}
