import { ActiondError } from '@actiond/status';

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000_001 };

/**
 * The milliseconds of a `grpc-timeout` header value: at most 8 digits and
 * one unit (H, M, S, m, u, n), as the gRPC HTTP/2 protocol defines it.
 * Anything else is INVALID_ARGUMENT quoting the value, rather than a call
 * that silently runs without its deadline.
 */
export function parseGrpcTimeout(value: string): number {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (match === null) {
    throw ActiondError.invalidArgument(
      `grpc-timeout ${JSON.stringify(value.slice(0, 40))} is malformed; expected 1 to 8 digits and a unit (H, M, S, m, u, n), e.g. 30S`,
    );
  }
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}
