import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processCpuSeconds, processTreeCpuSeconds } from './process-cpu.ts';

describe('processTreeCpuSeconds', () => {
  it('adds the process\'s own and its reaped children\'s user and system ticks, with a command name holding ") "', () => {
    const stat = '42 (node ) x) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 30 20 20 0 7 0 100 1000 200';
    assert.equal(processTreeCpuSeconds(42, stat), 2.5);
  });

  it('refuses a stat line without the time fields', () => {
    assert.throws(() => processTreeCpuSeconds(1, '1 (init) S 0'), /utime, stime, cutime and cstime/);
  });

  it('reads this very process', () => {
    assert.ok(processTreeCpuSeconds(process.pid) >= 0);
  });
});

describe('processCpuSeconds', () => {
  it('adds only the process\'s own user and system ticks, leaving out its reaped children\'s', () => {
    const stat = '42 (node ) x) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 30 20 20 0 7 0 100 1000 200';
    assert.equal(processCpuSeconds(42, stat), 2);
  });

  it('refuses a stat line without the time fields', () => {
    assert.throws(() => processCpuSeconds(1, '1 (init) S 0'), /utime, stime, cutime and cstime/);
  });
});
