/** What a tar entry is; anything else (devices, FIFOs) is rejected when read. */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink';

/** One entry of a tar archive after long-name and pax records have been applied. */
export interface TarEntry {
  readonly type: TarEntryType;
  /** The path as recorded (may start with `./`); see `normalizeArchivePath`. */
  readonly path: string;
  /** Permission bits (the low 12 bits of the recorded mode). */
  readonly mode: number;
  /** Symlink target, or the archive path of the hardlink's target. */
  readonly linkname: string;
  /** File contents (empty for everything but files). */
  readonly data: Buffer;
}

const BLOCK = 512;

/**
 * Reads a tar archive held in memory: POSIX ustar (with the 155-byte
 * prefix), GNU long names and long link names (`L`/`K` records), pax extended
 * headers (`x`, for path, linkpath and size; global `g` headers are ignored),
 * and base-256 sizes. Every header checksum is verified. Character and block
 * devices, FIFOs and unknown types throw, naming the entry: no Debian package
 * in a runtime has them, and an unpacker that skipped them silently would
 * hide a wrong input.
 */
export function* readTarEntries(archive: Buffer, label: string): Generator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Map<string, string> | undefined;
  while (true) {
    if (offset + BLOCK > archive.length) {
      // GNU tar writes two zero blocks at the end, but a missing end marker is harmless once all entries were whole.
      if (offset === archive.length) return;
      throw new Error(`${label}: truncated tar header at offset ${offset}`);
    }
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return;
    verifyChecksum(header, offset, label);
    const typeflag = String.fromCharCode(header[156] as number);
    let size = readNumber(header, 124, 12, `${label}: size at offset ${offset}`);
    if (pax?.has('size')) size = Number(pax.get('size'));
    const dataStart = offset + BLOCK;
    if (!Number.isSafeInteger(size) || size < 0 || dataStart + size > archive.length) {
      throw new Error(`${label}: tar entry at offset ${offset} runs past the end of the archive`);
    }
    const data = archive.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (typeflag === 'L') {
      longName = cString(data);
      continue;
    }
    if (typeflag === 'K') {
      longLink = cString(data);
      continue;
    }
    if (typeflag === 'x') {
      pax = parsePax(data, label);
      continue;
    }
    if (typeflag === 'g') continue;

    const isUstar = header.toString('latin1', 257, 263) === 'ustar\0';
    const prefix = isUstar ? cString(header.subarray(345, 500)) : '';
    const name = cString(header.subarray(0, 100));
    const path = pax?.get('path') ?? longName ?? (prefix !== '' ? `${prefix}/${name}` : name);
    const linkname = pax?.get('linkpath') ?? longLink ?? cString(header.subarray(157, 257));
    const mode = readNumber(header, 100, 8, `${label}: mode of ${path}`) & 0o7777;
    longName = longLink = pax = undefined;

    let type: TarEntryType;
    if (typeflag === '0' || typeflag === '\0' || typeflag === '7') type = path.endsWith('/') ? 'directory' : 'file';
    else if (typeflag === '5') type = 'directory';
    else if (typeflag === '2') type = 'symlink';
    else if (typeflag === '1') type = 'hardlink';
    else throw new Error(`${label}: unsupported tar entry type ${JSON.stringify(typeflag)} for ${JSON.stringify(path)}`);
    yield { type, path, mode, linkname, data: type === 'file' ? data : Buffer.alloc(0) };
  }
}

/**
 * Turns an archive path into a relative path with no `.`, empty or `..`
 * components (`./usr/bin/` → `usr/bin`; `''` for the root itself). Throws
 * on any `..`: such a path could write outside the tree being built, and no
 * legitimate package contains one.
 */
export function normalizeArchivePath(path: string, label: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new Error(`${label}: path ${JSON.stringify(path)} escapes the archive root with ".."`);
    if (part.includes('\0')) throw new Error(`${label}: path ${JSON.stringify(path)} contains a NUL byte`);
    parts.push(part);
  }
  return parts.join('/');
}

function verifyChecksum(header: Buffer, offset: number, label: string): void {
  const recorded = readNumber(header, 148, 8, `${label}: checksum at offset ${offset}`);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  if (sum !== recorded) throw new Error(`${label}: tar header checksum mismatch at offset ${offset} (corrupt or not a tar archive)`);
}

function readNumber(header: Buffer, start: number, length: number, what: string): number {
  const first = header[start] as number;
  if (first & 0x80) {
    // GNU base-256: big-endian two's complement in the remaining bytes; only non-negative values make sense here.
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (header[i] as number);
    if (first !== 0x80 || !Number.isSafeInteger(value)) throw new Error(`${what}: unsupported base-256 value`);
    return value;
  }
  const text = header.toString('latin1', start, start + length).replace(/[\0 ]+$/, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`${what}: not an octal number: ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end < 0 ? bytes.length : end);
}

// pax records are "<length> <key>=<value>\n", the length counting the whole record.
function parsePax(data: Buffer, label: string): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    const length = Number(data.toString('latin1', offset, space));
    if (space < 0 || !Number.isSafeInteger(length) || length <= 0 || offset + length > data.length) {
      throw new Error(`${label}: malformed pax extended header`);
    }
    const record = data.toString('utf8', space + 1, offset + length - 1);
    const eq = record.indexOf('=');
    if (eq < 0) throw new Error(`${label}: malformed pax record ${JSON.stringify(record)}`);
    records.set(record.slice(0, eq), record.slice(eq + 1));
    offset += length;
  }
  return records;
}
