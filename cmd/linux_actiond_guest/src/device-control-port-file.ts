import { constants, open, read, write } from 'node:fs';
import type { ControlPortFile } from './guest-control-port.ts';

/** How often an idle control port is read again. */
const POLL_MS = 50;
/** How long a write waits for serve-vm's end to take data before it fails. */
const WRITE_TIMEOUT_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAgain(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/**
 * Opens a virtio-serial port device for the control channel, non-blocking,
 * and polls it. A character device cannot be a net.Socket in Node.js, and a
 * blocking read would hold a libuv pool thread that even process.exit()
 * waits for (it joins the pool): a guest whose serve-vm is gone could then
 * never exit and power off. Non-blocking, a read that has nothing yet fails
 * with EAGAIN and is tried again {@link POLL_MS} later; the control channel
 * carries a handful of messages per boot, so polling costs nothing that
 * matters. (With nobody connected at the host end, the kernel's virtio
 * console driver answers a read with 0 bytes rather than EAGAIN.)
 */
export function openDeviceControlPort(path: string): Promise<ControlPortFile> {
  return new Promise((resolve, reject) => {
    open(path, constants.O_RDWR | constants.O_NONBLOCK, (error, fd) => {
      if (error) {
        reject(new Error(`cannot open the control port ${path}: ${error.message}`));
        return;
      }
      const readOnce = (buffer: Buffer) => new Promise<number>((done, fail) => read(fd, buffer, 0, buffer.length, null, (e, n) => (e ? fail(e) : done(n))));
      const writeOnce = (data: Buffer, offset: number) =>
        new Promise<number>((done, fail) => write(fd, data, offset, data.length - offset, null, (e, n) => (e ? fail(e) : done(n))));
      resolve({
        read: async (buffer) => {
          for (;;) {
            try {
              return await readOnce(buffer);
            } catch (e) {
              if (!isAgain(e)) throw e;
              await sleep(POLL_MS);
            }
          }
        },
        write: async (data) => {
          const deadline = performance.now() + WRITE_TIMEOUT_MS;
          let offset = 0;
          while (offset < data.length) {
            try {
              offset += await writeOnce(data, offset);
            } catch (e) {
              if (!isAgain(e)) throw e;
              if (performance.now() > deadline) throw new Error(`serve-vm's end of the control port ${path} took no data for ${WRITE_TIMEOUT_MS} ms`);
              await sleep(POLL_MS);
            }
          }
        },
      });
    });
  });
}
