import type { HostPort } from '@actiond/cli';

/**
 * The gRPC target string for a listen address. grpc-js wants IPv6 hosts in
 * brackets (`[::1]:8980`) while the parsed address keeps them bare.
 */
export function grpcAddress(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
