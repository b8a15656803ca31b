import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBootTimings, phaseOfConsoleLine } from './boot-progress.ts';

describe('boot progress', () => {
  test('reads the phases from /init\'s console lines', () => {
    assert.equal(phaseOfConsoleLine('actiond-init: starting'), 'init');
    assert.equal(phaseOfConsoleLine('actiond-init: mounted CAS disk /dev/vda on /cas (ext4, rw)'), 'disks');
    assert.equal(phaseOfConsoleLine('actiond-init: started guest /system/bin/actiond-guest (pid 37)'), 'worker');
    assert.equal(phaseOfConsoleLine('actiond-init: mounted /proc /sys'), undefined);
  });

  test('formats the total and the time spent in each phase reached', () => {
    assert.equal(
      formatBootTimings({ boot: 1, totalMs: 4200, reachedMs: { hypervisor: 0, kernel: 10, init: 1510, worker: 1700, probe: 3800, ready: 4200 } }),
      '4.2 s (kernel 1.5 s, init 0.2 s, worker 2.1 s, probe 0.4 s)',
    );
    assert.equal(formatBootTimings({ boot: 1, totalMs: 900, reachedMs: {} }), '0.9 s');
  });
});
