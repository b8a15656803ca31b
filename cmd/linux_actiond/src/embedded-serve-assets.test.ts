import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { embeddedServeAssets, type EmbeddedAssets } from './embedded-serve-assets.ts';

// node:sea as the standalone binary sees it, from a map of asset keys to bytes.
function embedded(assets: Record<string, string | Buffer>): EmbeddedAssets {
  return {
    getRawAsset(key: string): ArrayBuffer {
      const value = assets[key];
      if (value === undefined) throw new Error(`No matching asset found for ${key}`);
      const bytes = Buffer.from(value);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
    },
  };
}

function entry(name: string, content: string) {
  return { name, sha256: createHash('sha256').update(content).digest('hex'), size: Buffer.byteLength(content) };
}

const HELPER = '\x7fELF pretend helper';
const IMAGE = 'hsqs pretend image';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'actiond-embedded-assets-'));
});
after(() => rm(root, { recursive: true, force: true }));

test('extracts the helper (0755) and the runtime image (0444) under <root>/.standalone/<sha256>/', async () => {
  const helper = entry('actiond-sandbox', HELPER);
  const image = entry('runtimes-x86_64.squashfs', IMAGE);
  const manifest = JSON.stringify({ format: 1, arch: 'x86_64', sandboxHelper: helper, runtimeImage: image });
  const assets = await embeddedServeAssets(
    root,
    embedded({ 'standalone-manifest.json': manifest, 'actiond-sandbox': HELPER, 'runtimes-x86_64.squashfs': IMAGE }),
  );
  assert.equal(assets.sandboxHelper, join(root, '.standalone', helper.sha256, 'actiond-sandbox'));
  assert.equal(assets.defaultRuntimeImage, join(root, '.standalone', image.sha256, 'runtimes-x86_64.squashfs'));
  assert.equal(await readFile(assets.sandboxHelper!, 'utf8'), HELPER);
  assert.equal(await readFile(assets.defaultRuntimeImage!, 'utf8'), IMAGE);
  assert.equal((await stat(assets.sandboxHelper!)).mode & 0o7777, 0o755);
  assert.equal((await stat(assets.defaultRuntimeImage!)).mode & 0o7777, 0o444);
});

test('a binary built without runtimes has no default runtime image', async () => {
  const helper = entry('actiond-sandbox', HELPER);
  const manifest = JSON.stringify({ format: 1, arch: 'aarch64', sandboxHelper: helper, runtimeImage: null });
  const assets = await embeddedServeAssets(root, embedded({ 'standalone-manifest.json': manifest, 'actiond-sandbox': HELPER }));
  assert.equal(assets.defaultRuntimeImage, undefined);
  assert.equal(await readFile(assets.sandboxHelper!, 'utf8'), HELPER);
});

test('a missing manifest or asset is an error naming the asset and the rebuild', async () => {
  await assert.rejects(
    embeddedServeAssets(root, embedded({})),
    /^Error: the standalone binary has no embedded asset standalone-manifest.json; rebuild it with `pnpm standalone:build`$/,
  );
  const other = entry('actiond-sandbox', 'not extracted yet');
  const manifest = JSON.stringify({ format: 1, arch: 'x86_64', sandboxHelper: other, runtimeImage: null });
  await assert.rejects(
    embeddedServeAssets(root, embedded({ 'standalone-manifest.json': manifest })),
    /no embedded asset actiond-sandbox; rebuild it/,
  );
});

test('an embedded asset that does not match the manifest is refused, not extracted', async () => {
  const helper = entry('actiond-sandbox', 'the helper the build hashed');
  const manifest = JSON.stringify({ format: 1, arch: 'x86_64', sandboxHelper: helper, runtimeImage: null });
  await assert.rejects(
    embeddedServeAssets(root, embedded({ 'standalone-manifest.json': manifest, 'actiond-sandbox': 'the helper the build hashes' })),
    /the embedded actiond-sandbox is damaged: /,
  );
  await assert.rejects(stat(join(root, '.standalone', helper.sha256, 'actiond-sandbox')), { code: 'ENOENT' });
});
