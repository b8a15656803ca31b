import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { withValueName } from './value-names.ts';

/** A parsed `HOST:PORT`. `host` is bare: `::1`, not `[::1]`, as `net.Server.listen` wants it. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * A zod schema for `HOST:PORT`: an IPv4 address (`127.0.0.1:8980`), a
 * bracketed IPv6 address (`[::1]:8980`) or a host name (`localhost:8980`).
 * Port 0 is allowed: it asks the OS for a free port, which tests rely on.
 * An empty host (`:8980`) is rejected rather than read as "all interfaces",
 * because exposing a sandbox-executing server should take `0.0.0.0` typed out.
 */
export function hostPortSchema(): z.ZodType<HostPort, string> {
  const schema = z.string().transform((text, ctx): HostPort => {
    const reject = (detail = '') => {
      ctx.addIssue({ code: 'custom', message: `expected HOST:PORT${detail}, got ${JSON.stringify(text)}` });
      return z.NEVER;
    };
    let host: string;
    let portText: string;
    const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
    if (bracketed !== null) {
      host = bracketed[1]!;
      portText = bracketed[2]!;
      if (!isIPv6(host)) return reject(' with an IPv6 address inside the brackets');
    } else if (text.startsWith('[')) {
      return reject(); // brackets without a closing `]:PORT`
    } else {
      const colon = text.lastIndexOf(':');
      if (colon < 0) return reject();
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
      if (host.includes(':')) return reject(' with IPv6 hosts in brackets ([::1]:8980)');
      if (/^[0-9.]+$/.test(host) ? !isIPv4(host) : !HOSTNAME.test(host)) return reject();
    }
    const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 0 && port <= 65535)) return reject(' with a port from 0 to 65535');
    return { host, port };
  });
  return withValueName(schema, 'HOST:PORT');
}
