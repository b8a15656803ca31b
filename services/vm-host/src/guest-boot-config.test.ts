import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GUEST_BOOT_CONFIG_PARAMETER, encodeGuestBootConfig, parseGuestBootConfig, type GuestBootConfig } from './guest-boot-config.ts';

const config: GuestBootConfig = {
  network: { interface: 'eth0', address: '10.0.2.15/24' },
  controlPort: 'actiond.control',
  instanceNames: ['', 'main', 'with space and "quotes" = signs'],
};

describe('guest boot config', () => {
  test('round-trips through a kernel command line as one word the kernel and /init leave alone', () => {
    const word = encodeGuestBootConfig(config);
    assert.match(word, /^actiond-guest\.config=[A-Za-z0-9_-]+$/);
    const cmdline = `console=ttyS0 panic=-1 quiet actiond.cas=serial:actiond-cas ${word} actiond.port=8980\n`;
    assert.deepEqual(parseGuestBootConfig(cmdline), config);
  });

  test('says so when the parameter is missing or given twice', () => {
    assert.throws(() => parseGuestBootConfig('console=ttyS0 quiet'), /has no actiond-guest\.config= parameter/);
    const word = encodeGuestBootConfig(config);
    assert.throws(() => parseGuestBootConfig(`${word} ${word}`), /has 2 actiond-guest\.config= parameters/);
  });

  test('rejects a value that is not base64url JSON', () => {
    assert.throws(() => parseGuestBootConfig(`${GUEST_BOOT_CONFIG_PARAMETER}=a+b/c`), /is not base64url/);
    assert.throws(() => parseGuestBootConfig(`${GUEST_BOOT_CONFIG_PARAMETER}=${Buffer.from('{nope').toString('base64url')}`), /does not decode to JSON/);
  });

  test('names the field that does not match the schema', () => {
    const encode = (value: unknown) => `${GUEST_BOOT_CONFIG_PARAMETER}=${Buffer.from(JSON.stringify(value)).toString('base64url')}`;
    assert.throws(
      () => parseGuestBootConfig(encode({ v: 1, network: { interface: 'eth0', address: '10.0.2.15' }, controlPort: 'c', instanceNames: [] })),
      /invalid at network\.address: an IPv4 address with prefix length/,
    );
    assert.throws(() => parseGuestBootConfig(encode({ v: 2, network: { interface: 'eth0', address: '10.0.2.15/24' }, controlPort: 'c', instanceNames: [] })), /invalid at v/);
    assert.throws(
      () => parseGuestBootConfig(encode({ v: 1, network: { interface: 'eth0', address: '10.0.2.15/24' }, controlPort: 'c', instanceNames: [], extra: 1 })),
      /invalid at \(top level\)/,
    );
  });

  test('refuses to encode a config that would not fit on the kernel command line', () => {
    assert.throws(() => encodeGuestBootConfig({ ...config, instanceNames: ['x'.repeat(2000)] }), /more than 1024 \(too many or too long instance names\?\)/);
  });

  test('refuses to encode an interface name the guest could not use', () => {
    assert.throws(() => encodeGuestBootConfig({ ...config, network: { interface: 'eth0; reboot', address: '10.0.2.15/24' } }));
  });
});
