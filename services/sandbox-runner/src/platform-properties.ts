import { byteSizeSchema } from '@actiond/cli';
import type { Action, Command, Platform_Property } from '@actiond/proto';
import { invalidArgument } from '@actiond/status';
import type { Runtime, RuntimeProvider } from './runtime-provider.ts';

/** How an action may use the network. */
export type NetworkMode =
  /** Its own network namespace with only a loopback interface (up): no route anywhere else. */
  | 'private'
  /** The host's network namespace; only on servers started with network access allowed. */
  | 'host';

/** cgroup limits for one action; undefined means unlimited. */
export interface ResourceLimits {
  /** Memory (RAM plus swap, which is not allowed) in bytes. */
  readonly memoryBytes: number | undefined;
  /** CPU time as a number of cores (1.5: 150 ms of CPU per 100 ms). */
  readonly cpus: number | undefined;
  /** Processes and threads alive at once. */
  readonly pids: number | undefined;
}

/** Everything the platform properties decide about how an action runs. */
export interface ActionPlatform {
  /** The userland at `/`; undefined for none (only the inputs, /proc, /dev and /tmp). */
  readonly runtime: Runtime | undefined;
  /** `mutates_inputs=1`: a private copy-on-write view of the inputs instead of read-only ones. */
  readonly mutatesInputs: boolean;
  readonly network: NetworkMode;
  readonly limits: ResourceLimits;
}

/**
 * A server's bound on one resource. An action gets `default` unless it asks
 * otherwise with its property; it may ask for less, or for more up to `max`
 * (which is `default` when not given, so a default alone is also the cap).
 * Asking above `max` fails the action, rather than silently running it with
 * less than it said it needs. Neither set: unlimited, and any request is
 * granted.
 */
export interface LimitPolicy {
  readonly default?: number;
  readonly max?: number;
}

/** The server's side of platform properties; `cmd/*` builds it from flags. */
export interface PlatformPolicy {
  /** The host's CPU architecture in our spelling, `x86_64` or `aarch64`; see {@link hostArchitecture}. */
  readonly architecture: string;
  readonly runtimes: RuntimeProvider;
  /** The runtime for actions that send no `libc` property; undefined: no runtime. */
  readonly defaultRuntime?: string;
  /** Whether `network=host` is allowed (the server's `--allow-network`). */
  readonly allowNetwork: boolean;
  readonly memory: LimitPolicy;
  readonly cpus: LimitPolicy;
  readonly pids: LimitPolicy;
}

/** Property names this server understands, in the order error messages list them. */
export const PLATFORM_PROPERTY_NAMES: readonly string[] = [
  'OSFamily',
  'ISA',
  'Arch',
  'libc',
  'requires-bash',
  'mutates_inputs',
  'network',
  'memory',
  'cpus',
  'pids',
];

const ARCHITECTURE_ALIASES: Readonly<Record<string, string>> = {
  'x86_64': 'x86_64',
  'x86-64': 'x86_64',
  'amd64': 'x86_64',
  'x64': 'x86_64',
  'aarch64': 'aarch64',
  'arm64': 'aarch64',
};

/** The host's architecture as {@link PlatformPolicy.architecture} spells it, from Node's `process.arch`. */
export function hostArchitecture(nodeArch: string = process.arch): string {
  const name = ARCHITECTURE_ALIASES[nodeArch];
  if (name === undefined) throw new Error(`unsupported host architecture ${JSON.stringify(nodeArch)}`);
  return name;
}

/**
 * Reads an action's platform properties: `Action.platform` (REAPI v2.2+)
 * when the action has one, else `Command.platform` (Bazel 4 sends only that).
 *
 * Accepted (names are case-sensitive, as REAPI says):
 * - `OSFamily`: `linux`, in any case.
 * - `ISA`, `Arch`: the host's architecture (`x86_64`, `x86-64`, `amd64`;
 *   `aarch64`, `arm64`), in any case.
 * - `libc`: a runtime name, or `none` for no runtime; absent means the
 *   server's default runtime.
 * - `requires-bash`: `""`, `1` or `true` (or `0`/`false`): the runtime must have /bin/bash.
 * - `mutates_inputs`: `0` or `1`.
 * - `network`: `none` or `loopback` (both: a private loopback only, the
 *   default), or `host` (only with network access allowed by the server).
 * - `memory`: bytes, with K/M/G/T (1000) or Ki/Mi/Gi/Ti (1024) suffixes.
 * - `cpus`: cores, decimal (`0.5`, `2`).
 * - `pids`: processes, a positive integer.
 *
 * Throws INVALID_ARGUMENT naming the property for an unknown name (listing
 * the accepted ones), a repeated name, or a value this server cannot satisfy
 * (listing what it accepts).
 */
