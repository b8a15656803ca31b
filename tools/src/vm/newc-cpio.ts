/** One member of a cpio archive. Paths are relative ("init", "dev/console"), without a leading slash. */
export type CpioEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode: number }
  | { readonly type: 'file'; readonly path: string; readonly mode: number; readonly data: Uint8Array }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string }
  | { readonly type: 'char' | 'block'; readonly path: string; readonly mode: number; readonly major: number; readonly minor: number };

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000, char: 0o020000, block: 0o060000 } as const;

function checkPath(path: string): void {
  if (path === '' || path.startsWith('/') || path.endsWith('/')) {
    throw new Error(`cpio entry path '${path}' must be relative, non-empty and without a trailing slash`);
  }
  for (const part of path.split('/')) {
    if (part === '' || part === '.' || part === '..') throw new Error(`cpio entry path '${path}' has an empty, '.' or '..' component`);
  }
  if (path.includes('\0')) throw new Error(`cpio entry path '${path}' contains a NUL byte`);
}

function parentOf(path: string): string | undefined {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? undefined : path.slice(0, slash);
}

function hex8(n: number, what: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio ${what} ${n} does not fit the newc header`);
  return n.toString(16).toUpperCase().padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/**
 * Writes a "newc" (SVR4, no CRC) cpio archive, the format the kernel unpacks
 * as an initramfs, reproducibly: members sorted by path (which puts every
 * directory before its contents), inode numbers assigned in that order, owner
 * and group 0, every mtime set to `mtime` (seconds; default 0), no hard links.
 * Throws naming the member for a bad path, a duplicate, a missing parent
 * directory, or a mode with bits outside 0o7777.
 */
export function writeNewcCpio(entries: readonly CpioEntry[], mtime = 0): Buffer {
  const byPath = new Map<string, CpioEntry>();
  for (const entry of entries) {
    checkPath(entry.path);
    if (byPath.has(entry.path)) throw new Error(`cpio entry '${entry.path}' is listed twice`);
    if (entry.type !== 'symlink' && (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o7777)) {
      throw new Error(`cpio entry '${entry.path}' has mode ${entry.mode}; give only permission bits (0..0o7777)`);
    }
    byPath.set(entry.path, entry);
  }
  for (const path of byPath.keys()) {
    const parent = parentOf(path);
    if (parent !== undefined && byPath.get(parent)?.type !== 'dir') {
      throw new Error(`cpio entry '${path}' needs its parent directory '${parent}' listed as a dir entry`);
    }
  }
  // Byte order, not locale order, so the archive is the same everywhere.
  const sorted = [...byPath.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));

  const chunks: Buffer[] = [];
  const member = (ino: number, mode: number, nlink: number, rdev: [number, number], name: string, data: Uint8Array): void => {
    const nameBytes = Buffer.from(`${name}\0`);
    const header =
      '070701' +
      hex8(ino, 'inode') +
      hex8(mode, 'mode') +
      hex8(0, 'uid') +
      hex8(0, 'gid') +
      hex8(nlink, 'nlink') +
      hex8(mtime, 'mtime') +
      hex8(data.length, `size of '${name}'`) +
      hex8(0, 'devmajor') +
      hex8(0, 'devminor') +
      hex8(rdev[0], `major of '${name}'`) +
      hex8(rdev[1], `minor of '${name}'`) +
      hex8(nameBytes.length, 'name size') +
      hex8(0, 'check');
    chunks.push(Buffer.from(header, 'latin1'), nameBytes, Buffer.alloc(pad4(header.length + nameBytes.length)));
    chunks.push(Buffer.from(data.buffer, data.byteOffset, data.length), Buffer.alloc(pad4(data.length)));
  };

  let ino = 1;
  for (const entry of sorted) {
    switch (entry.type) {
      case 'dir':
        member(ino++, TYPE_BITS.dir | entry.mode, 2, [0, 0], entry.path, new Uint8Array());
        break;
      case 'file':
        member(ino++, TYPE_BITS.file | entry.mode, 1, [0, 0], entry.path, entry.data);
        break;
      case 'symlink':
        if (entry.target === '') throw new Error(`cpio symlink '${entry.path}' has an empty target`);
        member(ino++, TYPE_BITS.symlink | 0o777, 1, [0, 0], entry.path, Buffer.from(entry.target));
        break;
      case 'char':
      case 'block':
        member(ino++, TYPE_BITS[entry.type] | entry.mode, 1, [entry.major, entry.minor], entry.path, new Uint8Array());
        break;
    }
  }
  member(0, 0, 1, [0, 0], 'TRAILER!!!', new Uint8Array());
  return Buffer.concat(chunks);
}
