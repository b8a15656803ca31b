import type { Metadata } from '@grpc/grpc-js';
import { RequestMetadata } from '@actiond/proto';

/** The binary header in which REAPI clients (Bazel among them) describe the call: tool, invocation, action, target. */
export const REQUEST_METADATA_HEADER = 'build.bazel.remote.execution.v2.requestmetadata-bin';

/**
 * Decodes the RequestMetadata header of a call, or undefined when it is
 * absent or malformed.
 *
 * A malformed header is ignored rather than failing the call: REAPI defines
 * RequestMetadata as informational (for logs and tracing, never for
 * semantics), so rejecting a valid request because of it would fail a build
 * over a cosmetic field, and no client could fix it mid-build anyway.
 */
export function parseRequestMetadata(metadata: Metadata): RequestMetadata | undefined {
  const value = metadata.get(REQUEST_METADATA_HEADER)[0];
  // grpc-js hands `-bin` headers over as Buffers; a string means a peer
  // that ignored the suffix convention, which is malformed too.
  if (!(value instanceof Buffer)) return undefined;
  try {
    return RequestMetadata.decode(value);
  } catch {
    return undefined;
  }
}
