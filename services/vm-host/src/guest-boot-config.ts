import { z } from 'zod';

/**
 * What the host tells the guest worker beyond /init's own `actiond.*`
 * parameters (vm/README.md): how to reach it and what to serve. It travels
 * on the kernel command line as one word, `actiond-guest.config=<base64url
 * JSON>`: dotted, so the kernel passes it to nobody, and without the
 * `actiond.` prefix, so /init ignores it. Base64url keeps instance names with
 * spaces, quotes or `=` in one word.
 */
export interface GuestBootConfig {
  /** The interface the host reaches the guest worker on, and its IPv4 address with prefix length. */
  readonly network: { readonly interface: string; readonly address: string };
  /** The virtio-serial port name of the control channel (/sys/class/virtio-ports/PORT/name). */
  readonly controlPort: string;
  /** Instance names the worker answers for (`serve --instance-name`); empty means only the empty name. */
  readonly instanceNames: readonly string[];
}

/** The kernel parameter that carries the config. */
export const GUEST_BOOT_CONFIG_PARAMETER = 'actiond-guest.config';

/**
 * The kernel's command line is at most 2048 bytes on x86_64 and arm64; the
 * config must leave room for /init's parameters and the console ones.
 */
export const MAX_GUEST_BOOT_CONFIG_BYTES = 1024;

const configSchema = z.strictObject({
  v: z.literal(1),
  network: z.strictObject({
    interface: z.string().regex(/^[A-Za-z0-9._-]{1,15}$/, 'an interface name of 1-15 of [A-Za-z0-9._-]'),
    address: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'an IPv4 address with prefix length, A.B.C.D/N'),
  }),
  controlPort: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a virtio-serial port name of 1-64 of [A-Za-z0-9._-]'),
  instanceNames: z.array(z.string()),
});

/** The `actiond-guest.config=...` word for a kernel command line; throws when it would be too long. */
export function encodeGuestBootConfig(config: GuestBootConfig): string {
  const json = JSON.stringify(configSchema.parse({ v: 1, ...config }));
  const word = `${GUEST_BOOT_CONFIG_PARAMETER}=${Buffer.from(json, 'utf8').toString('base64url')}`;
  if (word.length > MAX_GUEST_BOOT_CONFIG_BYTES) {
    throw new Error(`the guest boot config is ${word.length} bytes on the kernel command line, more than ${MAX_GUEST_BOOT_CONFIG_BYTES} (too many or too long instance names?)`);
  }
  return word;
}

/**
 * Reads the config from a kernel command line (/proc/cmdline). Throws naming
 * the problem when the parameter is missing, repeated, not base64url, not
 * JSON, or does not match the schema, so a host/guest mismatch stops the
 * guest with a reason on the console instead of serving with guesses.
 */
export function parseGuestBootConfig(cmdline: string): GuestBootConfig {
  const prefix = `${GUEST_BOOT_CONFIG_PARAMETER}=`;
  const words = cmdline.trim().split(/\s+/).filter((w) => w.startsWith(prefix));
  if (words.length === 0) throw new Error(`the kernel command line has no ${GUEST_BOOT_CONFIG_PARAMETER}= parameter (was this VM started by serve-vm?)`);
  if (words.length > 1) throw new Error(`the kernel command line has ${words.length} ${GUEST_BOOT_CONFIG_PARAMETER}= parameters, expected one`);
  const encoded = words[0]!.slice(prefix.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new Error(`${GUEST_BOOT_CONFIG_PARAMETER} is not base64url`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new Error(`${GUEST_BOOT_CONFIG_PARAMETER} does not decode to JSON`, { cause });
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new Error(`${GUEST_BOOT_CONFIG_PARAMETER} is invalid at ${field}: ${issue.message}`);
  }
  const { network, controlPort, instanceNames } = parsed.data;
  return { network, controlPort, instanceNames };
}
