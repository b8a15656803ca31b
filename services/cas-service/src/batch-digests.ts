import type { Digest } from '@actiond/digest';
import { ActiondError, invalidArgument } from '@actiond/status';
import { MAX_BATCH_TOTAL_SIZE_BYTES } from './cas-limits.ts';

// Shared by BatchUpdateBlobs and BatchReadBlobs: a malformed digest fails
// only its own blob, but the batch limit applies to the whole call.

/** The digest, or the error that parsing it threw, kept for that blob's status. */
export function attemptParse(parse: () => Digest): Digest | ActiondError {
  try {
    return parse();
  } catch (err) {
    return ActiondError.from(err);
  }
}

/**
 * Throws INVALID_ARGUMENT when the valid digests' sizes total more than
 * MAX_BATCH_TOTAL_SIZE_BYTES (REAPI's code for an oversize batch). Sizes come
 * from the digests, not the data, so compressed uploads count what they
 * occupy once decompressed, and a read is judged before anything is read.
 * `alternative` names the ByteStream call to use instead.
 */
export function checkBatchTotal(parsed: readonly (Digest | ActiondError)[], method: string, alternative: string): void {
  let total = 0;
  for (const p of parsed) if (!(p instanceof ActiondError)) total += p.sizeBytes;
  if (total > MAX_BATCH_TOTAL_SIZE_BYTES) {
    throw invalidArgument(
      `the blobs of this ${method} request total ${total} bytes, more than the ${MAX_BATCH_TOTAL_SIZE_BYTES} bytes allowed (max_batch_total_size_bytes); split the batch, or use ${alternative} for large blobs`,
    );
  }
}
