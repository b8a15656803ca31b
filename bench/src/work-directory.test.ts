import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readMounts } from './mount-table.ts';
import { removeWorkDirectory } from './work-directory.ts';

describe('removeWorkDirectory', () => {
  it('unmounts what a killed server left mounted inside, then removes the directory', { skip: process.getuid?.() !== 0 ? 'mounting needs root' : false }, () => {
    const work = mkdtempSync(join(tmpdir(), 'work-directory-test-'));
    const mountPoint = join(work, 'root/runtimes/image');
    mkdirSync(mountPoint, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'none', mountPoint]);
    writeFileSync(join(mountPoint, 'inside-the-mount'), 'x');
    removeWorkDirectory(work, 'test');
    assert.equal(existsSync(work), false);
    assert.ok(!readMounts().some((m) => m.mountPoint.startsWith(work)));
  });

  it('is no error for a directory that is already gone', () => {
    removeWorkDirectory(join(tmpdir(), 'work-directory-test-never-made'), 'test');
  });
});
