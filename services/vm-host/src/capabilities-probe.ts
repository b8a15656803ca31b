import type { ClientHttp2Session } from 'node:http2';
import { status } from '@grpc/grpc-js';

/** The REAPI method the readiness probe calls: cheap, and answered only once every service is registered. */
export const PROBE_PATH = '/build.bazel.remote.execution.v2.Capabilities/GetCapabilities';

/**
 * Calls GetCapabilities (an empty request: a gRPC frame of length 0) on an
 * HTTP/2 session to the guest and resolves when it answers OK; rejects with
 * the status or transport error otherwise. Works on the raw session, so the
 * probe needs no generated client and checks the same path the proxy uses.
 */
export function probeCapabilities(session: ClientHttp2Session, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request(
      { ':method': 'POST', ':path': PROBE_PATH, 'content-type': 'application/grpc', te: 'trailers' },
      { signal },
    );
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const take = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(headers['grpc-message']));
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('data', () => undefined);
    stream.on('error', reject);
    stream.on('end', () => {
      if (grpcStatus === String(status.OK)) resolve();
      else reject(new Error(`GetCapabilities answered grpc-status ${grpcStatus ?? '(none)'}${grpcMessage === '' ? '' : `: ${grpcMessage}`}`));
    });
    stream.end(Buffer.alloc(5));
  });
}
