import { Any, rpc, type MessageFns } from '@actiond/proto';

/**
 * A google.rpc error detail message type: its fully qualified protobuf name
 * (which forms the `Any.typeUrl`) and its codec. Status details are
 * `google.protobuf.Any`s, and ts-proto messages do not carry their own type
 * name, so the pair travels together.
 */
export interface DetailType<T> {
  /** Fully qualified name, such as "google.rpc.BadRequest". */
  readonly typeName: string;
  /** The generated message value that encodes and decodes `T`. */
  readonly codec: MessageFns<T>;
}

/** The prefix every gRPC implementation uses for detail type URLs. */
const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** INVALID_ARGUMENT details: which request fields were malformed. */
export const BadRequestDetail: DetailType<rpc.BadRequest> = {
  typeName: 'google.rpc.BadRequest',
  codec: rpc.BadRequest,
};

/** FAILED_PRECONDITION details; REAPI's missing-blob report. */
export const PreconditionFailureDetail: DetailType<rpc.PreconditionFailure> = {
  typeName: 'google.rpc.PreconditionFailure',
  codec: rpc.PreconditionFailure,
};

/** A machine-readable reason within a domain. */
export const ErrorInfoDetail: DetailType<rpc.ErrorInfo> = {
  typeName: 'google.rpc.ErrorInfo',
  codec: rpc.ErrorInfo,
};

/** When the client may retry; REAPI clients honour it on any error. */
export const RetryInfoDetail: DetailType<rpc.RetryInfo> = {
  typeName: 'google.rpc.RetryInfo',
  codec: rpc.RetryInfo,
};

/** Which quota was exceeded (RESOURCE_EXHAUSTED). */
export const QuotaFailureDetail: DetailType<rpc.QuotaFailure> = {
  typeName: 'google.rpc.QuotaFailure',
  codec: rpc.QuotaFailure,
};

/** The resource a call was about (NOT_FOUND and friends). */
export const ResourceInfoDetail: DetailType<rpc.ResourceInfo> = {
  typeName: 'google.rpc.ResourceInfo',
  codec: rpc.ResourceInfo,
};

/** Server-side debugging information. */
export const DebugInfoDetail: DetailType<rpc.DebugInfo> = {
  typeName: 'google.rpc.DebugInfo',
  codec: rpc.DebugInfo,
};

/** Wraps one detail message as a `google.protobuf.Any`. */
export function packDetail<T>(type: DetailType<T>, message: T): Any {
  return Any.create({
    typeUrl: TYPE_URL_PREFIX + type.typeName,
    value: Buffer.from(type.codec.encode(message).finish()),
  });
}

/**
 * Decodes every detail of the given type, in order, ignoring details of other
 * types. A detail is of the type when its URL's last path segment is the type
 * name (any host prefix is accepted, as the Any spec allows). Throws an Error
 * naming the type when a matching detail's bytes do not decode.
 */
export function unpackDetails<T>(details: readonly Any[], type: DetailType<T>): T[] {
  const found: T[] = [];
  for (const detail of details) {
    if (detail.typeUrl.slice(detail.typeUrl.lastIndexOf('/') + 1) !== type.typeName) continue;
    try {
      found.push(type.codec.decode(detail.value));
    } catch (e) {
      throw new Error(`status detail ${detail.typeUrl} does not decode as ${type.typeName}`, { cause: e });
    }
  }
  return found;
}
