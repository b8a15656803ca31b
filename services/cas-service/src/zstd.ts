import { Readable, pipeline, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import { constants, createZstdCompress, createZstdDecompress, zstdCompress, zstdDecompress } from 'node:zlib';
import { ActiondError, invalidArgument } from '@actiond/status';
import { ZstdFrameSplitter, type ZstdFramePiece } from './zstd-frame-splitter.ts';

// zstd for the CAS: whole buffers for the batch calls, streams for
// ByteStream. All of it runs on libuv's thread pool through node:zlib, so a
// large blob does not block the event loop.

/**
 * The level the server compresses at. REAPI lets servers choose; level 1 is
 * the fastest and still shrinks typical build outputs well, which matters
 * more here than ratio because client and server usually share a machine.
 */
export const SERVER_ZSTD_LEVEL = 1;

const compressAsync = promisify(zstdCompress);
const decompressAsync = promisify(zstdDecompress);

const compressParams = { [constants.ZSTD_c_compressionLevel]: SERVER_ZSTD_LEVEL };

/** Compresses a whole buffer (BatchReadBlobs responses). */
export function zstdCompressBuffer(data: Uint8Array): Promise<Buffer> {
  return compressAsync(data, { params: compressParams });
}

/**
 * Decompresses a whole zstd buffer that must hold exactly `expectedSize`
 * bytes (BatchUpdateBlobs). Never produces more than `expectedSize + 1`
 * bytes, so a small request cannot make the server allocate gigabytes.
 * Throws INVALID_ARGUMENT starting with `what` (such as "blob abc/12") for
 * a corrupt or truncated stream and for any other decompressed size.
 * Zero bytes of input count as the empty blob's compressed form.
 */
export async function zstdDecompressExact(data: Uint8Array, expectedSize: number, what: string): Promise<Buffer> {
  if (data.byteLength === 0 && expectedSize === 0) return Buffer.alloc(0);
  const splitter = new ZstdFrameSplitter(what);
  const frames = splitter.push(data);
  splitter.finish();
  const parts: Buffer[] = [];
  let total = 0;
  for (const frame of frames) {
    let out: Buffer;
    try {
      out = await decompressAsync(frame.data, { maxOutputLength: expectedSize - total + 1 });
    } catch (err) {
      if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(what, expectedSize);
      throw corrupt(what, err);
    }
    total += out.length;
    if (total > expectedSize) throw tooLarge(what, expectedSize);
    parts.push(out);
  }
  if (total !== expectedSize) {
    throw invalidArgument(`${what}: zstd data decompresses to ${total} bytes, its digest says ${expectedSize}`);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

/**
 * A zstd compressor for a ByteStream Read, emitting chunks of at most
 * `chunkBytes`. Pipe the blob's stream into it.
 */
export function createZstdCompressStream(chunkBytes: number): Transform {
  return createZstdCompress({ chunkSize: chunkBytes, params: compressParams });
}

/**
 * Decompresses the chunks of a compressed ByteStream Write as they arrive,
 * pulling input only as fast as the output is consumed (so a zstd bomb
 * cannot fill memory: the consumer stops at the declared size). Errors the
 * input throws pass through unchanged; corrupt data, and input that ends in
 * the middle of a frame, become INVALID_ARGUMENT starting with `what`, after
 * everything decodable before them was yielded.
 *
 * Each frame gets a decoder of its own, cut at the boundaries
 * ZstdFrameSplitter finds, because node:zlib's decoder ignores whatever
 * follows the first frame.
 */
export async function* zstdDecompressChunks(input: AsyncIterable<Uint8Array>, what: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const splitter = new ZstdFrameSplitter(what);
  const iterator = input[Symbol.asyncIterator]();
  let queue: ZstdFramePiece[] = [];
  let inputDone = false;
  const nextPiece = async (): Promise<ZstdFramePiece | undefined> => {
    while (queue.length === 0) {
      if (inputDone) return undefined;
      const next = await iterator.next();
      if (next.done === true) {
        inputDone = true;
        splitter.finish();
        return undefined;
      }
      queue = splitter.push(next.value);
    }
    return queue.shift();
  };
  try {
    for (let first = await nextPiece(); first !== undefined; first = await nextPiece()) {
      yield* decodeFrame(first, nextPiece, what, chunkBytes);
    }
  } finally {
    if (!inputDone) await iterator.return?.();
  }
}

/** Decodes one frame, starting with `first` and pulling the rest of it with `nextPiece`. */
async function* decodeFrame(
  first: ZstdFramePiece,
  nextPiece: () => Promise<ZstdFramePiece | undefined>,
  what: string,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  let sourceError: unknown;
  let fedWholeFrame = false;
  const source = Readable.from(
    (async function* () {
      try {
        for (let piece: ZstdFramePiece | undefined = first; piece !== undefined; piece = await nextPiece()) {
          yield piece.data;
          if (piece.endsFrame) {
            fedWholeFrame = true;
            return;
          }
        }
      } catch (err) {
        // End the decoder's input normally instead of destroying it, so it
        // hands over everything it can decode; the error is raised after that.
        sourceError = err;
      }
    })(),
    { objectMode: false, highWaterMark: chunkBytes },
  );
  const decoder = createZstdDecompress({ chunkSize: chunkBytes });
  // Errors reach the loop below through the decoder, which pipeline destroys.
  pipeline(source, decoder, () => {});
  try {
    yield* outputThenError(decoder);
  } catch (err) {
    if (sourceError !== undefined) throw sourceError;
    if (err instanceof ActiondError) throw err;
    throw corrupt(what, err);
  } finally {
    decoder.destroy();
    source.destroy();
  }
  if (sourceError !== undefined) throw sourceError;
  // The decoder saw the frame end before the framing did: the blocks lie.
  if (!fedWholeFrame) throw corrupt(what, new Error('a frame ends before its last block'));
}

/**
 * The chunks of `stream`, then its error if it fails. Unlike a Readable's own
 * async iterator, which drops buffered chunks when the stream errors, this
 * yields every chunk the decoder produced before it failed: a truncated
 * upload keeps all it decoded, however far the consumer lags behind.
 */
async function* outputThenError(stream: Readable | Transform): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let failure: { error: unknown } | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  stream.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    // Backpressure: stop the decoder while a few chunks wait for the consumer.
    if (queue.length >= 4) stream.pause();
    notify();
  });
  stream.once('error', (error: unknown) => {
    failure = { error };
    notify();
  });
  stream.once('end', () => {
    ended = true;
    notify();
  });
  for (;;) {
    const chunk = queue.shift();
    if (chunk !== undefined) {
      if (queue.length < 4 && failure === undefined) stream.resume();
      yield chunk;
    } else if (failure !== undefined) {
      throw failure.error;
    } else if (ended) {
      return;
    } else {
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
}

function tooLarge(what: string, expectedSize: number): ActiondError {
  return invalidArgument(`${what}: zstd data decompresses to more than the ${expectedSize} bytes of its digest`);
}

function corrupt(what: string, err: unknown): ActiondError {
  const reason = err instanceof Error ? err.message : String(err);
  return invalidArgument(`${what}: the zstd data is corrupt or truncated (${reason})`);
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
}
