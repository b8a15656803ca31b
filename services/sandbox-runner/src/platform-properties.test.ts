import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { Action, Command } from '@actiond/proto';
import { ActiondError } from '@actiond/status';
import { hostArchitecture, parsePlatformProperties, PLATFORM_PROPERTY_NAMES } from './platform-properties.ts';
import type { PlatformPolicy } from './platform-properties.ts';
import type { Runtime, RuntimeProvider } from './runtime-provider.ts';

const runtimes: Record<string, Runtime> = {
  'glibc2.36': { name: 'glibc2.36', rootDirectory: '/images/glibc2.36', entries: [], hasBash: true },
  'busybox': { name: 'busybox', rootDirectory: '/images/busybox', entries: [], hasBash: false },
};
const provider: RuntimeProvider = {
  resolve: (name) => runtimes[name],
  names: () => Object.keys(runtimes).sort(),
};
const policy: PlatformPolicy = {
  architecture: 'x86_64',
  runtimes: provider,
  defaultRuntime: 'glibc2.36',
  allowNetwork: false,
  memory: { default: 1 << 30, max: 4 * 2 ** 30 },
  cpus: { default: 1 },
  pids: {},
};

type Props = Record<string, string>;
const platform = (props: Props) => ({ properties: Object.entries(props).map(([name, value]) => ({ name, value })) });
const parse = (props: Props, overrides: Partial<PlatformPolicy> = {}) =>
  parsePlatformProperties(Action.fromPartial({ platform: platform(props) }), Command.fromPartial({}), { ...policy, ...overrides });

function invalid(pattern: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ActiondError);
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(err.message, pattern);
    return true;
  };
}

test('without properties an action gets the default runtime, a private network and the default limits', () => {
  assert.deepEqual(parse({}), {
    runtime: runtimes['glibc2.36'],
    mutatesInputs: false,
    network: 'private',
    limits: { memoryBytes: 1 << 30, cpus: 1, pids: undefined },
  });
});

test('Action.platform is used when present, else Command.platform (what Bazel 4 sends)', () => {
  const both = parsePlatformProperties(
    Action.fromPartial({ platform: platform({ libc: 'busybox' }) }),
    Command.fromPartial({ platform: platform({ libc: 'none' }) }),
    policy,
  );
  assert.equal(both.runtime?.name, 'busybox');
  const commandOnly = parsePlatformProperties(Action.fromPartial({}), Command.fromPartial({ platform: platform({ libc: 'busybox' }) }), policy);
  assert.equal(commandOnly.runtime?.name, 'busybox');
});

test('an unknown property is INVALID_ARGUMENT naming it and listing every accepted name', () => {
  assert.throws(() => parse({ 'container-image': 'docker://x' }), invalid(new RegExp(`unknown platform property "container-image".*accepts: ${PLATFORM_PROPERTY_NAMES.join(', ')}$`)));
});

test('a property given twice is INVALID_ARGUMENT', () => {
  const action = Action.fromPartial({ platform: { properties: [{ name: 'pids', value: '1' }, { name: 'pids', value: '2' }] } });
  assert.throws(() => parsePlatformProperties(action, Command.fromPartial({}), policy), invalid(/pids is given more than once/));
});

test('OSFamily is linux in any case; ISA and Arch accept the host architecture under its usual names', () => {
  for (const props of [{ OSFamily: 'Linux' }, { OSFamily: 'linux' }, { ISA: 'x86-64' }, { Arch: 'amd64' }, { ISA: 'X86_64' }] as Props[]) {
    assert.doesNotThrow(() => parse(props), JSON.stringify(props));
  }
  assert.throws(() => parse({ OSFamily: 'Windows' }), invalid(/OSFamily: "Windows" is not supported.*accepted: linux/));
  assert.throws(() => parse({ Arch: 'arm64' }), invalid(/Arch: "arm64" is not supported by this host; accepted: x86_64, x86-64, amd64, x64/));
});

