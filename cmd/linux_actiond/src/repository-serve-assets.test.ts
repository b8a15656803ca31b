import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { repositoryServeAssets, runtimeArch } from './repository-serve-assets.ts';

let checkout: string;
before(async () => {
  checkout = await mkdtemp(join(tmpdir(), 'actiond-repository-assets-'));
});
after(() => rm(checkout, { recursive: true, force: true }));

test('the CPU names are those of the runtime image files', () => {
  assert.equal(runtimeArch('x64'), 'x86_64');
  assert.equal(runtimeArch('arm64'), 'aarch64');
  assert.equal(runtimeArch('riscv64'), undefined);
});

test('a checkout without built runtimes has no default runtime image, and the helper is the sandbox runner default', () => {
  assert.deepEqual(repositoryServeAssets(checkout, 'x64'), { sandboxHelper: undefined, defaultRuntimeImage: undefined });
});

test("the default runtime image is the checkout's build/runtimes image for this CPU", async () => {
  await mkdir(join(checkout, 'build', 'runtimes'), { recursive: true });
  await writeFile(join(checkout, 'build', 'runtimes', 'runtimes-aarch64.squashfs'), 'image');
  assert.equal(repositoryServeAssets(checkout, 'arm64').defaultRuntimeImage, join(checkout, 'build', 'runtimes', 'runtimes-aarch64.squashfs'));
  assert.equal(repositoryServeAssets(checkout, 'x64').defaultRuntimeImage, undefined);
  assert.equal(repositoryServeAssets(checkout, 'riscv64').defaultRuntimeImage, undefined);
});
