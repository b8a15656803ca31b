import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DirectoryRuntimeProvider } from './directory-runtime-provider.ts';
import { RuntimeImageMount } from './runtime-image-mount.ts';

const canMount = process.getuid?.() === 0 && existsSync('/usr/bin/mksquashfs');
const skip = canMount ? false : 'needs root and mksquashfs (Debian squashfs-tools)';

let dir: string;
let image: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'actiond-runtime-mount-'));
  if (!canMount) return;
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'rt1', 'etc'), { recursive: true });
  await writeFile(join(tree, 'rt1', 'etc', 'marker'), 'one\n');
  image = join(dir, 'image.squashfs');
  execFileSync('mksquashfs', [tree, image, '-quiet', '-noappend', '-all-root']);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('an image is mounted read-only once and a second mount reuses it', { skip }, async () => {
  const first = await RuntimeImageMount.mount(image, join(dir, 'mounts'));
  try {
    assert.equal(await readFile(join(first.directory, 'rt1', 'etc', 'marker'), 'utf8'), 'one\n');
    await assert.rejects(writeFile(join(first.directory, 'rt1', 'x'), ''), { code: 'EROFS' });
    const second = await RuntimeImageMount.mount(image, join(dir, 'mounts'));
    assert.equal(second.directory, first.directory);
    const mounts = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((l) => l.includes(first.directory));
    assert.equal(mounts.length, 1);
    assert.deepEqual((await DirectoryRuntimeProvider.open(first.directory)).names(), ['rt1']);
  } finally {
    await first.unmount();
  }
  assert.equal(existsSync(join(first.directory, 'rt1')), false);
});

test('a file that is not a SquashFS image is refused naming it', async () => {
  const bogus = join(dir, 'bogus.img');
  await writeFile(bogus, 'not an image');
  await assert.rejects(RuntimeImageMount.mount(bogus, join(dir, 'mounts')), /bogus\.img is not a SquashFS image/);
});

test('a missing image is refused naming it', async () => {
  await assert.rejects(RuntimeImageMount.mount(join(dir, 'nope.squashfs'), join(dir, 'mounts')), /cannot read the runtime image .*nope\.squashfs/);
});
