import { hasExistenceIndexLookup } from '@actiond/blobstore';
import { Digest } from '@actiond/digest';
import type { FindMissingBlobsRequest, FindMissingBlobsResponse } from '@actiond/proto';
import type { UnaryHandler } from '@actiond/rpc';
import { parseRequestDigest } from '@actiond/reapi';
import { checkCasRequest, type CasDependencies } from './cas-dependencies.ts';
import { findMissingOnWire } from './find-missing-blobs-wire.ts';
import { FindMissingBlobsWireRequest, WIRE_HASH_HEX_LENGTH } from './find-missing-blobs-wire-request.ts';

/**
 * FindMissingBlobs: the requested digests the store lacks, each once, in
 * request order. The empty blob is never missing. One malformed digest
 * fails the call with INVALID_ARGUMENT naming its index (there is no
 * per-digest status to put it in).
 *
 * Built for 100,000-digest requests. A request the codec left in its bytes
 * (FindMissingBlobsWireRequest: only valid digests, in the plain shape), to
 * a store with an in-memory index (ExistenceIndexLookup), is answered on the
 * bytes (find-missing-blobs-wire.ts). Otherwise digests are parsed in one
 * synchronous loop and the store is asked once.
 */
export function findMissingBlobs(deps: CasDependencies): UnaryHandler<FindMissingBlobsRequest, FindMissingBlobsResponse> {
  const store = deps.blobs;
  const wireStore = hasExistenceIndexLookup(store) && store.digestFunction.hashLengthHex === WIRE_HASH_HEX_LENGTH ? store : undefined;
  return async (request) => {
    const fn = checkCasRequest(request, deps);
    if (wireStore !== undefined && request instanceof FindMissingBlobsWireRequest) {
      const answer = findMissingOnWire(request, wireStore, fn.emptyDigest);
      if (answer !== undefined) return answer;
    }
    const requested = request.blobDigests;
    const digests = new Array<Digest>(requested.length);
    for (let i = 0; i < requested.length; i++) {
      const digest = requested[i];
      // Digests the request decoder already validated skip parsing, and the field name built per digest.
      digests[i] = digest instanceof Digest && digest.hash.length === fn.hashLengthHex
        ? digest
        : parseRequestDigest(digest, `blob_digests[${i}]`, fn);
    }
    const missing = await store.findMissing(digests);
    const empty = fn.emptyDigest;
    const missingBlobDigests: Digest[] = [];
    for (const digest of missing) if (!digest.equals(empty)) missingBlobDigests.push(digest);
    return { missingBlobDigests };
  };
}
