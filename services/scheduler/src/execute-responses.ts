import { status } from '@grpc/grpc-js';
import type { ExecuteResponse, rpc } from '@actiond/proto';
import type { ActiondError } from '@actiond/status';

/**
 * An ExecuteResponse for an execution that did not produce a result: no
 * ActionResult, `error` in `status`. For failures while running (REAPI puts
 * them in ExecuteResponse.status, never in the Operation's error), such as
 * a queue shutting down or an executor that broke its contract.
 */
export function errorResponse(error: ActiondError): ExecuteResponse {
  return { result: undefined, cachedResult: false, status: error.toStatusProto(), serverLogs: {}, message: '' };
}

/** True for an absent status or one with code OK: what REAPI clients read as success. */
export function isOkStatus(value: rpc.Status | undefined): boolean {
  return value === undefined || value.code === status.OK;
}

/** `response` with `note` appended to its message, for things worth telling the user that did not fail the action. */
export function withNote(response: ExecuteResponse, note: string): ExecuteResponse {
  return { ...response, message: response.message === '' ? note : `${response.message}; ${note}` };
}
