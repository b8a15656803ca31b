/**
 * The `google.rpc` package in one module: the Status message, the canonical
 * Code values and the standard error detail messages. Re-exported from the
 * package index as the `rpc` namespace.
 *
 * The three generated files each export the same helper names
 * (`protobufPackage`, `protobufFileName`, `MessageFns`, `DeepPartial`), so
 * status.ts supplies those and the other two are listed by name.
 */
export * from './gen/google/rpc/status.ts';
export { Code, codeFromJSON, codeToJSON } from './gen/google/rpc/code.ts';
export {
  BadRequest,
  BadRequest_FieldViolation,
  DebugInfo,
  ErrorInfo,
  ErrorInfo_MetadataEntry,
  Help,
  Help_Link,
  LocalizedMessage,
  PreconditionFailure,
  PreconditionFailure_Violation,
  QuotaFailure,
  QuotaFailure_Violation,
  QuotaFailure_Violation_QuotaDimensionsEntry,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from './gen/google/rpc/error_details.ts';
