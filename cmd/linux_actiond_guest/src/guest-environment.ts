/** What /init hands the guest worker in its environment (vm/README.md, boot protocol step 5). */
export interface GuestEnvironment {
  /** The CAS disk's mount point (ext4, read-write): the worker's --root. */
  readonly casDir: string;
  /** The system image's mount point (read-only): Node.js, this worker, the helpers. */
  readonly systemDir: string;
  /** The runtimes image's mount point, or undefined when the host attached none. */
  readonly runtimesDir: string | undefined;
  /** The port to serve gRPC on. */
  readonly port: number;
}

/** The port the worker serves on when the host passed no actiond.port. */
export const DEFAULT_GUEST_PORT = 8980;

/**
 * Reads the guest environment /init set. Throws naming the variable when one
 * is missing or malformed: the worker was then not started by our /init, and
 * guessing paths could put the CAS on the tmpfs root.
 */
export function readGuestEnvironment(env: Readonly<Record<string, string | undefined>>): GuestEnvironment {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new Error(`${name} is not set (the guest worker runs under the VM's /init, which sets it)`);
    if (!value.startsWith('/')) throw new Error(`${name} must be an absolute path, got '${value}'`);
    return value;
  };
  const casDir = required('ACTIOND_CAS_DIR');
  const systemDir = required('ACTIOND_SYSTEM_DIR');
  const runtimes = env['ACTIOND_RUNTIMES_DIR'];
  if (runtimes !== undefined && runtimes !== '' && !runtimes.startsWith('/')) throw new Error(`ACTIOND_RUNTIMES_DIR must be an absolute path or empty, got '${runtimes}'`);
  const portText = env['ACTIOND_PORT'] ?? '';
  let port = DEFAULT_GUEST_PORT;
  if (portText !== '') {
    port = Number(portText);
    if (!/^[0-9]{1,5}$/.test(portText) || port < 1 || port > 65535) throw new Error(`ACTIOND_PORT must be a port 1..65535, got '${portText}'`);
  }
  return { casDir, systemDir, runtimesDir: runtimes === undefined || runtimes === '' ? undefined : runtimes, port };
}
