import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINK_ENTRY_KIND, type LinkJob } from './link-job.ts';
import { WorkerPoolTreeLinker } from './worker-pool-tree-linker.ts';

/** A tree of `fanout`^depth directories below the root, each with `files` links to `blob`. */
function wideJob(target: string, blob: string, fanout: number, depth: number, files: number): LinkJob {
  const paths = [''];
  const parents = [-1];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    if (path.split('/').length > depth || (path === '' && depth === 0)) continue;
    for (let c = 0; c < fanout; c++) {
      paths.push(path === '' ? `d${c}` : `${path}/d${c}`);
      parents.push(i);
    }
  }
  const strings: string[] = [];
  const kinds: number[] = [];
  const firstString = new Int32Array(paths.length);
  const firstEntry = new Int32Array(paths.length + 1);
  paths.forEach((path, i) => {
    firstString[i] = strings.length;
    firstEntry[i] = kinds.length;
    strings.push(path);
    for (let f = 0; f < files; f++) {
      kinds.push(LINK_ENTRY_KIND.link);
      strings.push(`f${f}`, blob);
    }
  });
  firstEntry[paths.length] = kinds.length;
  return { target, directoryMode: 0o1777, strings: strings.join('\0'), parents: Int32Array.from(parents), firstString, firstEntry, kinds: Uint8Array.from(kinds) };
}

async function withDir(fn: (dir: string, blob: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'worker-pool-test-'));
  try {
    const blob = join(dir, 'blob');
    await writeFile(blob, 'x', { mode: 0o444 });
    await fn(dir, blob);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('several threads make every directory of a deep, wide job and every link in it', () =>
  withDir(async (dir, blob) => {
    const pool = new WorkerPoolTreeLinker(3);
    try {
      const job = wideJob(join(dir, 'out'), blob, 3, 4, 5);
      assert.deepEqual(await pool.link(job), { copied: [], failure: undefined });
      const entries = await readdir(join(dir, 'out'), { recursive: true });
      assert.equal(entries.length, (job.parents.length - 1) + job.kinds.length);
      assert.equal((await stat(blob)).nlink, 1 + job.kinds.length);
      // A second job on the same threads.
      assert.deepEqual(await pool.link(wideJob(join(dir, 'again'), blob, 2, 2, 1)), { copied: [], failure: undefined });
    } finally {
      await pool.close();
    }
  }));

test('a failing link stops every thread and is the outcome, settled only once no thread still writes', () =>
  withDir(async (dir, blob) => {
    const pool = new WorkerPoolTreeLinker(2);
    try {
      const job = wideJob(join(dir, 'out'), join(dir, 'no-such-blob'), 4, 2, 20);
      const outcome = await pool.link(job);
      assert.equal(outcome.failure?.code, 'ENOENT');
      assert.ok(outcome.failure.entry >= 0);
      const before = await readdir(join(dir, 'out'), { recursive: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await readdir(join(dir, 'out'), { recursive: true }), before);
      void blob;
    } finally {
      await pool.close();
    }
  }));

test('threads stopped during a job fail it, and the next job starts new ones', () =>
  withDir(async (dir, blob) => {
    const pool = new WorkerPoolTreeLinker(2);
    try {
      pool.warmUp();
      const running = pool.link(wideJob(join(dir, 'out'), blob, 10, 2, 30));
      const closing = pool.close();
      await assert.rejects(running, /a materialization thread died/);
      await closing;
      assert.deepEqual(await pool.link(wideJob(join(dir, 'next'), blob, 2, 1, 2)), { copied: [], failure: undefined });
    } finally {
      await pool.close();
    }
  }));

test('a pool of fewer than one thread is refused', () => {
  assert.throws(() => new WorkerPoolTreeLinker(0), /at least one thread, not 0/);
});
