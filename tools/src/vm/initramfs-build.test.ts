import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { zstdDecompressSync } from 'node:zlib';
import { buildInitramfs, INITRAMFS_NAME } from './initramfs-build.ts';

const host = process.arch === 'x64' ? 'x86_64' : 'aarch64';
const dir = mkdtempSync(join(tmpdir(), 'initramfs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Member names and modes of a newc archive (enough to check what the initramfs holds). */
function members(cpio: Buffer): Map<string, { mode: number; data: Buffer }> {
  const out = new Map<string, { mode: number; data: Buffer }>();
  let off = 0;
  for (;;) {
    const h = cpio.subarray(off, off + 110).toString('latin1');
    const f = (i: number): number => Number.parseInt(h.slice(6 + i * 8, 14 + i * 8), 16);
    const name = cpio.subarray(off + 110, off + 110 + f(11) - 1).toString();
    const start = (off + 110 + f(11) + 3) & ~3;
    if (name === 'TRAILER!!!') return out;
    out.set(name, { mode: f(1), data: cpio.subarray(start, start + f(6)) });
    off = (start + f(6) + 3) & ~3;
  }
}

const PT_INTERP = 3;

/** The p_type of every program header of a 64-bit little-endian ELF file. */
function programHeaderTypes(elf: Buffer): number[] {
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const size = elf.readUInt16LE(0x36);
  const count = elf.readUInt16LE(0x38);
  return Array.from({ length: count }, (_, i) => elf.readUInt32LE(phoff + i * size));
}

describe('buildInitramfs', () => {
  it(`writes a zstd newc archive with a static ${host} /init, /dev/console and /newroot`, async () => {
    const result = await buildInitramfs({ arch: host, outDir: join(dir, 'a') });
    assert.equal(result.path, join(dir, 'a', INITRAMFS_NAME));
    const files = members(zstdDecompressSync(readFileSync(result.path)));
    assert.deepEqual([...files.keys()], ['dev', 'dev/console', 'init', 'newroot']);
    const init = files.get('init');
    assert.equal(init?.mode, 0o100755);
    assert.equal(init?.data.subarray(0, 4).toString('latin1'), '\x7fELF');
    // e_type ET_EXEC (static, not PIE) and no PT_INTERP: nothing for a dynamic loader to find.
    assert.equal(init?.data.readUInt16LE(16), 2);
    assert.ok(init !== undefined && !programHeaderTypes(init.data).includes(PT_INTERP), '/init is static');
    assert.equal(files.get('dev/console')?.mode, 0o020600);
    assert.equal(files.get('newroot')?.mode, 0o040755);
    assert.deepEqual(readdirSync(join(dir, 'a')), [INITRAMFS_NAME], 'no work files left behind');
  });

  it('is byte-for-byte reproducible', async () => {
    const a = await buildInitramfs({ arch: host, outDir: join(dir, 'r1') });
    const b = await buildInitramfs({ arch: host, outDir: join(dir, 'r2') });
    assert.deepEqual(readFileSync(a.path), readFileSync(b.path));
  });

  it('rejects an unknown architecture before compiling anything', async () => {
    await assert.rejects(buildInitramfs({ arch: 'riscv64', outDir: join(dir, 'x') }), /unknown VM architecture 'riscv64'/);
  });
});
