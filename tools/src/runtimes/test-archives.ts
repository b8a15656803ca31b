import { execFileSync } from 'node:child_process';
import { gzipSync, zstdCompressSync } from 'node:zlib';

/** An entry for `writeTestTar`; only what the tests need. */
export interface TestTarEntry {
  readonly path: string;
  readonly type?: 'file' | 'directory' | 'symlink' | 'hardlink' | 'fifo';
  readonly mode?: number;
  readonly content?: string | Buffer;
  readonly linkname?: string;
}

/**
 * Writes a GNU-style tar (long names as `L` records) for tests, so fixtures
 * can contain what real tools refuse to write, such as `../` paths. Test
 * support only: the runtime build never writes tar.
 */
export function writeTestTar(entries: readonly TestTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  const typeflags = { file: '0', hardlink: '1', symlink: '2', directory: '5', fifo: '6' } as const;
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0));
    if (Buffer.byteLength(e.path) > 100) blocks.push(...record('././@LongLink', 'L', Buffer.from(`${e.path}\0`), 0o644, ''));
    const linkname = e.linkname ?? '';
    if (Buffer.byteLength(linkname) > 100) blocks.push(...record('././@LongLink', 'K', Buffer.from(`${linkname}\0`), 0o644, ''));
    blocks.push(...record(e.path.slice(0, 100), typeflags[type], type === 'file' ? content : Buffer.alloc(0), e.mode ?? (type === 'directory' ? 0o755 : 0o644), linkname.slice(0, 100)));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function record(name: string, typeflag: string, content: Buffer, mode: number, linkname: string): Buffer[] {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(`${mode.toString(8).padStart(7, '0')}\0`, 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write(typeflag, 156, 'latin1');
  header.write(linkname, 157, 100, 'utf8');
  header.write('ustar  \0', 257, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return [header, padded];
}

/** Writes a common-format `ar` archive from named members. */
export function writeTestAr(members: ReadonlyArray<{ name: string; data: Buffer }>): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const m of members) {
    const header = `${m.name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(m.data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(header, 'latin1'), m.data);
    if (m.data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** A minimal .deb (format 2.0) holding `entries`, its data member compressed as asked. */
export function writeTestDeb(entries: readonly TestTarEntry[], compression: 'gz' | 'xz' | 'zst' = 'gz'): Buffer {
  const tar = writeTestTar(entries);
  const data = compression === 'gz' ? gzipSync(tar) : compression === 'zst' ? zstdCompressSync(tar) : execFileSync('xz', ['-c'], { input: tar });
  return writeTestAr([
    { name: 'debian-binary', data: Buffer.from('2.0\n') },
    { name: 'control.tar.gz', data: gzipSync(writeTestTar([{ path: './control', content: 'Package: test\n' }])) },
    { name: `data.tar.${compression}`, data },
  ]);
}
