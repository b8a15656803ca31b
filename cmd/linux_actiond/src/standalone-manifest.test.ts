import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStandaloneManifest } from './standalone-manifest.ts';

const HASH = 'ab'.repeat(32);
const helper = { name: 'actiond-sandbox', sha256: HASH, size: 800488 };
const image = { name: 'runtimes-x86_64.squashfs', sha256: 'cd'.repeat(32), size: 35123200 };

function text(fields: Record<string, unknown>): string {
  return JSON.stringify({ format: 1, arch: 'x86_64', sandboxHelper: helper, runtimeImage: image, ...fields });
}

test('parses the helper and the runtime image the build recorded', () => {
  assert.deepEqual(parseStandaloneManifest(text({})), { arch: 'x86_64', sandboxHelper: helper, runtimeImage: image });
});

test('a build without runtimes records a null image, read as undefined', () => {
  assert.equal(parseStandaloneManifest(text({ runtimeImage: null })).runtimeImage, undefined);
});

test('a manifest that is not JSON is an error naming the manifest', () => {
  assert.throws(() => parseStandaloneManifest('{'), /^Error: the standalone binary's standalone-manifest.json is not JSON$/);
});

test('a wrong field is an error naming the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ format: 2 }, /invalid at format: /],
    [{ arch: 'riscv64' }, /invalid at arch: /],
    [{ sandboxHelper: { ...helper, sha256: 'AB'.repeat(32) } }, /invalid at sandboxHelper\.sha256: 64 lowercase hex digits$/],
    [{ sandboxHelper: { ...helper, name: '../actiond-sandbox' } }, /invalid at sandboxHelper\.name: a plain file name$/],
    [{ runtimeImage: { ...image, size: -1 } }, /invalid at runtimeImage\.size: /],
    [{ runtimeImage: undefined }, /invalid at runtimeImage: /],
  ];
  for (const [fields, message] of cases) assert.throws(() => parseStandaloneManifest(text(fields)), message, JSON.stringify(fields));
  assert.throws(() => parseStandaloneManifest('[]'), /invalid at \(top level\): /);
});
