import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { rpc, type Any, type DigestFunction_Value } from '@actiond/proto';
import { unpackDetails, type DetailType } from './detail-type.ts';
// A cycle (error-constructors.ts imports this class), safe because the
// constructors are only called from method bodies, never at load time.
import * as make from './error-constructors.ts';
import type { BlobDigest, FieldViolation, PreconditionViolation } from './error-constructors.ts';

/** The binary trailer in which gRPC carries the full google.rpc.Status. */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/**
 * Upper bounds for what toServiceError puts in trailers. Clients cap the
 * metadata they accept (grpc-java, and so Bazel, rejects more than 8 KiB by
 * default, failing the call with an unrelated-looking error), and the status
 * details travel base64-encoded, a third larger than these byte counts.
 */
export const MAX_TRAILER_MESSAGE_BYTES = 2048;
/** See MAX_TRAILER_MESSAGE_BYTES; applies to the encoded google.rpc.Status. */
export const MAX_TRAILER_STATUS_BYTES = 4096;

/** Options of the ActiondError constructor. */
export interface ActiondErrorOptions {
  /** google.rpc detail messages packed as Any (see packDetail). */
  readonly details?: readonly Any[];
  /** What caused this error, kept for logs; never sent to clients. */
  readonly cause?: unknown;
}

/**
 * The one error type of actiond's services: a gRPC status code, a message for
 * the client that names what failed, typed google.rpc details, and a cause
 * for logs.
 *
 * Handlers throw it (usually through the constructors in
 * error-constructors.ts); the gRPC adapter turns whatever was thrown into one
 * with ActiondError.from and answers with toServiceError(). Where REAPI wants
 * a status inside a message (ExecuteResponse.status, per-blob batch results)
 * use toStatusProto().
 */
export class ActiondError extends Error {
  /** The gRPC status code; never OK. */
  readonly code: status;
  /** google.rpc detail messages, packed as Any. */
  readonly details: readonly Any[];

  constructor(code: status, message: string, options: ActiondErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    if (!Number.isInteger(code) || code <= status.OK || code > status.UNAUTHENTICATED) {
      throw new RangeError(`ActiondError needs a gRPC error code (1..16), got ${String(code)} for "${message}"`);
    }
    this.name = 'ActiondError';
    this.code = code;
    this.details = options.details ?? [];
  }

  /** The code's name, such as "NOT_FOUND", for logs. */
  get codeName(): string {
    return status[this.code];
  }

  /**
   * Normalizes anything caught into an ActiondError:
   * - an ActiondError is returned as is;
   * - a grpc-js ServiceError (what a failed client call rejects with) keeps
   *   its code and message, and its details when its trailers carry a
   *   google.rpc.Status with the same code;
   * - anything else becomes INTERNAL with the original message (or, for a
   *   thrown non-Error, its string form), the original kept as `cause`.
   * No guessing from Node error codes: an ENOENT that means "blob not found"
   * must be turned into notFound() where that meaning is known.
   */
  static from(e: unknown): ActiondError {
    if (e instanceof ActiondError) return e;
    if (isServiceError(e)) {
      return new ActiondError(e.code, e.details, { details: trailerDetails(e), cause: e });
    }
    if (e instanceof Error) {
      return new ActiondError(status.INTERNAL, e.message || `${e.name} without a message`, { cause: e });
    }
    return new ActiondError(status.INTERNAL, `non-Error thrown: ${describe(e)}`, { cause: e });
  }

  // The constructors of error-constructors.ts, also reachable as statics so
  // `ActiondError.notFound(...)` reads naturally where the class is imported
  // anyway. Same behaviour; see the functions for the contracts.

