/** Bytes per buffer of {@link AlignedBufferPool}: 1 MiB, sixteen 64 KiB WebAssembly pages. */
export const ALIGNED_BUFFER_BYTES = 1024 * 1024;

const WASM_PAGE_BYTES = 64 * 1024;

/** The one WebAssembly API used here; the workspace's TypeScript libs do not declare WebAssembly. */
const WasmMemory = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: SharedArrayBuffer } };
  }
).WebAssembly.Memory;

/**
 * Page-aligned 1 MiB buffers for O_DIRECT writes, reused; their memory is
 * a SharedArrayBuffer, so a worker thread can hash what they hold without
 * a copy (HashingThread).
 *
 * O_DIRECT wants the memory address, length and file offset aligned to the
 * device's logical block size (512 B or 4 KiB), and JavaScript cannot see
 * or choose the address of a Buffer. A WebAssembly.Memory is mapped on its
 * own pages (its base is page-aligned), so a Buffer over it qualifies.
 *
 * Reuse matters beyond allocation cost: on this machine (a VM) memory
 * touched for the first time costs a page fault into the hypervisor, about
 * as much per byte as SHA-256, so buffers kept warm are the point. Up to
 * `keep` released buffers are kept; more are left to the garbage collector.
 */
export class AlignedBufferPool {
  readonly #free: Buffer[] = [];
  readonly #keep: number;

  constructor(keep: number) {
    this.#keep = keep;
  }

  /** A buffer of ALIGNED_BUFFER_BYTES, page-aligned; its content is whatever the last user left. */
  acquire(): Buffer {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    const pages = ALIGNED_BUFFER_BYTES / WASM_PAGE_BYTES;
    const memory = new WasmMemory({ initial: pages, maximum: pages, shared: true });
    return Buffer.from(memory.buffer, 0, ALIGNED_BUFFER_BYTES);
  }

  /** Returns `buffer` (from acquire, no longer used by anyone) for reuse. */
  release(buffer: Buffer): void {
    if (this.#free.length < this.#keep) this.#free.push(buffer);
  }

  /** How many buffers wait for reuse (for tests). */
  get free(): number {
    return this.#free.length;
  }
}
