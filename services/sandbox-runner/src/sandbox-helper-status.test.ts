import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidSandboxStatusError, parseSandboxHelperStatus } from './sandbox-helper-status.ts';

const usage = 'wall_us=1500 user_us=300 sys_us=700 maxrss_kib=2048';
const parsedUsage = { wallMicros: 1500, userMicros: 300, systemMicros: 700, maxRssKib: 2048 };

test('exit, signal and timeout lines carry the resource usage', () => {
  assert.deepEqual(parseSandboxHelperStatus(`exit 3 ${usage}\n`), { kind: 'exit', code: 3, usage: parsedUsage });
  assert.deepEqual(parseSandboxHelperStatus(`exit 0 ${usage}\n`), { kind: 'exit', code: 0, usage: parsedUsage });
  assert.deepEqual(parseSandboxHelperStatus(`signal 9 ${usage}\n`), { kind: 'signal', signal: 9, usage: parsedUsage });
  assert.deepEqual(parseSandboxHelperStatus(`timeout ${usage}\n`), { kind: 'timeout', usage: parsedUsage });
});

test('a setup error keeps its whole message, spaces and colons included', () => {
  const message = 'mounts.c:150: --ro-bind: stat(/no such): No such file or directory';
  assert.deepEqual(parseSandboxHelperStatus(`setup-error ${message}\n`), { kind: 'setup-error', message });
});

test('nothing, a partial line, or two lines are not a status', () => {
  for (const written of ['', `exit 3 ${usage}`, `exit 3 ${usage}\nexit 4 ${usage}\n`]) {
    assert.throws(() => parseSandboxHelperStatus(written), InvalidSandboxStatusError);
  }
  assert.throws(() => parseSandboxHelperStatus(''), /nothing was written/);
});

test('unknown outcomes, missing usage and impossible numbers are refused', () => {
  for (const written of [
    `crashed ${usage}\n`,
    'exit 3\n',
    `exit -1 ${usage}\n`,
    `exit 256 ${usage}\n`,
    `signal 0 ${usage}\n`,
    `signal 65 ${usage}\n`,
    `timeout 3 ${usage}\n`,
  ]) {
    assert.throws(() => parseSandboxHelperStatus(written), InvalidSandboxStatusError, written);
  }
});
