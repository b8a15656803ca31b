import type { UploadSessions } from '@actiond/blobstore';
import { bytestream } from '@actiond/proto';
import {
  clientStreaming,
  clientStreamingRoute,
  serverStreaming,
  serverStreamingRoute,
  unary,
  type RawRoute,
  type ServiceHandlers,
  type UnaryHandler,
} from '@actiond/rpc';
import type { Telemetry } from '@actiond/telemetry';
import type { CasDependencies } from './cas-dependencies.ts';
import { byteStreamRead } from './byte-stream-read.ts';
import { byteStreamWrite, uploadKey } from './byte-stream-write.ts';
import { FastWriteRequestCodec } from './byte-stream-write-codec.ts';
import { parseUploadResourceName } from './resource-name.ts';

/**
 * The handlers of the ByteStream service for CAS blobs, for
 * implementService: Read (byte-stream-read.ts), Write
 * (byte-stream-write.ts) and QueryWriteStatus. Uploads are resumable through
 * `uploads`, which outlives the streams.
 */
export function byteStreamHandlers(deps: CasDependencies, uploads: UploadSessions): ServiceHandlers<typeof bytestream.ByteStreamService> {
  return {
    read: serverStreaming(byteStreamRead(deps)),
    write: clientStreaming(byteStreamWrite(deps, uploads)),
    queryWriteStatus: unary(queryWriteStatus(deps, uploads)),
  };
}

/**
 * ByteStream Write and Read as raw HTTP/2 routes (installRawRoutes in
 * @actiond/rpc), the fast lane for uploads and downloads: the same handlers
 * as the grpc-js registration, which stays as the definition clients see
 * and as the fallback, with messages framed and decoded without grpc-js's
 * per-message machinery.
 */
export function byteStreamRawRoutes(deps: CasDependencies, uploads: UploadSessions, telemetry: Telemetry): RawRoute[] {
  const write = {
    path: bytestream.ByteStreamService.write.path,
    requestDeserialize: FastWriteRequestCodec.decodeRequest,
    responseSerialize: FastWriteRequestCodec.encodeResponse,
  };
  return [
    clientStreamingRoute(write, byteStreamWrite(deps, uploads), telemetry),
    serverStreamingRoute(bytestream.ByteStreamService.read, byteStreamRead(deps), telemetry),
  ];
}

/**
 * QueryWriteStatus of an upload resource name: the committed size of an
 * upload in progress (where a new Write resumes) with complete = false, or
 * the blob's size with complete = true once it is stored (by this upload or
 * any other). NOT_FOUND for an upload that is not in progress and whose
 * blob is not stored (never started, failed, expired, or lost in a
 * restart): the client then starts over at offset 0.
 */
export function queryWriteStatus(
  deps: CasDependencies,
  uploads: UploadSessions,
): UnaryHandler<bytestream.QueryWriteStatusRequest, bytestream.QueryWriteStatusResponse> {
  const nameContext = { instanceNames: deps.instanceNames, digestFunction: deps.blobs.digestFunction };
  return async (request, ctx) => {
    const name = parseUploadResourceName(request.resourceName, nameContext);
    ctx.setInstanceName(name.instanceName);
    const { committedSize, complete } = await uploads.queryWriteStatus(uploadKey(name), name.digest);
    return { committedSize, complete };
  };
}
