import { status } from '@grpc/grpc-js';
import { DigestFunction_Value } from '@actiond/proto';
import { ActiondError } from './actiond-error.ts';
import { BadRequestDetail, PreconditionFailureDetail, packDetail } from './detail-type.ts';

// One constructor per status code the services use. Messages are for the
// client and must name what failed (the digest, path, field or limit).

/** One malformed request field, for invalidArgument. */
export interface FieldViolation {
  /** Dotted path to the field, such as "action_digest.size_bytes". */
  readonly field: string;
  /** What is wrong with it. */
  readonly description: string;
}

/** One failed precondition, for failedPrecondition. */
export interface PreconditionViolation {
  /** A constant naming the kind of failure, such as "MISSING". */
  readonly type: string;
  /** What failed, relative to the type, such as "blobs/{hash}/{size}". */
  readonly subject: string;
  /** Human-readable explanation; may be empty. */
  readonly description?: string;
}

/** A blob digest as missingBlobs needs it; REAPI's Digest fits. */
export interface BlobDigest {
  readonly hash: string;
  readonly sizeBytes: number;
}

/**
 * INVALID_ARGUMENT: the request is malformed regardless of server state. With
 * field violations it carries a google.rpc.BadRequest detail.
 */
export function invalidArgument(message: string, fieldViolations: readonly FieldViolation[] = []): ActiondError {
  const details =
    fieldViolations.length === 0
      ? []
      : [
          packDetail(BadRequestDetail, {
            fieldViolations: fieldViolations.map((v) => ({
              field: v.field,
              description: v.description,
              reason: '',
              localizedMessage: undefined,
            })),
          }),
        ];
  return new ActiondError(status.INVALID_ARGUMENT, message, { details });
}

/**
 * FAILED_PRECONDITION: the server is not in the state the call needs. With
 * violations it carries a google.rpc.PreconditionFailure detail.
 */
export function failedPrecondition(message: string, violations: readonly PreconditionViolation[] = []): ActiondError {
  const details = violations.length === 0 ? [] : [packDetail(PreconditionFailureDetail, toPreconditionFailure(violations))];
  return new ActiondError(status.FAILED_PRECONDITION, message, { details });
}

/**
 * Most MISSING violations one error carries, bounded by bytes so the status
 * fits the trailer budget of ActiondError.toServiceError even for long
 * (SHA-512) hashes. Clients re-check all their inputs with FindMissingBlobs
 * after this error, so a partial list costs at most another round trip.
 */
export const MISSING_BLOB_VIOLATIONS_BUDGET_BYTES = 3072;

/** How many missing blobs the message itself lists by name. */
const MISSING_BLOBS_NAMED_IN_MESSAGE = 3;

/**
 * FAILED_PRECONDITION for inputs absent from the CAS, in the form REAPI
 * clients act on: one google.rpc.PreconditionFailure with a violation of type
 * "MISSING" and subject "blobs/{hash}/{size}" per blob (with a
 * "{digest_function}/" segment before the hash for digest functions whose
 * resource names carry one, such as BLAKE3). Lists as many blobs as fit
 * MISSING_BLOB_VIOLATIONS_BUDGET_BYTES, in the given order.
 *
 * Throws a RangeError for an empty list: "nothing is missing" is no error.
 */
export function missingBlobs(
  digests: readonly BlobDigest[],
  digestFunction: DigestFunction_Value = DigestFunction_Value.UNKNOWN,
): ActiondError {
  if (digests.length === 0) throw new RangeError('missingBlobs needs at least one missing digest');
  const subjects = digests.map((d) => blobSubject(d, digestFunction));
  const violations: PreconditionViolation[] = [];
  let bytes = 0;
  for (const subject of subjects) {
    // Encoded size of one violation: two tagged length-prefixed strings
    // inside a tagged length-prefixed message; 8 bytes of overhead is ample.
    bytes += subject.length + 'MISSING'.length + 8;
    if (bytes > MISSING_BLOB_VIOLATIONS_BUDGET_BYTES && violations.length > 0) break;
    violations.push({ type: 'MISSING', subject });
  }
  const named = subjects.slice(0, MISSING_BLOBS_NAMED_IN_MESSAGE).join(', ');
  const more = subjects.length > MISSING_BLOBS_NAMED_IN_MESSAGE ? ` and ${subjects.length - MISSING_BLOBS_NAMED_IN_MESSAGE} more` : '';
  const noun = subjects.length === 1 ? 'blob is' : 'blobs are';
  return new ActiondError(status.FAILED_PRECONDITION, `${subjects.length} ${noun} missing from the CAS: ${named}${more}`, {
    details: [packDetail(PreconditionFailureDetail, toPreconditionFailure(violations))],
  });
}

