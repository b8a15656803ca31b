import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { executableHelper, sandboxHelperPath } from './sandbox-helper-path.ts';

test('the helper path is the absolute path node-gyp builds to', () => {
  const path = sandboxHelperPath();
  assert.ok(isAbsolute(path));
  assert.match(path, /\/services\/sandbox-runner\/build\/Release\/actiond-sandbox$/);
});

test('a missing helper is an error that names the path and how to build it', () => {
  assert.throws(
    () => executableHelper('/nonexistent/build/Release/actiond-sandbox'),
    /actiond-sandbox is not built at \/nonexistent\/build\/Release\/actiond-sandbox: run `pnpm install`/,
  );
});

test('a helper file without the x bit is not built either', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-helper-path-'));
  try {
    const file = join(dir, 'actiond-sandbox');
    await writeFile(file, '', { mode: 0o644 });
    assert.throws(() => executableHelper(file), new RegExp(`is not built at ${file}`));
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a path given by the caller replaces the checkout path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-helper-path-'));
  try {
    const file = join(dir, 'actiond-sandbox');
    await writeFile(file, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(sandboxHelperPath({ path: file }), file);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a given path that is missing or not executable is an error naming that path, not the build', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actiond-helper-path-'));
  try {
    const missing = join(dir, 'missing');
    assert.throws(() => sandboxHelperPath({ path: missing }), (e: Error) => e.message === `the actiond-sandbox helper given as ${missing} is not an executable file`);
    const plain = join(dir, 'plain');
    await writeFile(plain, '', { mode: 0o644 });
    assert.throws(() => sandboxHelperPath({ path: plain }), new RegExp(`given as ${plain} is not an executable file`));
  } finally {
    await rm(dir, { recursive: true });
  }
});
