import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpareDirectoryPool } from './spare-directory-pool.ts';

const MODE = 0o1777;
/** chown needs root. */
const skip = process.getuid?.() !== 0 ? 'needs root' : false;

async function withPool(fn: (pool: SpareDirectoryPool, base: string) => void, maxSpares?: number): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'spare-directory-pool-'));
  try {
    const pool = new SpareDirectoryPool(join(base, 'spares'), MODE, maxSpares);
    pool.prepare();
    fn(pool, base);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

test('without spares, make creates an empty directory with exactly the pool\'s mode', () =>
  withPool((pool, base) => {
    pool.make(join(base, 'a'));
    const info = lstatSync(join(base, 'a'));
    assert.ok(info.isDirectory());
    assert.equal(info.mode & 0o7777, MODE);
    assert.deepEqual(readdirSync(join(base, 'a')), []);
  }));

test('a reclaimed chain is reused by the next make: the same inodes renamed into place, not new ones', () =>
  withPool((pool, base) => {
    const chain = ['out', 'out/cfg', 'out/cfg/bin'].map((p) => join(base, 'first', p));
    mkdirSync(join(base, 'first'));
    for (const path of chain) pool.make(path);
    const inodes = chain.map((path) => lstatSync(path).ino);
    pool.reclaim(chain.toReversed());
    assert.equal(pool.size, 3);
    for (const path of chain) assert.equal(existsSync(path), false, path);

    const next = ['out', 'out/cfg', 'out/cfg/bin'].map((p) => join(base, 'second', p));
    mkdirSync(join(base, 'second'));
    for (const path of next) pool.make(path);
    assert.equal(pool.size, 0);
    assert.deepEqual(next.map((path) => lstatSync(path).ino).sort(), inodes.sort());
    for (const path of next) assert.equal(lstatSync(path).mode & 0o7777, MODE, path);
    assert.deepEqual(readdirSync(join(base, 'second/out/cfg/bin')), []);
  }));

test('a directory holding anything is not taken back, nor are its parents; an empty sibling is', () =>
  withPool((pool, base) => {
    const made = ['out', 'out/bin', 'out/bin/sub', 'out/gen'].map((p) => join(base, p));
    for (const path of made) pool.make(path);
    writeFileSync(join(base, 'out/bin/sub/left-over'), 'an action\'s file');
    pool.reclaim(made.toReversed());
    assert.equal(pool.size, 1);
    assert.equal(existsSync(join(base, 'out/gen')), false);
    assert.equal(existsSync(join(base, 'out/bin/sub/left-over')), true);
  }));

test('a directory whose mode or owner changed, or that is no longer a directory, is not taken back', { skip }, () =>
  withPool((pool, base) => {
    const chmodded = join(base, 'chmodded');
    const chowned = join(base, 'chowned');
    const replaced = join(base, 'replaced');
    for (const path of [chmodded, chowned, replaced]) pool.make(path);
    chmodSync(chmodded, 0o777);
    chownSync(chowned, 65534, 65534);
    rmdirSync(replaced);
    writeFileSync(replaced, 'a file where the directory was');
    pool.reclaim([chmodded, chowned, replaced]);
    assert.equal(pool.size, 0);
    assert.equal(lstatSync(chmodded).isDirectory(), true);
    assert.equal(lstatSync(chowned).isDirectory(), true);
    assert.equal(lstatSync(replaced).isFile(), true);
  }));

test('reclaim keeps at most the pool\'s limit and leaves the rest where they are', () =>
  withPool((pool, base) => {
    const made = ['a', 'b', 'c'].map((p) => join(base, p));
    for (const path of made) pool.make(path);
    pool.reclaim(made);
    assert.equal(pool.size, 2);
    assert.equal(existsSync(join(base, 'c')), true);
  }, 2));

test('make into a missing parent throws mkdir\'s ENOENT and keeps the spare for the next make', () =>
  withPool((pool, base) => {
    pool.make(join(base, 'a'));
    pool.reclaim([join(base, 'a')]);
    assert.throws(() => pool.make(join(base, 'missing/a')), { code: 'ENOENT' });
    assert.equal(pool.size, 1);
  }));

test('prepare removes what an earlier pool left and forgets its spares', () =>
  withPool((pool, base) => {
    pool.make(join(base, 'a'));
    pool.reclaim([join(base, 'a')]);
    pool.prepare();
    assert.equal(pool.size, 0);
    assert.deepEqual(readdirSync(join(base, 'spares')), []);
  }));

test('a limit that is not a non-negative integer is a RangeError naming it', () => {
  assert.throws(() => new SpareDirectoryPool('/nonexistent', MODE, -1), /maxSpares must be a non-negative integer, not -1/);
});
