import { Digest, type DigestFunction, InvalidDigestError } from '@actiond/digest';
import type { Digest as ProtoDigest } from '@actiond/proto';
import { invalidArgument, type ActiondError } from '@actiond/status';

/**
 * Validates a Digest message from a request into a {@link Digest}, or throws
 * INVALID_ARGUMENT whose message starts with `field` (such as
 * `blob_digests[3]`) and says what is wrong: absent, a hash that is not
 * lowercase hex of the function's length, a negative or unsafe size.
 */
export function parseRequestDigest(proto: ProtoDigest | undefined, field: string, fn: DigestFunction): Digest {
  if (proto === undefined) throw fieldError(field, 'is missing');
  // Already validated (a Digest is lowercase hex with a safe size), e.g. by the
  // FindMissingBlobs decoder; only its length can differ from this function's.
  if (proto instanceof Digest && proto.hash.length === fn.hashLengthHex) return proto;
  try {
    return Digest.parse(proto.hash, proto.sizeBytes, fn);
  } catch (err) {
    if (err instanceof InvalidDigestError) throw fieldError(field, err.message);
    throw err;
  }
}

function fieldError(field: string, problem: string): ActiondError {
  const message = problem.startsWith('is ') ? `${field} ${problem}` : `${field}: ${problem}`;
  return invalidArgument(message, [{ field, description: problem }]);
}
