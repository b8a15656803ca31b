import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { liveChildren, serverTreeCpuSeconds } from './execute-server-cpu.ts';
import { processTreeCpuSeconds } from './process-cpu.ts';

test('the CPU of a live child counts, which the parent\'s own times lack until it is reaped', { timeout: 30_000 }, async () => {
  // A child that burns about 0.3 s of CPU, says so, then waits to be killed.
  const child = spawn(process.execPath, ['-e', 'const end = process.cpuUsage().user + 300000; while (process.cpuUsage().user < end); console.log("spun"); setInterval(() => {}, 1000);'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await once(child.stdout!, 'data');
    assert.ok(liveChildren(process.pid).includes(child.pid!));
    const withChild = serverTreeCpuSeconds(process.pid);
    const alone = processTreeCpuSeconds(process.pid);
    assert.ok(withChild - alone >= 0.25, `the child's 0.3 s are counted: ${withChild} vs ${alone}`);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'close');
  }
});

test('a process that is gone counts nothing and has no children', () => {
  assert.equal(serverTreeCpuSeconds(2 ** 22 + 1), 0);
  assert.deepEqual(liveChildren(2 ** 22 + 1), []);
});
