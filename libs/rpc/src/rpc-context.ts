import type { Metadata } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { RequestMetadata } from '@actiond/proto';

/**
 * What a handler knows about the call it serves, besides the request.
 * Created by the adapter (see implementService) once per call.
 */
export interface RpcContext {
  /** The full method without the leading slash, e.g. `google.bytestream.ByteStream/Read`. */
  readonly method: string;
  /**
   * Aborts when the client cancels or the deadline passes; its `reason` is
   * then an ActiondError with code CANCELLED or DEADLINE_EXCEEDED. Pass it
   * to anything that can stop early (file reads, child processes, waits).
   * Once it has fired the call is over: whatever the handler returns or
   * throws afterwards is dropped, since the client has its status already.
   */
  readonly signal: AbortSignal;
  /** The call's deadline in milliseconds since the epoch; Infinity when the client set none. */
  readonly deadline: number;
  /** The request headers as received. */
  readonly metadata: Metadata;
  /** The decoded RequestMetadata header (tool, invocation, action, target), for logs; undefined when absent or malformed. */
  readonly requestMetadata: RequestMetadata | undefined;
  /** The client's address as grpc-js reports it. */
  readonly peer: string;
  /** The span of this call, for child spans and events. Ended by the adapter. */
  readonly span: Span;
  /**
   * Records the REAPI instance name on the span. The adapter does this itself
   * for requests with an `instanceName` field; ByteStream handlers, whose
   * instance name is inside the resource name, call it once they parse it.
   */
  setInstanceName(instanceName: string): void;
}
