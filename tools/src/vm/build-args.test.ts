import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBuildArgs } from './build-args.ts';

describe('parseBuildArgs', () => {
  it('reads --arch and --out in both spellings', () => {
    assert.deepEqual(parseBuildArgs(['--arch', 'x86_64', '--out=dist']), { arch: 'x86_64', outDir: 'dist' });
  });

  it('reads --jobs and --cache only where the command allows them', () => {
    assert.deepEqual(parseBuildArgs(['--arch=aarch64', '--out', 'o', '--jobs', '4', '--cache', 'c'], ['jobs', 'cache']), {
      arch: 'aarch64',
      outDir: 'o',
      jobs: 4,
      cacheDir: 'c',
    });
    assert.throws(() => parseBuildArgs(['--arch', 'x86_64', '--out', 'o', '--jobs', '4']), /unknown flag --jobs/);
  });

  it('names a missing required flag, a missing value, a repeated flag and a stray argument', () => {
    assert.throws(() => parseBuildArgs(['--out', 'o']), /missing --arch/);
    assert.throws(() => parseBuildArgs(['--arch', 'x86_64']), /missing --out DIR/);
    assert.throws(() => parseBuildArgs(['--arch', '--out', 'o']), /flag --arch needs a value/);
    assert.throws(() => parseBuildArgs(['--arch=', '--out', 'o']), /flag --arch needs a non-empty value/);
    assert.throws(() => parseBuildArgs(['--arch', 'a', '--arch', 'b', '--out', 'o']), /flag --arch is given twice/);
    assert.throws(() => parseBuildArgs(['x86_64']), /unexpected argument 'x86_64'/);
  });

  it('rejects a --jobs value that is not a positive integer', () => {
    for (const bad of ['0', '-1', '2.5', 'two']) {
      assert.throws(() => parseBuildArgs(['--arch', 'x', '--out', 'o', `--jobs=${bad}`], ['jobs']), new RegExp(`--jobs must be a positive integer, got '${bad}'`));
    }
  });
});
