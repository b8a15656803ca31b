// The executor with the real runtime image (runtimes/README.md), when one
// has been built here (`pnpm runtimes:build`): every runtime runs an action
// as its sandbox user with its own glibc. Skipped when there is no image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { status } from '@grpc/grpc-js';
import { DirectoryRuntimeProvider } from './directory-runtime-provider.ts';
import { bash, makeExecutor, needsExecutor } from './executor-fixture.ts';
import { hostArchitecture } from './platform-properties.ts';
import { RuntimeImageMount } from './runtime-image-mount.ts';

const image = fileURLToPath(new URL(`../../../build/runtimes/runtimes-${hostArchitecture()}.squashfs`, import.meta.url));
const skip = needsExecutor !== false ? needsExecutor : !existsSync(image) ? `no runtime image at ${image} (pnpm runtimes:build)` : false;

test('each runtime of the image runs an action as the image\'s sandbox user with its own glibc', { skip, timeout: 120_000 }, async () => {
  const mounts = await mkdtemp(join(tmpdir(), 'sandbox-runtime-image-'));
  const mount = await RuntimeImageMount.mount(image, mounts);
  try {
    const manifest = JSON.parse(await readFile(join(mount.directory, 'manifest.json'), 'utf8')) as {
      sandboxUser: { uid: number; gid: number; user: string; group: string };
      runtimes: { name: string; glibc: string }[];
    };
    const runtimes = await DirectoryRuntimeProvider.open(mount.directory);
    assert.deepEqual(runtimes.names(), manifest.runtimes.map((r) => r.name).sort());
    // The executor runs actions as 65534:65534, the ids the images are built for by default.
    assert.deepEqual([manifest.sandboxUser.uid, manifest.sandboxUser.gid], [65534, 65534]);
    const harness = await makeExecutor({ runtimes, defaultRuntime: undefined });
    try {
      for (const runtime of manifest.runtimes) {
        const { response } = await harness.run({
          platform: { libc: runtime.name, 'requires-bash': '' },
          command: bash('getconf GNU_LIBC_VERSION; id -un; id -gn; echo $((6 * 7)) > /tmp/x && cat /tmp/x; ls /'),
        });
        assert.equal(response.status?.code, status.OK, `${runtime.name}: ${response.status?.message}`);
        const lines = (await harness.blob(response.result!.stdoutDigest)).toString().trim().split('\n');
        assert.deepEqual(lines.slice(0, 4), [`glibc ${runtime.glibc}`, manifest.sandboxUser.user, manifest.sandboxUser.group, '42'], runtime.name);
        assert.ok(lines.includes('work') && lines.includes('usr') && !lines.includes('manifest.json'), `${runtime.name}: / has ${lines.slice(4).join(' ')}`);
      }
    } finally {
      await harness.dispose();
    }
  } finally {
    await mount.unmount();
    await rm(mounts, { recursive: true, force: true });
  }
});
