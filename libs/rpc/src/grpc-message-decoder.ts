import { ActiondError } from '@actiond/status';

/** The gRPC length prefix: one flag byte (1 = compressed), then the length as 32-bit big-endian. */
const PREFIX_BYTES = 5;

/**
 * Splits the DATA bytes of a gRPC request stream into messages, for the raw
 * HTTP/2 routes (raw-route.ts) that bypass grpc-js's own decoder.
 *
 * HTTP/2 delivers the bytes in pieces that have nothing to do with message
 * boundaries (frames of 16 KiB and up, coalesced or split by the socket
 * reads). A message that lies inside one piece is returned as a view of it,
 * without a copy; one that spans pieces is assembled once into a buffer of
 * its own size (from `allocate`), allocated when its prefix arrives. Only the messages are
 * kept, never a backlog of pieces.
 *
 * Errors are ActiondErrors naming the rule: a message above
 * `maxMessageBytes` is RESOURCE_EXHAUSTED (as grpc-js answers it) and is
 * refused on its prefix, before any of its bytes are buffered; a message
 * with the compressed flag is UNIMPLEMENTED, since these routes support
 * only identity encoding; {@link GrpcMessageDecoder.end} in the middle of a
 * message is INVALID_ARGUMENT.
 */
export class GrpcMessageDecoder {
  readonly #maxMessageBytes: number;
  readonly #what: string;
  readonly #allocate: (length: number) => Buffer;
  // The prefix of the next message, while fewer than 5 of its bytes are in.
  readonly #prefix = Buffer.alloc(PREFIX_BYTES);
  #prefixFilled = 0;
  // The message being assembled across pieces, and how much of it is in.
  #message: Buffer | undefined;
  #messageFilled = 0;

  /**
   * `what` names the stream in errors, e.g. `google.bytestream.ByteStream/Write`;
   * `allocate` makes the buffers spanning messages are assembled in.
   */
  constructor(maxMessageBytes: number, what: string, allocate: (length: number) => Buffer = Buffer.allocUnsafe) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#what = what;
    this.#allocate = allocate;
  }

  /** Consumes `piece` and returns the messages it completed, in order (often none, for big messages). */
  push(piece: Buffer): Buffer[] {
    const messages: Buffer[] = [];
    let at = 0;
    const end = piece.length;
    while (at < end) {
      if (this.#message !== undefined) {
        const take = Math.min(this.#message.length - this.#messageFilled, end - at);
        piece.copy(this.#message, this.#messageFilled, at, at + take);
        this.#messageFilled += take;
        at += take;
        if (this.#messageFilled === this.#message.length) {
          messages.push(this.#message);
          this.#message = undefined;
        }
        continue;
      }
      let length: number;
      if (this.#prefixFilled === 0 && end - at >= PREFIX_BYTES) {
        this.#checkFlag(piece[at]!);
        length = piece.readUInt32BE(at + 1);
        at += PREFIX_BYTES;
      } else {
        const take = Math.min(PREFIX_BYTES - this.#prefixFilled, end - at);
        piece.copy(this.#prefix, this.#prefixFilled, at, at + take);
        this.#prefixFilled += take;
        at += take;
        if (this.#prefixFilled < PREFIX_BYTES) break;
        this.#prefixFilled = 0;
        this.#checkFlag(this.#prefix[0]!);
        length = this.#prefix.readUInt32BE(1);
      }
      if (length > this.#maxMessageBytes) {
        throw ActiondError.resourceExhausted(
          `${this.#what}: a request message of ${length} bytes exceeds the server's limit of ${this.#maxMessageBytes} bytes; send smaller messages`,
        );
      }
      if (end - at >= length) {
        messages.push(piece.subarray(at, at + length));
        at += length;
      } else {
        this.#message = this.#allocate(length);
        this.#messageFilled = 0;
      }
    }
    return messages;
  }

  /** Checks that the stream ended between messages; throws INVALID_ARGUMENT naming how much of the last one arrived. */
  end(): void {
    if (this.#message !== undefined) {
      throw ActiondError.invalidArgument(
        `${this.#what}: the request stream ended inside a message: ${this.#messageFilled} of its ${this.#message.length} bytes arrived`,
      );
    }
    if (this.#prefixFilled > 0) {
      throw ActiondError.invalidArgument(
        `${this.#what}: the request stream ended inside a message prefix: ${this.#prefixFilled} of its ${PREFIX_BYTES} bytes arrived`,
      );
    }
  }

  #checkFlag(flag: number): void {
    if (flag === 0) return;
    if (flag === 1) {
      throw ActiondError.unimplemented(
        `${this.#what}: compressed gRPC messages are not supported on this method; send them uncompressed (grpc-encoding identity)`,
      );
    }
    throw ActiondError.invalidArgument(`${this.#what}: a request message has flag byte ${flag}; gRPC allows only 0 (uncompressed) and 1 (compressed)`);
  }
}

/** Frames one encoded message for the wire: the 5-byte prefix (uncompressed) followed by `message`. */
export function frameGrpcMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  framed[0] = 0;
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, PREFIX_BYTES);
  return framed;
}
