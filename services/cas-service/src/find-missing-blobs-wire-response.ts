import { FindMissingBlobsResponse, type Digest as ProtoDigest } from '@actiond/proto';

/**
 * A FindMissingBlobsResponse already in its protobuf bytes, as the wire path
 * of FindMissingBlobs builds it (find-missing-blobs-wire.ts):
 * FastFindMissingBlobsCodec.encodeResponse sends `bytes` as they are.
 * `missingBlobDigests` decodes them on first use, for any other reader.
 */
export class FindMissingBlobsWireResponse implements FindMissingBlobsResponse {
  /** The encoded response, exactly what FindMissingBlobsResponse.encode writes for the same digests. */
  readonly bytes: Buffer;
  #digests: ProtoDigest[] | undefined;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  /** The missing digests, decoded from `bytes` on first use. */
  get missingBlobDigests(): ProtoDigest[] {
    this.#digests ??= FindMissingBlobsResponse.decode(this.bytes).missingBlobDigests;
    return this.#digests;
  }
}
