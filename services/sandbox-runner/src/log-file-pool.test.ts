import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFilePool } from './log-file-pool.ts';

async function withPool(fn: (pool: LogFilePool, directory: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'log-file-pool-'));
  try {
    const directory = join(base, 'logs');
    const pool = new LogFilePool(directory);
    pool.prepare();
    await fn(pool, directory);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

test('pairs held at once are distinct, and a released pair is handed out again', () =>
  withPool(async (pool) => {
    const a = pool.acquire();
    const b = pool.acquire();
    assert.notEqual(a.stdout, b.stdout);
    assert.notEqual(a.stdout, a.stderr);
    a.release();
    assert.equal(pool.acquire().stdout, a.stdout);
  }));

test('an empty file stays for the next action (the same inode, truncated by the helper), one with bytes is removed on release', () =>
  withPool(async (pool) => {
    const logs = pool.acquire();
    writeFileSync(logs.stdout, '');
    writeFileSync(logs.stderr, 'left over: never collected');
    const inode = statSync(logs.stdout).ino;
    logs.release();
    assert.equal(statSync(logs.stdout).ino, inode);
    assert.equal(existsSync(logs.stderr), false);
  }));

test('files already moved away (adopted into the CAS) are no error on release', () =>
  withPool(async (pool) => {
    const logs = pool.acquire();
    logs.release();
    logs.release();
  }));

test('prepare empties what an earlier server left', () =>
  withPool(async (pool, directory) => {
    await writeFile(join(directory, '7.stdout'), 'stale');
    pool.prepare();
    assert.deepEqual(await readdir(directory), []);
  }));