/** NOT_FOUND: the named thing (action result, blob, operation) does not exist. */
export function notFound(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.NOT_FOUND, message, { cause });
}

/** ALREADY_EXISTS: the thing to create is already there. */
export function alreadyExists(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.ALREADY_EXISTS, message, { cause });
}

/** RESOURCE_EXHAUSTED: a size, space or concurrency limit was hit; name it. */
export function resourceExhausted(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.RESOURCE_EXHAUSTED, message, { cause });
}

/** UNIMPLEMENTED: the method or feature is not offered by this server. */
export function unimplemented(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.UNIMPLEMENTED, message, { cause });
}

/** INTERNAL: a broken invariant on our side; `cause` keeps the original for logs. */
export function internal(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.INTERNAL, message, { cause });
}

/** DEADLINE_EXCEEDED: a timeout (such as Action.timeout) expired. */
export function deadlineExceeded(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.DEADLINE_EXCEEDED, message, { cause });
}

/** ABORTED: a concurrency conflict; the client may retry the whole sequence. */
export function aborted(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.ABORTED, message, { cause });
}

/** UNAVAILABLE: transient; the client may retry the call with backoff. */
export function unavailable(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.UNAVAILABLE, message, { cause });
}

/** OUT_OF_RANGE: an offset or limit past the end (ByteStream read_offset, say). */
export function outOfRange(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.OUT_OF_RANGE, message, { cause });
}

/** DATA_LOSS: stored data is corrupt or lost (a blob whose bytes no longer match its digest). */
export function dataLoss(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.DATA_LOSS, message, { cause });
}

/** CANCELLED: the caller cancelled, or the work was cancelled on its behalf. */
export function cancelled(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.CANCELLED, message, { cause });
}

/** PERMISSION_DENIED: the caller may not do this. */
export function permissionDenied(message: string, cause?: unknown): ActiondError {
  return new ActiondError(status.PERMISSION_DENIED, message, { cause });
}

/**
 * The subject REAPI uses for a blob: "blobs/{hash}/{size}", with the digest
 * function's lowercase name before the hash unless it is one of the classic
 * functions whose hash length identifies them (or UNKNOWN).
 */
export function blobSubject(digest: BlobDigest, digestFunction: DigestFunction_Value = DigestFunction_Value.UNKNOWN): string {
  const segment = CLASSIC_DIGEST_FUNCTIONS.has(digestFunction) ? '' : `${digestFunctionName(digestFunction)}/`;
  return `blobs/${segment}${digest.hash}/${digest.sizeBytes}`;
}

const CLASSIC_DIGEST_FUNCTIONS: ReadonlySet<number> = new Set([
  DigestFunction_Value.UNKNOWN,
  DigestFunction_Value.MD5,
  DigestFunction_Value.MURMUR3,
  DigestFunction_Value.SHA1,
  DigestFunction_Value.SHA256,
  DigestFunction_Value.SHA384,
  DigestFunction_Value.SHA512,
  DigestFunction_Value.VSO,
]);

function digestFunctionName(value: DigestFunction_Value): string {
  const entry = Object.entries(DigestFunction_Value).find(([, v]) => v === value);
  if (!entry) throw new RangeError(`unknown digest function ${String(value)}`);
  return entry[0].toLowerCase();
}

function toPreconditionFailure(violations: readonly PreconditionViolation[]) {
  return {
    violations: violations.map((v) => ({ type: v.type, subject: v.subject, description: v.description ?? '' })),
  };
}
