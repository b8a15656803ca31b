import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readDebData } from './deb-package.ts';
import { writeTestAr, writeTestDeb } from './test-archives.ts';

describe('readDebData', () => {
  for (const compression of ['gz', 'xz', 'zst'] as const) {
    it(`reads a data.tar.${compression} member`, async () => {
      const deb = writeTestDeb([{ path: './usr/bin/hello', content: 'hi\n', mode: 0o755 }], compression);
      const entries = await readDebData(deb, 'hello 1.0');
      assert.deepEqual(entries.map((e) => [e.path, e.data.toString(), e.mode]), [['./usr/bin/hello', 'hi\n', 0o755]]);
    });
  }

  it('rejects a corrupt compressed member, naming the package and member', async () => {
    const good = writeTestDeb([{ path: './a', content: 'x'.repeat(1000) }], 'xz');
    const bad = Buffer.from(good);
    bad[bad.length - 40] = (bad[bad.length - 40] as number) ^ 0xff;
    await assert.rejects(readDebData(bad, 'hello 1.0'), /^Error: hello 1.0: cannot decompress data.tar.xz: xz exited with 1/);
  });

  it('rejects an unknown .deb format version', async () => {
    const deb = writeTestAr([{ name: 'debian-binary', data: Buffer.from('3.0\n') }]);
    await assert.rejects(readDebData(deb, 'p'), /p: unsupported .deb format version "3.0"/);
  });

  it('rejects a package without data.tar', async () => {
    const deb = writeTestAr([{ name: 'debian-binary', data: Buffer.from('2.0\n') }]);
    await assert.rejects(readDebData(deb, 'p'), /p: no data.tar member/);
  });

  it('rejects an unsupported compression', async () => {
    const deb = writeTestAr([{ name: 'debian-binary', data: Buffer.from('2.0\n') }, { name: 'data.tar.bz2', data: Buffer.from('BZh') }]);
    await assert.rejects(readDebData(deb, 'p'), /p: unsupported compression for member "data.tar.bz2"/);
  });
});
