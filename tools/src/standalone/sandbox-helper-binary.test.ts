import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../vm/repo-paths.ts';
import { helperCompilation, sandboxHelperFor } from './sandbox-helper-binary.ts';
import { standaloneArch } from './standalone-arch.ts';

test("the cross build compiles binding.gyp's sources with its defines, cflags (minus cflags!) and ldflags", () => {
  const compilation = helperCompilation(readFileSync(join(REPO_ROOT, 'services/sandbox-runner/binding.gyp'), 'utf8'));
  assert.ok(compilation.sources.includes('native/main.c'));
  assert.ok(compilation.sources.every((s) => s.startsWith('native/') && s.endsWith('.c')));
  assert.ok(compilation.args.includes('-D_GNU_SOURCE'));
  assert.ok(compilation.args.includes('-static'));
  assert.ok(!compilation.args.includes('-fPIC'));
});

test('flags come in node-gyp order and removed flags are dropped', () => {
  const gyp = `# comment line
{ "targets": [ { "target_name": "actiond-sandbox", "sources": ["a.c"], "defines": ["X=1"],
  "cflags": ["-O2", "-fPIC"], "cflags!": ["-fPIC"], "ldflags": ["-static"] } ] }`;
  assert.deepEqual(helperCompilation(gyp), { sources: ['a.c'], args: ['-DX=1', '-O2', '-static'] });
});

test('a binding.gyp without the helper target, or without sources, is an error naming it', () => {
  assert.throws(() => helperCompilation('{"targets": [{"target_name": "other"}]}'), /binding.gyp has no target named actiond-sandbox/);
  assert.throws(() => helperCompilation('{"targets": [{"target_name": "actiond-sandbox"}]}'), /actiond-sandbox lists no sources/);
});

test("the native helper is node-gyp's build, and its absence says to run pnpm install", async () => {
  const native = standaloneArch(process.arch === 'arm64' ? 'aarch64' : 'x86_64');
  assert.equal(await sandboxHelperFor(native, REPO_ROOT, '/nonexistent'), join(REPO_ROOT, 'services/sandbox-runner/build/Release/actiond-sandbox'));
  await assert.rejects(sandboxHelperFor(native, '/nonexistent-repo', '/nonexistent'), /build\/Release\/actiond-sandbox is missing: run `pnpm install`/);
});
