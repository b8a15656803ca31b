import { invalidArgument, type ActiondError } from '@actiond/status';

/** A run of bytes from one zstd frame; `endsFrame` marks the frame's last bytes. */
export interface ZstdFramePiece {
  readonly data: Buffer;
  readonly endsFrame: boolean;
}

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_TYPE_RLE = 1;
const BLOCK_TYPE_RESERVED = 3;
const FRAME_CONTENT_SIZE_BYTES = [0, 2, 4, 8] as const;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4] as const;

type State =
  | { readonly kind: 'magic' }
  | { readonly kind: 'frame-header-descriptor' }
  | { readonly kind: 'skip-header'; remaining: number }
  | { readonly kind: 'block-header' }
  | { readonly kind: 'block-content'; remaining: number; readonly last: boolean }
  | { readonly kind: 'checksum'; remaining: number }
  | { readonly kind: 'skippable-size' }
  | { readonly kind: 'skippable-content'; remaining: number };

/**
 * Finds the frame boundaries of a zstd stream (RFC 8878, section 3.1) as it
 * arrives in arbitrary chunks, without decoding it.
 *
 * Why: node:zlib's zstd decoder (Node 24) stops at the end of the first
 * frame and silently drops whatever follows, but a zstd stream may be any
 * number of concatenated frames, skippable ones included. Feeding each frame
 * to a decoder of its own gets every byte decoded, and bytes that are no
 * frame at all are refused instead of ignored.
 *
 * Only the framing is checked (magic numbers, the reserved header bit,
 * block types); the decoder checks the content.
 */
export class ZstdFrameSplitter {
  readonly #what: string;
  #state: State = { kind: 'magic' };
  /** Bytes of a fixed-size field gathered so far (magic, header byte, block header, skippable size). */
  #field: number[] = [];
  #checksumFlag = false;

  /** `what` starts error messages ("upload of blob abc/12"). */
  constructor(what: string) {
    this.#what = what;
  }

  /** True between frames, where a stream may end. */
  get atFrameBoundary(): boolean {
    return this.#state.kind === 'magic' && this.#field.length === 0;
  }

  /**
   * Splits `chunk` into pieces of consecutive frames, in order. Throws
   * INVALID_ARGUMENT at bytes that cannot be zstd framing.
   */
  push(chunk: Uint8Array): ZstdFramePiece[] {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const pieces: ZstdFramePiece[] = [];
    let start = 0;
    let at = 0;
    const endFrame = (): void => {
      pieces.push({ data: bytes.subarray(start, at), endsFrame: true });
      start = at;
      this.#state = { kind: 'magic' };
    };
    while (at < bytes.length) {
      const state = this.#state;
      switch (state.kind) {
        case 'magic': {
          if (!this.#gather(bytes[at++]!, 4)) break;
          const magic = this.#takeUint32();
          if (magic === ZSTD_MAGIC) this.#state = { kind: 'frame-header-descriptor' };
          else if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) this.#state = { kind: 'skippable-size' };
          else throw this.#error(`0x${magic.toString(16).padStart(8, '0')} is not a zstd frame's magic number`);
          break;
        }
        case 'frame-header-descriptor': {
          const descriptor = bytes[at++]!;
          if ((descriptor & 0x08) !== 0) throw this.#error('a frame header sets the reserved bit');
          const singleSegment = (descriptor & 0x20) !== 0;
          const contentSizeFlag = descriptor >> 6;
          this.#checksumFlag = (descriptor & 0x04) !== 0;
          const contentSizeBytes = contentSizeFlag === 0 && singleSegment ? 1 : FRAME_CONTENT_SIZE_BYTES[contentSizeFlag]!;
          const headerBytes = (singleSegment ? 0 : 1) + DICTIONARY_ID_BYTES[descriptor & 0x03]! + contentSizeBytes;
          this.#state = headerBytes === 0 ? { kind: 'block-header' } : { kind: 'skip-header', remaining: headerBytes };
          break;
        }
        case 'skip-header': {
          at = skip(state, bytes, at);
          if (state.remaining === 0) this.#state = { kind: 'block-header' };
          break;
        }
        case 'block-header': {
          if (!this.#gather(bytes[at++]!, 3)) break;
          const [b0, b1, b2] = this.#field.splice(0) as [number, number, number];
          const header = b0 | (b1 << 8) | (b2 << 16);
          const last = (header & 1) !== 0;
          const type = (header >> 1) & 3;
          if (type === BLOCK_TYPE_RESERVED) throw this.#error('a block has the reserved block type');
          const contentBytes = type === BLOCK_TYPE_RLE ? 1 : header >>> 3;
          this.#state = { kind: 'block-content', remaining: contentBytes, last };
          if (contentBytes === 0 && this.#afterBlock(last)) endFrame();
          break;
        }
        case 'block-content': {
          at = skip(state, bytes, at);
          if (state.remaining === 0 && this.#afterBlock(state.last)) endFrame();
          break;
        }
        case 'checksum':
        case 'skippable-content': {
          at = skip(state, bytes, at);
          if (state.remaining === 0) endFrame();
          break;
        }
        case 'skippable-size': {
          if (!this.#gather(bytes[at++]!, 4)) break;
          const size = this.#takeUint32();
          this.#state = { kind: 'skippable-content', remaining: size };
          if (size === 0) endFrame();
          break;
        }
      }
    }
    if (start < bytes.length) pieces.push({ data: bytes.subarray(start), endsFrame: false });
    return pieces;
  }

  /** Throws INVALID_ARGUMENT unless the stream ended between frames. */
  finish(): void {
    if (!this.atFrameBoundary) {
      throw invalidArgument(`${this.#what}: the zstd data is truncated (it ends in the middle of a frame)`);
    }
  }

  /** Moves past a finished block; true when that ended the frame. */
  #afterBlock(last: boolean): boolean {
    if (!last) {
      this.#state = { kind: 'block-header' };
      return false;
    }
    if (this.#checksumFlag) {
      this.#state = { kind: 'checksum', remaining: 4 };
      return false;
    }
    return true;
  }

  /** Adds one byte to the current field; true once it has `length` bytes. */
  #gather(byte: number, length: number): boolean {
    this.#field.push(byte);
    return this.#field.length === length;
  }

  #takeUint32(): number {
    const [b0, b1, b2, b3] = this.#field.splice(0) as [number, number, number, number];
    return (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
  }

  #error(problem: string): ActiondError {
    return invalidArgument(`${this.#what}: the zstd data is corrupt (${problem})`);
  }
}

/** Advances past up to `state.remaining` bytes of `bytes` from `at`; returns the new position. */
function skip(state: { remaining: number }, bytes: Buffer, at: number): number {
  const step = Math.min(state.remaining, bytes.length - at);
  state.remaining -= step;
  return at + step;
}
