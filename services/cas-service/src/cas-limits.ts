import { Compressor_Value } from '@actiond/proto';

// The numbers the CAS and ByteStream services enforce, in one place so that
// the Capabilities service advertises exactly what is enforced and the cmd
// configures grpc-js to match.

/**
 * Largest sum of blob sizes (uncompressed, from the digests) that one
 * BatchUpdateBlobs or BatchReadBlobs call may carry; more is INVALID_ARGUMENT
 * (REAPI's wording for this limit). Advertise it as
 * `CacheCapabilities.max_batch_total_size_bytes`.
 *
 * 3 MiB leaves a full MiB below gRPC's default 4 MiB message limit for the
 * per-blob framing (digest, status, compressor: under 100 bytes per blob), so
 * a BatchReadBlobs response reaches clients that kept that default.
 */
export const MAX_BATCH_TOTAL_SIZE_BYTES = 3 * 1024 * 1024;

/**
 * What the cmd should set as the gRPC server's `grpc.max_receive_message_length`
 * and `grpc.max_send_message_length`. Larger than the batch limit because
 * FindMissingBlobs requests are large without carrying blobs: 100,000 SHA-256
 * digests take about 7.6 MB on the wire.
 */
export const RECOMMENDED_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Compressors served in ByteStream `compressed-blobs/{compressor}/...` names
 * (`CacheCapabilities.supported_compressors`). IDENTITY is implied and never listed.
 */
export const SUPPORTED_COMPRESSORS: readonly Compressor_Value[] = Object.freeze([Compressor_Value.ZSTD]);

/**
 * Compressors accepted in BatchUpdateBlobs requests and produced for
 * BatchReadBlobs (`CacheCapabilities.supported_batch_update_compressors`).
 */
export const SUPPORTED_BATCH_UPDATE_COMPRESSORS: readonly Compressor_Value[] = Object.freeze([Compressor_Value.ZSTD]);

/**
 * Bytes per ByteStream ReadResponse (and per file read behind it). 256 KiB:
 * `pnpm bench:cache` measured 1 MiB at about 4.3 server CPU-seconds per GB
 * against 5.9 for 256 KiB, but with no wall-clock gain beyond the noise, and
 * with 1 MiB messages the messages queued for a paused client (grpc-js and
 * HTTP/2 buffer a fixed number of messages and window bytes) reached half the
 * size of a 64 MiB blob (byte-stream-large-blob.test.ts). Memory per slow
 * client matters more here than a quarter of the CPU of a read.
 */
export const READ_CHUNK_BYTES = 256 * 1024;

/**
 * ByteStream Read of a blob up to this size (uncompressed) reads it whole
 * with `BlobAccess.get` (a few synchronous system calls) and sends one
 * message, instead of opening a file stream: Bazel reads every output and
 * log this way, mostly a few bytes, and the stream's asynchronous open,
 * reads and close cost more CPU than the blob. Well under READ_CHUNK_BYTES,
 * so the message is no larger than a streamed one.
 */
export const SMALL_READ_BYTES = 64 * 1024;

/**
 * Bytes of decompressed data per write into the upload session of a
 * compressed ByteStream Write, which is also how finely an interrupted
 * compressed upload commits progress for resumption; kept small for that.
 */
export const DECOMPRESS_CHUNK_BYTES = 256 * 1024;

/**
 * Blobs of one batch call read or written at once: bounds the files open
 * and the (de)compression buffers alive for a request of thousands of blobs.
 */
export const BATCH_CONCURRENCY = 16;

/** Directories per GetTreeResponse when the request's page_size is 0. */
export const GET_TREE_DEFAULT_PAGE_SIZE = 1000;

/** Most directories per GetTreeResponse; a larger page_size is lowered to this (REAPI lets the server use less). */
export const GET_TREE_MAX_PAGE_SIZE = 10_000;

/**
 * Most bytes of Directory messages per GetTreeResponse, whatever the page
 * size, to stay under gRPC's default 4 MiB client limit. A single directory
 * larger than this still goes out, alone in its page.
 */
export const GET_TREE_MAX_PAGE_BYTES = 2 * 1024 * 1024;
