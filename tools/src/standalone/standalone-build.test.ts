import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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

/** Builds with `overrides` in a scratch directory and expects `message` before anything starts or is written. */
async function rejectsBeforeStarting(overrides: { runtimes: boolean; runtimeImage?: string; sandboxHelper?: string; hostNode?: string }, message: (dir: string) => RegExp): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-standalone-build-'));
  try {
    await assert.rejects(
      buildStandalone({
        arch: standaloneArch('aarch64'),
        repoRoot: join(dir, 'repo'),
        outDir: join(dir, 'out'),
        nodeCacheDir: join(dir, 'cache'),
        log: () => assert.fail('nothing may start'),
        ...overrides,
      }),
      message(dir),
    );
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true });
  }
}

test('a --runtime-image that does not exist fails first, naming the flag and the path', async () => {
  await rejectsBeforeStarting({ runtimes: true, runtimeImage: '/nonexistent/runtimes-aarch64.squashfs' }, () => /^Error: --runtime-image \/nonexistent\/runtimes-aarch64\.squashfs: no such file$/);
});

test('a --sandbox-helper that does not exist fails first, naming the flag and the path', async () => {
  await rejectsBeforeStarting({ runtimes: false, sandboxHelper: '/nonexistent/actiond-sandbox' }, () => /^Error: --sandbox-helper \/nonexistent\/actiond-sandbox: no such file$/);
});

test('--runtime-image together with --no-runtimes is refused as a contradiction', async () => {
  await rejectsBeforeStarting({ runtimes: false, runtimeImage: '/nonexistent/runtimes-aarch64.squashfs' }, () => /^Error: --runtime-image and --no-runtimes contradict each other/);
});

test('a given --runtime-image replaces build/runtimes/: its absence in the checkout is no error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-standalone-build-'));
  try {
    const image = join(dir, 'runtimes-aarch64.squashfs');
    await writeFile(image, 'not a squashfs, but present');
    // The build then gets past the runtime image check and stops at the next missing input: the checkout's package.json.
    await assert.rejects(
      buildStandalone({ arch: standaloneArch('aarch64'), repoRoot: join(dir, 'repo'), outDir: join(dir, 'out'), runtimes: true, runtimeImage: image, nodeCacheDir: join(dir, 'cache'), log: () => {} }),
      (error: Error) => !/runtimes:build|--runtime-image/.test(error.message) && /package\.json/.test(error.message),
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a --node that does not exist fails first, naming the flag and the path', async () => {
  await rejectsBeforeStarting({ runtimes: false, hostNode: '/nonexistent/node' }, () => /^Error: --node \/nonexistent\/node: no such file$/);
});

test('a --node of another version than the pinned one is refused, naming both versions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-standalone-build-'));
  try {
    const repo = join(dir, 'repo');
    await mkdir(repo);
    await writeFile(join(repo, 'package.json'), JSON.stringify({ devDependencies: { node: '24.21.0' } }));
    const node = join(dir, 'node');
    await writeFile(node, '#!/bin/sh\necho v22.1.0\n', { mode: 0o755 });
    await assert.rejects(
      buildStandalone({ arch: standaloneArch('aarch64'), repoRoot: repo, outDir: join(dir, 'out'), runtimes: false, hostNode: node, nodeCacheDir: join(dir, 'cache'), log: () => {} }),
      new RegExp(`^Error: --node ${node} is Node\\.js v22\\.1\\.0, but the workspace pins 24\\.21\\.0`),
    );
    assert.deepEqual(await readdir(join(dir, 'out', 'aarch64')), [], 'nothing was built');
  } finally {
    await rm(dir, { recursive: true });
  }
});
