import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundDirectoryRemover, REMOVAL_NICE } from './background-directory-remover.ts';

async function withBase(fn: (base: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'background-remover-'));
  try {
    await fn(base);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

test('remove returns at once and drain resolves once every queued directory and its contents are gone', () =>
  withBase(async (base) => {
    const remover = new BackgroundDirectoryRemover();
    const dirs = ['a', 'b', 'c'].map((name) => join(base, name));
    for (const dir of dirs) {
      await mkdir(join(dir, 'deep/er'), { recursive: true });
      await writeFile(join(dir, 'deep/er/file'), 'x');
      remover.remove(dir);
    }
    assert.equal(existsSync(dirs[2]!), true, 'nothing is removed before the caller yields');
    await remover.drain();
    for (const dir of dirs) assert.equal(existsSync(dir), false, dir);
    // Queued after a drain: the worker starts again.
    await mkdir(join(base, 'd'));
    remover.remove(join(base, 'd'));
    await remover.drain();
    assert.equal(existsSync(join(base, 'd')), false);
  }));

test('a directory that cannot be removed is reported with its path, and the ones after it are still removed', { skip: process.getuid?.() !== 0 ? 'mounting a tmpfs needs root' : false }, () =>
  withBase(async (base) => {
    const errors: string[] = [];
    const remover = new BackgroundDirectoryRemover((error, path) => errors.push(`${path}: ${(error as NodeJS.ErrnoException).code}`));
    // A mount point cannot be removed, even by root.
    const busy = join(base, 'busy');
    await mkdir(join(busy, 'mnt'), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'none', join(busy, 'mnt')]);
    try {
      await mkdir(join(base, 'free'));
      remover.remove(busy);
      remover.remove(join(base, 'free'));
      await remover.drain();
    } finally {
      execFileSync('umount', [join(busy, 'mnt')]);
    }
    assert.deepEqual(errors, [`${busy}: EBUSY`]);
    assert.equal(existsSync(join(base, 'free')), false);
  }));

test('a path that does not exist is no error', () =>
  withBase(async (base) => {
    const errors: unknown[] = [];
    const remover = new BackgroundDirectoryRemover((error) => errors.push(error));
    remover.remove(join(base, 'never-made'));
    await remover.drain();
    assert.deepEqual(errors, []);
  }));

test('removals run on a thread of their own at a lower priority than the rest of the process', { skip: process.platform !== 'linux' ? 'thread priorities are read from /proc' : false }, () =>
  withBase(async (base) => {
    // The fields after the command name (which may hold spaces); nice is the 19th field.
    const niceOf = (tid: string): number => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const nices = (): number[] => readdirSync('/proc/self/task').map(niceOf);
    // Earlier tests' removers may still have theirs.
    const before = nices().filter((n) => n === REMOVAL_NICE).length;
    const remover = new BackgroundDirectoryRemover();
    await mkdir(join(base, 'a'));
    remover.remove(join(base, 'a'));
    await remover.drain();
    assert.equal(existsSync(join(base, 'a')), false);
    assert.equal(nices().filter((n) => n === REMOVAL_NICE).length, before + 1);
    assert.notEqual(niceOf(String(process.pid)), REMOVAL_NICE, 'the main thread keeps its priority');
  }));
