import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BackgroundDirectoryRemover, REMOVAL_NICE } from './background-directory-remover.ts';
import type { LinkJob } from './link-job.ts';
import { type MadeTree, SpareExecrootPool } from './spare-execroot-pool.ts';

/** The job that makes `target` as an empty input root. */
function emptyRootJob(target: string): LinkJob {
  return { target, directoryMode: 0o1777, strings: '', parents: Int32Array.of(-1), firstString: Int32Array.of(0), firstEntry: Int32Array.of(0, 0), kinds: new Uint8Array(0) };
}

/** A pool that records, in order, every claimed tree the remover settles. */
class RecordingPool extends SpareExecrootPool {
  readonly settled: string[];
  constructor(settled: string[] = []) {
    super();
    this.settled = settled;
  }
  override offer(path: string, tree: MadeTree): string[] {
    this.settled.push(`kept ${path}`);
    return super.offer(path, tree);
  }
  override release(path: string): void {
    this.settled.push(`released ${path}`);
    super.release(path);
  }
}

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

test('checks of claimed trees run before removals queued earlier, in the order they were queued', () =>
  withBase(async (base) => {
    const order: string[] = [];
    const pool = new RecordingPool(order);
    // Removals that fail (a name too long: ENAMETOOLONG) tell when they ran.
    const remover = new BackgroundDirectoryRemover((_error, path) => order.push(`removal ${path}`), pool);
    const failing = (name: string): string => join(base, name.repeat(300));
    const checked = ['one', 'two'].map((name) => join(base, name));
    for (const dir of checked) {
      await mkdir(dir);
      await chmod(dir, 0o1777);
      pool.made(dir, { key: 'r', job: emptyRootJob(dir) });
    }
    remover.remove(failing('a'));
    remover.remove(failing('b'));
    remover.remove(checked[0]!);
    remover.remove(failing('c'));
    remover.remove(checked[1]!);
    await remover.drain();
    // Kept or not (as root the empty roots are kept) does not matter here.
    assert.deepEqual(order.map((event) => event.replace(/^(kept|released) /, 'check ')), [
      `check ${checked[0]}`,
      `check ${checked[1]}`,
      `removal ${failing('a')}`,
      `removal ${failing('b')}`,
      `removal ${failing('c')}`,
    ]);
  }));

test('a tree whose check fails is released before it is removed, and a dead thread releases the tree it held: no wait is left hanging', () =>
  withBase(async (base) => {
    const pool = new RecordingPool();
    const errors: string[] = [];
    const remover = new BackgroundDirectoryRemover((error, path) => errors.push(`${path}: ${(error as Error).message}`), pool);
    // Not its job's mode: the check fails.
    const changed = join(base, 'changed');
    await mkdir(join(changed, 'added'), { recursive: true });
    pool.made(changed, { key: 'r', job: emptyRootJob(changed) });
    remover.remove(changed);
    const rejected = pool.waitForCheck('r', 10_000);
    assert.ok(rejected !== undefined);
    assert.equal(await rejected, undefined);
    await remover.drain();
    assert.equal(existsSync(changed), false, 'removed after the verdict');
    assert.deepEqual(pool.settled, [`released ${changed}`], 'released once: the verdict, not the removal, settles it');

    // The thread dies while it holds the check (terminated instead of given it).
    const held = join(base, 'held');
    await mkdir(held);
    await chmod(held, 0o1777);
    pool.made(held, { key: 'r', job: emptyRootJob(held) });
    const post = Object.getOwnPropertyDescriptor(Worker.prototype, 'postMessage')!;
    Worker.prototype.postMessage = function (this: Worker, message: unknown) {
      if ((message as { job?: unknown }).job !== undefined) void this.terminate();
      else post.value.call(this, message);
    };
    let waited;
    try {
      remover.remove(held);
      waited = pool.waitForCheck('r', 10_000);
      assert.ok(waited !== undefined);
      assert.equal(await waited, undefined);
    } finally {
      Object.defineProperty(Worker.prototype, 'postMessage', post);
    }
    assert.deepEqual(pool.settled.slice(1), [`released ${held}`], 'released, not given up on after the wait\'s limit');
    assert.deepEqual(errors.map((e) => e.replace(/:.*/s, '')), [held]);
    assert.match(errors[0]!, /the removal thread died/);
    assert.equal(pool.waitForCheck('r'), undefined, 'settled');
    // The next removal starts a new thread.
    remover.remove(held);
    await remover.drain();
    assert.equal(existsSync(held), false);
  }));
