import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCpuSeconds, processCpuSeconds } from './cpu-time.ts';

describe('parseCpuSeconds', () => {
  it('adds utime and stime, counting fields after the command name even if it holds spaces and parentheses', () => {
    const stat = '4242 (node (x) y) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 123 456 789';
    assert.equal(parseCpuSeconds(stat, 100), 3);
  });

  it('refuses text that is not a stat line', () => {
    assert.throws(() => parseCpuSeconds('nothing here', 100), /no "\(comm\)" field/);
  });

  it('reads this process', () => {
    assert.ok(processCpuSeconds(process.pid) >= 0);
  });
});
