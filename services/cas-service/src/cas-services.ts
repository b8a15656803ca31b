import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { type BlobAccess, UploadSessions, type UploadSessionsOptions } from '@actiond/blobstore';
import { bytestream, ContentAddressableStorageService } from '@actiond/proto';
import { DirectoryCache, InstanceNames, TreeWalker } from '@actiond/reapi';
import { implementService, type RawRoute } from '@actiond/rpc';
import type { Telemetry } from '@actiond/telemetry';
import { byteStreamHandlers, byteStreamRawRoutes } from './byte-stream-server.ts';
import type { CasDependencies } from './cas-dependencies.ts';
import { contentAddressableStorageHandlers } from './content-addressable-storage-server.ts';
import { FastFindMissingBlobsCodec } from './find-missing-blobs-codec.ts';

/** What {@link createCasServices} needs. */
export interface CasServicesOptions {
  /** The CAS; its digest function is the only one served. */
  readonly blobs: BlobAccess;
  /** The instance names served; {@link InstanceNames.DEFAULT} (only "") when absent. */
  readonly instanceNames?: InstanceNames;
  /** Spans and metrics of every call, bytes and blobs in and out. */
  readonly telemetry: Telemetry;
  /** Limits of resumable uploads (idle timeout, how many at once); UploadSessions' defaults when absent. */
  readonly uploads?: UploadSessionsOptions;
  /** Parsed directories for GetTree; share one with other tree readers. A private 32 MiB cache when absent. */
  readonly directoryCache?: DirectoryCache;
}

/** A service definition and its handlers, the two arguments of `server.addService`. */
export interface ServiceRegistration {
  readonly service: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/**
 * The ContentAddressableStorage and ByteStream services over one store.
 * Iterating yields both registrations, so `[...createCasServices(...)]`
 * lists what to add to the server.
 */
export interface CasServices extends Iterable<ServiceRegistration> {
  readonly contentAddressableStorage: ServiceRegistration;
  readonly byteStream: ServiceRegistration;
  /**
   * The fast lane: methods also served as raw HTTP/2 routes (ByteStream
   * Write and Read), for `installRawRoutes(server, rawRoutes, ...)` once the server
   * is bound. Without it grpc-js serves them through the registrations.
   */
  readonly rawRoutes: readonly RawRoute[];
  /** The resumable uploads in progress. */
  readonly uploads: UploadSessions;
  /**
   * Aborts the uploads in progress, removing their temp files; call after the
   * server has stopped. (The store's next open would remove them too.)
   */
  close(): Promise<void>;
}

/**
 * The generated CAS service definition with FindMissingBlobs' request
 * decoder and response encoder replaced by {@link FastFindMissingBlobsCodec}
 * (same messages, a fraction of the CPU for 100,000-digest calls).
 */
const CAS_SERVICE_DEFINITION = {
  ...ContentAddressableStorageService,
  findMissingBlobs: {
    ...ContentAddressableStorageService.findMissingBlobs,
    requestDeserialize: FastFindMissingBlobsCodec.decodeRequest,
    responseSerialize: FastFindMissingBlobsCodec.encodeResponse,
  },
} satisfies typeof ContentAddressableStorageService;

/**
 * Builds the CAS and ByteStream services. The cmd calls it once, adds
 * every registration to its gRPC server, whose message limits should be
 * RECOMMENDED_MAX_MESSAGE_BYTES, and installs `rawRoutes` once it is bound.
 */
export function createCasServices(options: CasServicesOptions): CasServices {
  const deps: CasDependencies = {
    blobs: options.blobs,
    instanceNames: options.instanceNames ?? InstanceNames.DEFAULT,
    metrics: options.telemetry.metrics,
  };
  const uploads = new UploadSessions(options.blobs, options.uploads);
  const walker = new TreeWalker(options.blobs, options.directoryCache ?? new DirectoryCache());
  const contentAddressableStorage: ServiceRegistration = {
    service: CAS_SERVICE_DEFINITION,
    implementation: implementService(CAS_SERVICE_DEFINITION, contentAddressableStorageHandlers(deps, walker), options.telemetry),
  };
  const byteStream: ServiceRegistration = {
    service: bytestream.ByteStreamService,
    implementation: implementService(bytestream.ByteStreamService, byteStreamHandlers(deps, uploads), options.telemetry),
  };
  const rawRoutes = byteStreamRawRoutes(deps, uploads, options.telemetry);
  return {
    contentAddressableStorage,
    byteStream,
    rawRoutes,
    uploads,
    close: () => uploads.close(),
    *[Symbol.iterator]() {
      yield contentAddressableStorage;
      yield byteStream;
    },
  };
}
