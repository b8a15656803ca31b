import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCommandLine } from '@actiond/cli';
import { linuxActiondCli } from '@actiond/linux_actiond';
import { guestServeArguments } from './guest-worker.ts';

describe('guestServeArguments', () => {
  test('serves on the forwarded address with the CAS disk as root and the mounted runtimes, and parses as serve', () => {
    const argv = guestServeArguments({ address: '10.0.2.15', port: 8980, root: '/cas', runtimesDir: '/runtimes', instanceNames: ['main', ''] });
    const parsed = parseCommandLine(linuxActiondCli, argv);
    assert.equal(parsed.kind, 'run', JSON.stringify(parsed));
    if (parsed.kind !== 'run') return;
    assert.deepEqual(parsed.flags.listen, { host: '10.0.2.15', port: 8980 });
    assert.equal(parsed.flags.root, '/cas');
    assert.equal(parsed.flags.runtimeRoot, '/runtimes');
    assert.deepEqual(parsed.flags.instanceName, ['main', '']);
    // Actions in the guest get the same sandbox as on a host: no network but loopback.
    assert.equal(parsed.flags.allowNetwork, false);
  });

  test('without a runtimes disk no runtime root is passed', () => {
    const argv = guestServeArguments({ address: '10.0.2.15', port: 8980, root: '/cas', runtimesDir: undefined, instanceNames: [] });
    assert.ok(!argv.some((a) => a.startsWith('--runtime-root')));
  });
});
