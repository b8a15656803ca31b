import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';

/**
 * The messages of the control channel between serve-vm and the guest worker:
 * one JSON object per line, in both directions, on a byte stream that is a
 * virtio-serial port under QEMU (a vsock port under Virtualization.framework
 * later). It carries no REAPI traffic, only the VM's life cycle.
 *
 * Host to guest:
 * - `hello` first, on every connection: until the guest has read it, end of
 *   file on the port only means "nobody connected yet"; after it, end of
 *   file means serve-vm is gone and the guest shuts down (so a killed
 *   serve-vm never leaves a VM running).
 * - `stop`: shut down cleanly (the worker stops serving, /init unmounts the
 *   CAS disk and powers the machine off).
 *
 * Guest to host:
 * - `listening` once the worker's gRPC server accepts calls, with its port.
 * - `stopping` when the worker begins to stop, with the reason.
 */
export type ControlMessage =
  | { readonly type: 'hello' }
  | { readonly type: 'stop'; readonly reason: string }
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'stopping'; readonly reason: string };

const messageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('hello') }),
  z.strictObject({ type: z.literal('stop'), reason: z.string() }),
  z.strictObject({ type: z.literal('listening'), port: z.number().int().min(1).max(65535) }),
  z.strictObject({ type: z.literal('stopping'), reason: z.string() }),
]);

/** Longest line either side accepts; anything longer is a protocol error, not a message. */
export const MAX_CONTROL_LINE_BYTES = 4096;

/** One message as a line, newline included. */
export function formatControlMessage(message: ControlMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** Parses one line (without its newline); throws naming what is wrong. */
export function parseControlMessage(line: string): ControlMessage {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (cause) {
    throw new Error(`control message is not JSON: ${JSON.stringify(line.slice(0, 80))}`, { cause });
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) throw new Error(`unknown or malformed control message: ${JSON.stringify(line.slice(0, 80))}`);
  return parsed.data;
}

/**
 * Splits a byte stream into lines and hands each to `onLine`; refuses a line
 * longer than {@link MAX_CONTROL_LINE_BYTES} by throwing from push().
 */
export class ControlLineSplitter {
  #partial = '';
  // A multi-byte character may straddle two chunks.
  readonly #decoder = new StringDecoder('utf8');
  readonly #onLine: (line: string) => void;

  /** `onLine` receives each complete line without its newline. */
  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer | string): void {
    const parts = (this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk))).split('\n');
    this.#partial = parts.pop() ?? '';
    if (this.#partial.length > MAX_CONTROL_LINE_BYTES) throw new Error(`control line longer than ${MAX_CONTROL_LINE_BYTES} bytes`);
    for (const part of parts) if (part !== '') this.#onLine(part);
  }
}