export function parsePlatformProperties(action: Action, command: Command, policy: PlatformPolicy): ActionPlatform {
  const properties = (action.platform ?? command.platform)?.properties ?? [];
  const values = new Map<string, string>();
  for (const { name, value } of properties) {
    if (!PLATFORM_PROPERTY_NAMES.includes(name)) {
      throw invalidArgument(
        `unknown platform property ${JSON.stringify(name)} (value ${JSON.stringify(value)}); this server accepts: ${PLATFORM_PROPERTY_NAMES.join(', ')}`,
      );
    }
    if (values.has(name)) throw invalidArgument(`platform property ${name} is given more than once`);
    values.set(name, value);
  }
  const get = (name: string): string | undefined => values.get(name);

  const os = get('OSFamily');
  if (os !== undefined && os.toLowerCase() !== 'linux') reject('OSFamily', os, 'linux');
  for (const name of ['ISA', 'Arch']) {
    const arch = get(name);
    if (arch !== undefined && ARCHITECTURE_ALIASES[arch.toLowerCase()] !== policy.architecture) {
      const spellings = Object.keys(ARCHITECTURE_ALIASES).filter((key) => ARCHITECTURE_ALIASES[key] === policy.architecture);
      reject(name, arch, spellings.join(', '), 'this host');
    }
  }

  const runtime = resolveRuntime(get('libc'), policy);
  const bash = get('requires-bash');
  if (bash !== undefined) {
    const required = parseFlag('requires-bash', bash, ['', '1', 'true'], ['0', 'false']);
    if (required && runtime?.hasBash !== true) {
      const which = runtime === undefined ? 'no runtime (libc=none)' : `runtime ${runtime.name}`;
      throw invalidArgument(`platform property requires-bash: ${which} has no /bin/bash; runtimes with bash: ${
        policy.runtimes.names().filter((name) => policy.runtimes.resolve(name)?.hasBash).join(', ') || 'none'}`);
    }
  }
  const mutates = get('mutates_inputs');
  const mutatesInputs = mutates === undefined ? false : parseFlag('mutates_inputs', mutates, ['1'], ['0']);

  return {
    runtime,
    mutatesInputs,
    network: parseNetwork(get('network'), policy.allowNetwork),
    limits: {
      memoryBytes: limit('memory', get('memory'), policy.memory, parseMemory, (n) => `${n} bytes`),
      cpus: limit('cpus', get('cpus'), policy.cpus, parseCpus, (n) => `${n} cpus`),
      pids: limit('pids', get('pids'), policy.pids, parsePids, (n) => `${n} processes`),
    },
  };
}

function reject(name: string, value: string, accepted: string, where = 'this server'): never {
  throw invalidArgument(`platform property ${name}: ${JSON.stringify(value)} is not supported by ${where}; accepted: ${accepted}`);
}

function resolveRuntime(libc: string | undefined, policy: PlatformPolicy): Runtime | undefined {
  const name = libc ?? policy.defaultRuntime;
  if (name === undefined || name === 'none') return undefined;
  const runtime = policy.runtimes.resolve(name);
  if (runtime !== undefined) return runtime;
  if (libc === undefined) throw new Error(`the default runtime ${JSON.stringify(name)} is not one of ${policy.runtimes.names().join(', ')}`);
  return reject('libc', libc, [...policy.runtimes.names(), 'none'].join(', '));
}

function parseFlag(name: string, value: string, yes: readonly string[], no: readonly string[]): boolean {
  if (yes.includes(value)) return true;
  if (no.includes(value)) return false;
  return reject(name, value, [...yes, ...no].map((v) => JSON.stringify(v)).join(', '));
}

function parseNetwork(value: string | undefined, allowNetwork: boolean): NetworkMode {
  if (value === undefined || value === 'none' || value === 'loopback') return 'private';
  if (value === 'host') {
    if (allowNetwork) return 'host';
    throw invalidArgument(
      'platform property network: "host" needs a server started with --allow-network; accepted here: none, loopback',
    );
  }
  return reject('network', value, allowNetwork ? 'none, loopback, host' : 'none, loopback (host with --allow-network)');
}

function limit(
  name: string,
  value: string | undefined,
  policy: LimitPolicy,
  parse: (name: string, value: string) => number,
  describe: (n: number) => string,
): number | undefined {
  const max = policy.max ?? policy.default;
  if (value === undefined) return policy.default;
  const requested = parse(name, value);
  if (max !== undefined && requested > max) {
    throw invalidArgument(`platform property ${name}: ${JSON.stringify(value)} (${describe(requested)}) is above this server's maximum of ${describe(max)}`);
  }
  return requested;
}

const MEMORY = byteSizeSchema();

function parseMemory(name: string, value: string): number {
  const parsed = MEMORY.safeParse(value);
  if (!parsed.success || parsed.data < 1024 * 1024) {
    return reject(name, value, 'a byte size of at least 1Mi, such as 512Mi, 2G or 1073741824');
  }
  return parsed.data;
}

function parseCpus(name: string, value: string): number {
  const cpus = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : Number.NaN;
  // cgroups cannot enforce less than 1 ms of CPU per 100 ms period.
  if (!(cpus >= 0.01) || !Number.isFinite(cpus)) return reject(name, value, 'a number of cores of at least 0.01, such as 0.5 or 2');
  return cpus;
}

function parsePids(name: string, value: string): number {
  const pids = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(pids) || pids < 1) return reject(name, value, 'a whole number of processes of at least 1, such as 512');
  return pids;
}
