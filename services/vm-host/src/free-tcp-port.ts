import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that nothing listened on a moment ago: the kernel
 * picks one for a throwaway listener, which is closed again. A hypervisor
 * that must be told a port number up front (QEMU's hostfwd) gets this one;
 * in the unlikely case another process takes it in between, that boot fails
 * and the next one picks again.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('the throwaway listener has no TCP address'));
        else resolve(address.port);
      });
    });
  });
}
