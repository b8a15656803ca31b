/** Messages from this size up to {@link POOLED_CAPACITY} are assembled in pooled buffers; smaller ones cost little either way. */
const POOLED_MIN_BYTES = 64 * 1024;

/** Capacity of a pooled buffer: a 1 MiB ByteStream chunk plus its WriteRequest fields, with room to spare. */
const POOLED_CAPACITY = 1024 * 1024 + 64 * 1024;

/** Released buffers kept for reuse, at most (about 9 MiB). */
const MAX_FREE = 8;

/**
 * The buffers in which the raw routes assemble request messages that span
 * HTTP/2 frames, reused once their user says it is done with them.
 *
 * Why: a 1 GiB upload assembles 1 GiB of 1 MiB messages; each fresh buffer
 * is memory outside V8's heap, and V8 answers every 64 MiB or so of such
 * allocation with a full garbage collection (profiled at about a fifth of
 * the server's CPU for a large Write). A handler that knows it no longer
 * holds a request's bytes (the uncompressed Write path, once the bytes are
 * written) releases them with {@link releaseRequestBytes}; the next message
 * is assembled in the same memory. Handlers that do not release lose
 * nothing: their buffers are collected as usual.
 */
export class RequestBufferPool {
  readonly #free: ArrayBuffer[] = [];
  // Buffers handed out and not yet released: releasing anything else (a
  // view of a frame, a buffer released twice) is ignored, so a mistaken
  // release can never hand the same memory to two messages.
  readonly #lent = new WeakSet<ArrayBuffer>();

  /** A buffer of exactly `length` bytes, pooled memory when the size suits; its content is undefined. */
  allocate(length: number): Buffer {
    if (length < POOLED_MIN_BYTES || length > POOLED_CAPACITY) return Buffer.allocUnsafe(length);
    const memory = this.#free.pop() ?? new ArrayBuffer(POOLED_CAPACITY);
    this.#lent.add(memory);
    return Buffer.from(memory, 0, length);
  }

  /** Takes back the buffer `bytes` views, if it is one of ours still lent; afterwards it may hold another message. */
  release(bytes: Uint8Array): void {
    const memory = bytes.buffer;
    if (!(memory instanceof ArrayBuffer) || !this.#lent.has(memory)) return;
    this.#lent.delete(memory);
    if (this.#free.length < MAX_FREE) this.#free.push(memory);
  }

  /** Buffers waiting for reuse (for tests). */
  get free(): number {
    return this.#free.length;
  }
}

/** The pool every raw route assembles its messages in. */
export const REQUEST_BUFFERS = new RequestBufferPool();

/**
 * Says that the bytes of a request message a raw route delivered (or any
 * view into them, such as a WriteRequest's `data`) are no longer used by
 * anyone, so their memory can hold a later message. Call it only when no
 * reference to them remains that will be read: the memory is overwritten.
 * Anything that is not such a message's memory is ignored.
 */
export function releaseRequestBytes(bytes: Uint8Array): void {
  REQUEST_BUFFERS.release(bytes);
}
