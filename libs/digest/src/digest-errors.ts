/**
 * Thrown when a hash or size does not form a valid digest. Carries no gRPC code
 * on purpose (this package stays free of transport concerns): the gRPC edge maps
 * it to INVALID_ARGUMENT.
 */
export class InvalidDigestError extends Error {
  override readonly name = 'InvalidDigestError';
}

/**
 * Thrown when a request names a digest function this server does not implement,
 * or none can be inferred. The gRPC edge maps it to INVALID_ARGUMENT.
 */
export class UnsupportedDigestFunctionError extends Error {
  override readonly name = 'UnsupportedDigestFunctionError';
}
