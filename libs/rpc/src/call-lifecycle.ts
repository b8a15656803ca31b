import { status, type Metadata } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, type Attributes, type Span } from '@opentelemetry/api';
import type { RequestMetadata } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import type { Telemetry } from '@actiond/telemetry';
import { parseRequestMetadata } from './request-metadata.ts';
import type { RpcContext } from './rpc-context.ts';

/** The parts of every grpc-js server call the lifecycle needs. */
export interface GrpcServerCall {
  readonly metadata: Metadata;
  getPeer(): string;
  getDeadline(): Date | number;
  once(event: 'cancelled', listener: () => void): unknown;
}

/** Span attribute holding the REAPI instance name. */
export const INSTANCE_NAME_ATTRIBUTE = 'reapi.instance_name';

// The codes OpenTelemetry's gRPC conventions count as a server-side error;
// the others (NOT_FOUND, INVALID_ARGUMENT, ...) are the client's doing.
const SERVER_ERROR_CODES: ReadonlySet<status> = new Set([
  status.UNKNOWN,
  status.DEADLINE_EXCEEDED,
  status.UNIMPLEMENTED,
  status.INTERNAL,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

/**
 * How close to its deadline a call must end for the end to count as
 * DEADLINE_EXCEEDED rather than CANCELLED. Clients enforce deadlines
 * themselves and reset the stream at their own deadline, which the server,
 * having computed its deadline from the grpc-timeout header on arrival, sees
 * slightly before its own; and grpc-js's deadline timer may fire a few
 * milliseconds before Date.now() reaches the deadline it computed.
 */
const DEADLINE_SLACK_MS = 100;

/**
 * One call from start to status: its context, span, abort signal and
 * metrics, and the guard that makes it finish exactly once. Every adapter
 * creates one per call and asks `finish` before answering; only the first
 * `finish` returns true, so a handler that settles after the client
 * cancelled, or an error after a response, can never answer twice.
 */
export class CallLifecycle {
  readonly ctx: RpcContext;
  readonly #telemetry: Telemetry;
  readonly #span: Span;
  readonly #abort = new AbortController();
  readonly #started = performance.now();
  #finished = false;

  constructor(telemetry: Telemetry, method: string, call: GrpcServerCall) {
    this.#telemetry = telemetry;
    const requestMetadata = parseRequestMetadata(call.metadata);
    const span = telemetry.tracer.startSpan(method, {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system.name': 'grpc', 'rpc.method': method, ...requestMetadataAttributes(requestMetadata) },
    });
    this.#span = span;
    const deadlineValue = call.getDeadline();
    const deadline = deadlineValue instanceof Date ? deadlineValue.getTime() : deadlineValue;
    this.ctx = {
      method,
      signal: this.#abort.signal,
      deadline,
      metadata: call.metadata,
      requestMetadata,
      peer: call.getPeer(),
      span,
      setInstanceName: (name) => {
        if (name !== '') span.setAttribute(INSTANCE_NAME_ATTRIBUTE, name);
      },
    };
    // grpc-js emits 'cancelled' when the client goes away and after it has
    // itself answered DEADLINE_EXCEEDED; it also emits it after a normal
    // finish, which `#finished` makes harmless. The client has a status by
    // then, so the call ends here, whatever the handler still does.
    call.once('cancelled', () => {
      if (this.#finished) return;
      const expired = Date.now() >= deadline - DEADLINE_SLACK_MS;
      const reason = expired
        ? ActiondError.deadlineExceeded(`${method}: deadline exceeded`)
        : ActiondError.cancelled(`${method}: cancelled by the client`);
      this.finish(reason.code, reason);
      this.#abort.abort(reason);
    });
  }

  /** Whether the call has its status already. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Notes `request.instanceName` on the span when the request has one. */
  noteRequest(request: unknown): void {
    if (typeof request === 'object' && request !== null && 'instanceName' in request && typeof request.instanceName === 'string') {
      this.ctx.setInstanceName(request.instanceName);
    }
  }

  /**
   * Claims the right to answer with `code`, recording span and metrics.
   * Returns false, recording nothing, when the call was already finished:
   * the caller must then not touch the grpc-js call.
   */
  finish(code: status, error?: ActiondError): boolean {
    if (this.#finished) return false;
    this.#finished = true;
    const codeName = status[code] ?? String(code);
    const attributes = { method: this.ctx.method, code: codeName };
    this.#telemetry.metrics.rpcCalls.add(1, attributes);
    this.#telemetry.metrics.rpcDuration.record((performance.now() - this.#started) / 1000, attributes);
    this.#span.setAttribute('rpc.status_code', codeName);
    if (error !== undefined && SERVER_ERROR_CODES.has(code)) {
      this.#span.recordException(error);
      this.#span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    this.#span.end();
    return true;
  }
}

/** The RequestMetadata fields worth a span attribute, leaving out the empty ones proto3 decodes for absent fields. */
function requestMetadataAttributes(metadata: RequestMetadata | undefined): Attributes {
  if (metadata === undefined) return {};
  const fields: Record<string, string | undefined> = {
    'reapi.tool_name': metadata.toolDetails?.toolName,
    'reapi.tool_version': metadata.toolDetails?.toolVersion,
    'reapi.tool_invocation_id': metadata.toolInvocationId,
    'reapi.action_id': metadata.actionId,
    'reapi.action_mnemonic': metadata.actionMnemonic,
    'reapi.target_id': metadata.targetId,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''));
}
