import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { extractAsset, type AssetToExtract } from './asset-extraction.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'actiond-asset-extraction-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function asset(content: string, name = 'actiond-sandbox', mode = 0o755): AssetToExtract & { reads: () => number } {
  const bytes = Buffer.from(content);
  let reads = 0;
  return {
    name,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
    mode,
    bytes: () => {
      reads++;
      return bytes;
    },
    reads: () => reads,
  };
}

async function fresh(name: string): Promise<string> {
  const d = join(dir, name);
  await mkdir(d);
  return d;
}

test('extracts to <directory>/<sha256>/<name> with exactly the bytes and the mode', async () => {
  const base = await fresh('extract');
  const a = asset('#!/bin/sh\necho helper\n');
  const path = await extractAsset(base, a);
  assert.equal(path, join(base, a.sha256, 'actiond-sandbox'));
  assert.equal(await readFile(path, 'utf8'), '#!/bin/sh\necho helper\n');
  assert.equal((await stat(path)).mode & 0o7777, 0o755);
  const image = asset('squashfs bytes', 'runtimes-x86_64.squashfs', 0o444);
  assert.equal((await stat(await extractAsset(base, image))).mode & 0o7777, 0o444);
});

test('the mode is applied whatever the umask', async () => {
  const base = await fresh('umask');
  const previous = process.umask(0o777);
  try {
    const path = await extractAsset(base, asset('x'));
    assert.equal((await stat(path)).mode & 0o7777, 0o755);
  } finally {
    process.umask(previous);
  }
});

test('a file extracted before is verified and reused without reading the embedded bytes', async () => {
  const base = await fresh('reuse');
  await extractAsset(base, asset('same content'));
  const again = asset('same content');
  const path = await extractAsset(base, again);
  assert.equal(again.reads(), 0);
  assert.equal(await readFile(path, 'utf8'), 'same content');
});

test('an extracted file changed since (same size), truncated or with another mode is replaced', async () => {
  const base = await fresh('repair');
  const a = asset('original content');
  const path = await extractAsset(base, a);
  for (const damage of [
    async () => {
      await chmod(path, 0o644);
      await writeFile(path, 'ORIGINAL CONTENT');
      await chmod(path, 0o755);
    },
    () => writeFile(path, 'orig'),
    () => chmod(path, 0o700),
  ]) {
    await damage();
    await extractAsset(base, a);
    assert.equal(await readFile(path, 'utf8'), 'original content');
    assert.equal((await stat(path)).mode & 0o7777, 0o755);
  }
});

test('a symlink at the path is not trusted, whatever it points to', async () => {
  const base = await fresh('symlink');
  const a = asset('helper bytes');
  const good = await extractAsset(await fresh('symlink-target'), a);
  await mkdir(join(base, a.sha256));
  await symlink(good, join(base, a.sha256, a.name));
  const path = await extractAsset(base, a);
  assert.ok((await stat(path)).isFile());
  assert.equal(a.reads(), 2);
});

test('embedded bytes that do not match their SHA-256 fail naming the asset, and nothing is left behind', async () => {
  const base = await fresh('damaged');
  const a = { ...asset('the real bytes'), bytes: () => Buffer.from('other bytes!!!') };
  await assert.rejects(
    extractAsset(base, a),
    (e: Error) =>
      e.message.startsWith('the embedded actiond-sandbox is damaged: 14 bytes with SHA-256 ') &&
      e.message.includes(`expected 14 bytes with SHA-256 ${a.sha256}; rebuild the standalone binary`),
  );
  assert.deepEqual(await readdir(base), []);
});

test('a write that fails names the path and leaves no temporary file', async () => {
  const base = await fresh('unwritable');
  const a = asset('content');
  // A file where the asset's directory must go: mkdir fails with EEXIST/ENOTDIR.
  await writeFile(join(base, a.sha256), 'in the way');
  await assert.rejects(extractAsset(base, a), new RegExp(`^Error: cannot extract actiond-sandbox to ${join(base, a.sha256, a.name)}: `));
  assert.deepEqual(await readdir(base), [a.sha256]);
});

test('a rename that fails after the write removes the temporary file', async () => {
  const base = await fresh('rename-fails');
  const a = asset('content');
  // A non-empty directory at the path: the write succeeds, the rename cannot replace it.
  await mkdir(join(base, a.sha256, a.name, 'occupied'), { recursive: true });
  await assert.rejects(extractAsset(base, a), new RegExp(`^Error: cannot extract actiond-sandbox to ${join(base, a.sha256, a.name)}: `));
  assert.equal(a.reads(), 1);
  assert.deepEqual(await readdir(join(base, a.sha256)), [a.name]);
});

test('concurrent extractions of the same asset all return the complete file', async () => {
  const base = await fresh('concurrent');
  const content = 'x'.repeat(1 << 20);
  const paths = await Promise.all(Array.from({ length: 8 }, () => extractAsset(base, asset(content))));
  assert.equal(new Set(paths).size, 1);
  assert.equal(await readFile(paths[0]!, 'utf8'), content);
  assert.deepEqual(await readdir(join(base, asset(content).sha256)), ['actiond-sandbox']);
});
