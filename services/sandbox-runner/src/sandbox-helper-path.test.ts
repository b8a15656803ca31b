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
