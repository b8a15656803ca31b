import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { standaloneArch } from './standalone-arch.ts';
import { buildStandalone } from './standalone-build.ts';

// The complete build is exercised by the gated standalone-binary.test.ts.

test('a build with runtimes fails first, naming pnpm runtimes:build, when the image is not built', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-standalone-build-'));
  try {
    await assert.rejects(
      buildStandalone({
        arch: standaloneArch('aarch64'),
        repoRoot: join(dir, 'repo'),
        outDir: join(dir, 'out'),
        runtimes: true,
        nodeCacheDir: join(dir, 'cache'),
        log: () => assert.fail('nothing may start'),
      }),
      new RegExp(`^Error: ${dir}/repo/build/runtimes/runtimes-aarch64\\.squashfs is missing: run \`pnpm runtimes:build --arch aarch64\` first \\(or pass --no-runtimes`),
    );
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true });
  }
});
