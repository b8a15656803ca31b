import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The device node of the virtio-serial port the host named `name`
 * (QEMU `virtserialport,name=NAME`): the kernel lists each port under
 * /sys/class/virtio-ports/vportNpM with its name in `name`, and devtmpfs
 * makes /dev/vportNpM. (udev's /dev/virtio-ports/NAME links do not exist in
 * the guest.) Throws naming the ports present when none has that name.
 */
export async function virtioPortPath(name: string, sysClassDir = '/sys/class/virtio-ports', devDir = '/dev'): Promise<string> {
  let ports: string[];
  try {
    ports = (await readdir(sysClassDir)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no virtio-serial port '${name}': ${sysClassDir} does not exist (no virtio-serial device attached)`);
    throw error;
  }
  const seen: string[] = [];
  for (const port of ports) {
    let portName: string;
    try {
      portName = (await readFile(join(sysClassDir, port, 'name'), 'utf8')).trim();
    } catch {
      continue; // a port without a name (a console port)
    }
    if (portName === name) return join(devDir, port);
    seen.push(`${port} (${portName})`);
  }
  throw new Error(`no virtio-serial port named '${name}' (present: ${seen.length > 0 ? seen.join(', ') : 'none'})`);
}
