import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcessMemory, readProcessMemory } from './process-memory.ts';

const STATUS = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t   95000 kB\nVmRSS:\t   81234 kB\nThreads:\t11\n';

describe('parseProcessMemory', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    assert.deepEqual(parseProcessMemory(STATUS), { rssBytes: 81234 * 1024, peakRssBytes: 95000 * 1024 });
  });

  it('names the field a status without memory lines lacks', () => {
    assert.throws(() => parseProcessMemory('Name:\tkthreadd\nState:\tS (sleeping)\n'), /no "VmRSS: <n> kB" line/);
  });

  it('reads this very process', () => {
    const memory = readProcessMemory(process.pid);
    assert.ok(memory.rssBytes > 0 && memory.peakRssBytes >= memory.rssBytes);
  });
});