test('libc selects a runtime or none; an unknown runtime lists the ones there are', () => {
  assert.equal(parse({ libc: 'busybox' }).runtime?.name, 'busybox');
  assert.equal(parse({ libc: 'none' }).runtime, undefined);
  assert.equal(parse({}, { defaultRuntime: undefined }).runtime, undefined);
  assert.throws(() => parse({ libc: 'glibc2.99' }), invalid(/libc: "glibc2.99" is not supported.*accepted: busybox, glibc2.36, none/));
});

test('requires-bash is satisfied only by a runtime with /bin/bash', () => {
  assert.doesNotThrow(() => parse({ 'requires-bash': '' }));
  assert.doesNotThrow(() => parse({ 'requires-bash': '0', libc: 'busybox' }));
  assert.throws(() => parse({ 'requires-bash': 'true', libc: 'busybox' }), invalid(/requires-bash: runtime busybox has no \/bin\/bash; runtimes with bash: glibc2.36/));
  assert.throws(() => parse({ 'requires-bash': '1', libc: 'none' }), invalid(/no runtime \(libc=none\) has no \/bin\/bash/));
  assert.throws(() => parse({ 'requires-bash': 'yes' }), invalid(/requires-bash: "yes"/));
});

test('mutates_inputs is 0 or 1', () => {
  assert.equal(parse({ mutates_inputs: '1' }).mutatesInputs, true);
  assert.equal(parse({ mutates_inputs: '0' }).mutatesInputs, false);
  assert.throws(() => parse({ mutates_inputs: 'yes' }), invalid(/mutates_inputs: "yes" is not supported.*accepted: "1", "0"/));
});

test('network=host needs a server that allows it, and the error names the flag', () => {
  assert.equal(parse({ network: 'none' }).network, 'private');
  assert.equal(parse({ network: 'loopback' }).network, 'private');
  assert.throws(() => parse({ network: 'host' }), invalid(/network: "host" needs a server started with --allow-network/));
  assert.equal(parse({ network: 'host' }, { allowNetwork: true }).network, 'host');
  assert.throws(() => parse({ network: 'bridge' }), invalid(/network: "bridge" is not supported/));
});

test('memory takes byte sizes with suffixes, up to the server maximum', () => {
  assert.equal(parse({ memory: '512Mi' }).limits.memoryBytes, 512 * 1024 * 1024);
  assert.equal(parse({ memory: '2G' }).limits.memoryBytes, 2e9);
  assert.equal(parse({ memory: '4294967296' }).limits.memoryBytes, 4 * 2 ** 30);
  assert.throws(() => parse({ memory: '5Gi' }), invalid(/memory: "5Gi" \(5368709120 bytes\) is above this server's maximum of 4294967296 bytes/));
  assert.throws(() => parse({ memory: 'lots' }), invalid(/memory: "lots" is not supported.*byte size/));
  assert.throws(() => parse({ memory: '100' }), invalid(/at least 1Mi/));
});

test('cpus takes decimal cores; a server default without a maximum is also the cap', () => {
  assert.equal(parse({ cpus: '0.5' }).limits.cpus, 0.5);
  assert.throws(() => parse({ cpus: '2' }), invalid(/cpus: "2" \(2 cpus\) is above this server's maximum of 1 cpus/));
  assert.throws(() => parse({ cpus: '-1' }), invalid(/cpus: "-1" is not supported/));
  assert.throws(() => parse({ cpus: '0' }), invalid(/at least 0.01/));
});

test('pids takes a positive integer and is unlimited by default when the server sets nothing', () => {
  assert.equal(parse({ pids: '64' }).limits.pids, 64);
  assert.equal(parse({}).limits.pids, undefined);
  assert.throws(() => parse({ pids: '0' }), invalid(/pids: "0" is not supported/));
  assert.throws(() => parse({ pids: '1.5' }), invalid(/pids: "1.5"/));
});

test('hostArchitecture names Node architectures the way properties do', () => {
  assert.equal(hostArchitecture('x64'), 'x86_64');
  assert.equal(hostArchitecture('arm64'), 'aarch64');
  assert.throws(() => hostArchitecture('mips'), /unsupported host architecture "mips"/);
});
