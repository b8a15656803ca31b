import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withFileLock } from './file-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'file-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('withFileLock', () => {
  it('runs holders one at a time and removes the lock afterwards', async () => {
    const lock = join(dir, 'serial.lock');
    const events: string[] = [];
    const holder = (name: string) => async (): Promise<void> => {
      events.push(`${name} in`);
      await sleep(50);
      events.push(`${name} out`);
    };
    // Our own pid is alive, so the second caller must wait for the first to finish.
    await Promise.all([withFileLock(lock, () => {}, holder('a')), withFileLock(lock, () => events.push('b waits'), holder('b'))]);
    assert.deepEqual(events, ['a in', 'b waits', 'a out', 'b in', 'b out']);
    assert.equal(existsSync(lock), false);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const lock = join(dir, 'stale.lock');
    writeFileSync(lock, '999999999\n');
    let waited = false;
    const result = await withFileLock(lock, () => (waited = true), async () => 'ran');
    assert.equal(result, 'ran');
    assert.equal(waited, false);
  });

  it('releases the lock when the holder throws', async () => {
    const lock = join(dir, 'throws.lock');
    await assert.rejects(withFileLock(lock, () => {}, async () => Promise.reject(new Error('build failed'))), /build failed/);
    assert.equal(existsSync(lock), false);
  });
});
