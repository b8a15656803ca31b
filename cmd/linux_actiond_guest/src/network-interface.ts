import { spawn } from 'node:child_process';

/**
 * Gives `iface` the IPv4 address `address` (A.B.C.D/N) and brings it up, by
 * running the system image's actiond-netif helper (the guest has no `ip`,
 * and Node.js cannot issue the ioctls). Rejects with the helper's own
 * message when it fails.
 */
export function configureInterface(helper: string, iface: string, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, [iface, address], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => reject(new Error(`cannot run ${helper}: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${helper} ${iface} ${address} failed (${signal ?? `status ${code}`}): ${stderr.trim()}`));
    });
  });
}
