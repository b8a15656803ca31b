/**
 * @actiond/status: the one error type of actiond's gRPC services and the
 * helpers around it. Handlers throw ActiondError (built with the
 * constructors below); the RPC adapter normalizes anything thrown with
 * ActiondError.from and answers with toServiceError(); REAPI messages that
 * embed a status use toStatusProto() or okStatus().
 */
export {
  ActiondError,
  MAX_TRAILER_MESSAGE_BYTES,
  MAX_TRAILER_STATUS_BYTES,
  STATUS_DETAILS_TRAILER,
  type ActiondErrorOptions,
} from './actiond-error.ts';
export {
  aborted,
  alreadyExists,
  blobSubject,
  cancelled,
  dataLoss,
  deadlineExceeded,
  failedPrecondition,
  internal,
  invalidArgument,
  missingBlobs,
  MISSING_BLOB_VIOLATIONS_BUDGET_BYTES,
  notFound,
  outOfRange,
  permissionDenied,
  resourceExhausted,
  unavailable,
  unimplemented,
  type BlobDigest,
  type FieldViolation,
  type PreconditionViolation,
} from './error-constructors.ts';
export {
  BadRequestDetail,
  DebugInfoDetail,
  ErrorInfoDetail,
  packDetail,
  PreconditionFailureDetail,
  QuotaFailureDetail,
  ResourceInfoDetail,
  RetryInfoDetail,
  unpackDetails,
  type DetailType,
} from './detail-type.ts';
export { okStatus } from './ok-status.ts';
