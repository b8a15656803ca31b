import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_GUEST_PORT, readGuestEnvironment } from './guest-environment.ts';

const init = { ACTIOND_CAS_DIR: '/cas', ACTIOND_SYSTEM_DIR: '/system', ACTIOND_RUNTIMES_DIR: '/runtimes', ACTIOND_PORT: '8980' };

describe('readGuestEnvironment', () => {
  test('reads what /init sets', () => {
    assert.deepEqual(readGuestEnvironment(init), { casDir: '/cas', systemDir: '/system', runtimesDir: '/runtimes', port: 8980 });
  });

  test('an empty runtimes directory means no runtimes disk, an empty port the default', () => {
    const env = readGuestEnvironment({ ...init, ACTIOND_RUNTIMES_DIR: '', ACTIOND_PORT: '' });
    assert.equal(env.runtimesDir, undefined);
    assert.equal(env.port, DEFAULT_GUEST_PORT);
  });

  test('names the variable that is missing or malformed', () => {
    assert.throws(() => readGuestEnvironment({ ...init, ACTIOND_CAS_DIR: undefined }), /ACTIOND_CAS_DIR is not set \(the guest worker runs under the VM's \/init/);
    assert.throws(() => readGuestEnvironment({ ...init, ACTIOND_SYSTEM_DIR: 'system' }), /ACTIOND_SYSTEM_DIR must be an absolute path, got 'system'/);
    assert.throws(() => readGuestEnvironment({ ...init, ACTIOND_RUNTIMES_DIR: 'runtimes' }), /ACTIOND_RUNTIMES_DIR must be an absolute path or empty/);
    assert.throws(() => readGuestEnvironment({ ...init, ACTIOND_PORT: '99999' }), /ACTIOND_PORT must be a port 1\.\.65535, got '99999'/);
    assert.throws(() => readGuestEnvironment({ ...init, ACTIOND_PORT: '80a' }), /ACTIOND_PORT must be a port/);
  });
});
