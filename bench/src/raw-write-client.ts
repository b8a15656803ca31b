import { randomUUID } from 'node:crypto';
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Digest } from '@actiond/digest';

/** The HTTP/2 path of ByteStream Write. */
const WRITE_PATH = '/google.bytestream.ByteStream/Write';

/**
 * A ByteStream Write client written straight on node:http2, for the
 * benchmark's Write measurement. Bazel's client is grpc-java on Netty,
 * which costs a fraction of grpc-js per byte (bench/RESULTS.md: grpc-js's
 * client spends about 3.8 CPU-s per GB on a 1 GiB upload); on a 2-core
 * machine a grpc-js client would measure itself more than the server.
 *
 * It speaks plain gRPC: each WriteRequest is encoded here as a small head
 * (the 5-byte message prefix and every field but the data's bytes) written
 * together with the chunk itself (one writev, no copy of the data), only as
 * fast as HTTP/2 flow control and the stream's buffer drain; it reads the
 * response headers, the one WriteResponse and the trailers, and fails with
 * the server's grpc-status and grpc-message unless the status is OK. Like
 * Netty, it sends DATA frames up to the server's SETTINGS_MAX_FRAME_SIZE
 * (node:http2 does that by default).
 */
export class RawWriteClient {
  readonly #session: ClientHttp2Session;

  constructor(address: string) {
    this.#session = connect(`http://${address}`);
    // A session error also fails every open stream, which is where it is reported.
    this.#session.on('error', () => {});
  }

  /**
   * Writes `chunks` (the blob's content, in order) to a fresh
   * `uploads/{uuid}/blobs/{hash}/{size}`, the last request with
   * finish_write; resolves to the committed_size of the response. Stops
   * sending if the server answers early.
   */
  write(digest: Digest, chunks: Iterable<Buffer>, timeoutMs: number): Promise<number> {
    const resourceName = `uploads/${randomUUID()}/blobs/${digest.hash}/${digest.sizeBytes}`;
    const stream = this.#session.request(
      {
        [constants.HTTP2_HEADER_METHOD]: 'POST',
        [constants.HTTP2_HEADER_PATH]: WRITE_PATH,
        [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        te: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs))}m`,
      },
      { endStream: false },
    );
    const outcome = readOutcome(stream);
    let answered = false;
    outcome.then(
      () => (answered = true),
      () => (answered = true),
    );
    const send = async (): Promise<void> => {
      const iterator = chunks[Symbol.iterator]();
      let offset = 0;
      let current = iterator.next();
      if (current.done === true) throw new Error(`write of ${digest}: no chunks to send`);
      while (current.done !== true && !answered) {
        const data = current.value;
        current = iterator.next();
        const head = encodeWriteRequestHead(offset === 0 ? resourceName : '', offset, current.done === true, data.length);
        offset += data.length;
        stream.cork();
        stream.write(head);
        const room = stream.write(data);
        stream.uncork();
        if (!room && !answered) await drained(stream, outcome);
      }
      if (!stream.destroyed) stream.end();
    };
    send().catch((err: unknown) => stream.destroy(err instanceof Error ? err : new Error(String(err))));
    return outcome;
  }

  close(): void {
    this.#session.close();
  }
}

/** Waits for 'drain', or for the call to end (the server answered or failed it). */
function drained(stream: ClientHttp2Stream, outcome: Promise<number>): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    outcome.then(done, done);
  });
}

/**
 * Resolves to the committed_size of the one WriteResponse once the call ends
 * with grpc-status 0; rejects naming the status and message otherwise.
 */
function readOutcome(stream: ClientHttp2Stream): Promise<number> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    let httpStatus: number | undefined;
    const noteStatus = (headers: IncomingHttpHeaders): void => {
      const value = headers['grpc-status'];
      if (typeof value === 'string') {
        grpcStatus = value;
        grpcMessage = decodeURIComponent(String(headers['grpc-message'] ?? ''));
      }
    };
    stream.on('response', (headers) => {
      httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
      noteStatus(headers);
    });
    stream.on('trailers', noteStatus);
    stream.on('data', (piece: Buffer) => pieces.push(piece));
    stream.on('error', () => {}); // 'close' reports it
    stream.on('close', () => {
      if (httpStatus !== 200) return reject(new Error(`ByteStream Write: HTTP status ${httpStatus ?? 'none'} (stream reset with code ${stream.rstCode})`));
      if (grpcStatus === undefined) return reject(new Error(`ByteStream Write: the stream ended without a grpc-status (reset with code ${stream.rstCode})`));
      if (grpcStatus !== '0') return reject(new Error(`ByteStream Write failed with grpc-status ${grpcStatus}: ${grpcMessage}`));
      try {
        resolve(decodeCommittedSize(Buffer.concat(pieces)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/**
 * The bytes of a length-prefixed WriteRequest up to its data's bytes:
 * prefix, resource_name (1), write_offset (2), finish_write (3), and the
 * tag and length of data (10). `data` must follow on the wire.
 */
export function encodeWriteRequestHead(resourceName: string, writeOffset: number, finishWrite: boolean, dataLength: number): Buffer {
  const name = Buffer.from(resourceName, 'utf8');
  const fields: number[] = [];
  if (name.length > 0) fields.push(0x0a, ...varint(name.length));
  const nameAt = fields.length;
  const tail: number[] = [];
  if (writeOffset !== 0) tail.push(0x10, ...varint(writeOffset));
  if (finishWrite) tail.push(0x18, 1);
  tail.push(0x52, ...varint(dataLength));
  const messageLength = fields.length + name.length + tail.length + dataLength;
  const head = Buffer.allocUnsafe(5 + fields.length + name.length + tail.length);
  head[0] = 0;
  head.writeUInt32BE(messageLength, 1);
  head.set(fields, 5);
  name.copy(head, 5 + nameAt);
  head.set(tail, 5 + nameAt + name.length);
  return head;
}

/** committed_size (field 1, int64) from the framed WriteResponse bytes. */
export function decodeCommittedSize(framed: Buffer): number {
  if (framed.length < 5) throw new Error(`ByteStream Write: the response has ${framed.length} bytes, not a gRPC message`);
  const length = framed.readUInt32BE(1);
  if (framed[0] !== 0 || framed.length !== 5 + length) throw new Error(`ByteStream Write: the response is not one uncompressed message (${framed.length} bytes)`);
  const message = framed.subarray(5);
  if (message.length === 0) return 0;
  if (message[0] !== 0x08) throw new Error(`ByteStream Write: unexpected field tag ${message[0]} in the WriteResponse`);
  // A negative int64 (-1 for compressed uploads) is 10 varint bytes; BigInt keeps it exact.
  let value = 0n;
  let shift = 0n;
  for (let at = 1; at < message.length; at++) {
    const byte = message[at]!;
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return Number(BigInt.asIntN(64, value));
    shift += 7n;
  }
  throw new Error('ByteStream Write: truncated committed_size in the WriteResponse');
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return bytes;
}