  /** Same as invalidArgument() in error-constructors.ts. */
  static invalidArgument(message: string, fieldViolations?: readonly FieldViolation[]): ActiondError {
    return make.invalidArgument(message, fieldViolations);
  }
  /** Same as failedPrecondition() in error-constructors.ts. */
  static failedPrecondition(message: string, violations?: readonly PreconditionViolation[]): ActiondError {
    return make.failedPrecondition(message, violations);
  }
  /** Same as missingBlobs() in error-constructors.ts. */
  static missingBlobs(digests: readonly BlobDigest[], digestFunction?: DigestFunction_Value): ActiondError {
    return make.missingBlobs(digests, digestFunction);
  }
  /** Same as notFound() in error-constructors.ts. */
  static notFound(message: string, cause?: unknown): ActiondError {
    return make.notFound(message, cause);
  }
  /** Same as alreadyExists() in error-constructors.ts. */
  static alreadyExists(message: string, cause?: unknown): ActiondError {
    return make.alreadyExists(message, cause);
  }
  /** Same as resourceExhausted() in error-constructors.ts. */
  static resourceExhausted(message: string, cause?: unknown): ActiondError {
    return make.resourceExhausted(message, cause);
  }
  /** Same as unimplemented() in error-constructors.ts. */
  static unimplemented(message: string, cause?: unknown): ActiondError {
    return make.unimplemented(message, cause);
  }
  /** Same as internal() in error-constructors.ts. */
  static internal(message: string, cause?: unknown): ActiondError {
    return make.internal(message, cause);
  }
  /** Same as deadlineExceeded() in error-constructors.ts. */
  static deadlineExceeded(message: string, cause?: unknown): ActiondError {
    return make.deadlineExceeded(message, cause);
  }
  /** Same as aborted() in error-constructors.ts. */
  static aborted(message: string, cause?: unknown): ActiondError {
    return make.aborted(message, cause);
  }
  /** Same as unavailable() in error-constructors.ts. */
  static unavailable(message: string, cause?: unknown): ActiondError {
    return make.unavailable(message, cause);
  }
  /** Same as outOfRange() in error-constructors.ts. */
  static outOfRange(message: string, cause?: unknown): ActiondError {
    return make.outOfRange(message, cause);
  }
  /** Same as dataLoss() in error-constructors.ts. */
  static dataLoss(message: string, cause?: unknown): ActiondError {
    return make.dataLoss(message, cause);
  }
  /** Same as cancelled() in error-constructors.ts. */
  static cancelled(message: string, cause?: unknown): ActiondError {
    return make.cancelled(message, cause);
  }
  /** Same as permissionDenied() in error-constructors.ts. */
  static permissionDenied(message: string, cause?: unknown): ActiondError {
    return make.permissionDenied(message, cause);
  }

  /** Decodes the details of one type (see unpackDetails). */
  findDetails<T>(type: DetailType<T>): T[] {
    return unpackDetails(this.details, type);
  }

  /** This error as a google.rpc.Status message. */
  toStatusProto(): rpc.Status {
    return rpc.Status.create({ code: this.code, message: this.message, details: [...this.details] });
  }

  /**
   * The object to hand to a grpc-js unary/client-streaming callback
   * (`callback(e.toServiceError())`), or to emit on a server-streaming or
   * bidi call (`call.emit('error', e.toServiceError())`). Not
   * `call.destroy(err)`: in grpc-js 1.14 that sends no status at all and the
   * client waits until its deadline. grpc-js sends `code` and `details`
   * as grpc-status/grpc-message and `metadata` as trailers; the trailers hold
   * the encoded google.rpc.Status in grpc-status-details-bin, which is where
   * Bazel looks for PreconditionFailure. Do not pass separate trailers to the
   * callback: grpc-js would send those instead of this metadata.
   *
   * The message is cut to MAX_TRAILER_MESSAGE_BYTES; when the encoded status
   * would exceed MAX_TRAILER_STATUS_BYTES, the details are dropped rather
   * than fail the call on the client (constructors keep theirs below it).
   */
  toServiceError(): ServiceError {
    const message = truncateUtf8(this.message, MAX_TRAILER_MESSAGE_BYTES);
    let encoded = rpc.Status.encode({ code: this.code, message, details: [...this.details] }).finish();
    if (encoded.length > MAX_TRAILER_STATUS_BYTES) {
      encoded = rpc.Status.encode({ code: this.code, message, details: [] }).finish();
    }
    const metadata = new Metadata();
    metadata.set(STATUS_DETAILS_TRAILER, Buffer.from(encoded));
    return Object.assign(new Error(message), { code: this.code, details: message, metadata });
  }
}

function isServiceError(e: unknown): e is ServiceError {
  return (
    e instanceof Error &&
    'code' in e &&
    typeof e.code === 'number' &&
    Number.isInteger(e.code) &&
    e.code > status.OK &&
    e.code <= status.UNAUTHENTICATED &&
    'details' in e &&
    typeof e.details === 'string' &&
    'metadata' in e &&
    e.metadata instanceof Metadata
  );
}

/** The details of the google.rpc.Status in a ServiceError's trailers, if any agree with it. */
function trailerDetails(e: ServiceError): Any[] {
  const raw = e.metadata.get(STATUS_DETAILS_TRAILER)[0];
  if (!(raw instanceof Buffer)) return [];
  try {
    const decoded = rpc.Status.decode(raw);
    return decoded.code === e.code ? decoded.details : [];
  } catch {
    // A malformed trailer from a peer must not hide the error itself.
    return [];
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const suffix = ' [truncated]';
  // Decoding a cut buffer can end in U+FFFD; drop it rather than send it.
  return bytes.subarray(0, maxBytes - suffix.length).toString('utf8').replace(/\uFFFD$/, '') + suffix;
}
