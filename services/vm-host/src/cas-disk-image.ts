import { spawn } from 'node:child_process';
import { closeSync, ftruncateSync, linkSync, openSync, readSync, rmSync, statSync } from 'node:fs';

/** Smallest CAS image serve-vm creates: below this ext4 spends most of it on metadata. */
export const MIN_CAS_IMAGE_BYTES = 64 * 1024 * 1024;

/** What {@link ensureCasImage} found or did. */
export interface CasImage {
  readonly path: string;
  /** True when this call created and formatted it. */
  readonly created: boolean;
  /** The image's size (its apparent size; the file is sparse). */
  readonly sizeBytes: number;
}

/** The ext4 superblock starts at byte 1024; its magic 0xEF53 sits at offset 56 in it, little-endian. */
const EXT4_MAGIC_OFFSET = 1024 + 56;

/**
 * Returns the CAS disk image at `path`, creating it when there is none: a
 * sparse file of `sizeBytes` formatted ext4 by the host's mkfs.ext4 (label
 * actiond-cas, no reserved blocks, root-owned, inode tables initialized at
 * once so the guest does no background work). An existing file is used as
 * it is, whatever its size, and is never formatted again; one that is not
 * ext4 is refused before the VM ever sees it, with a message saying what it
 * holds.
 *
 * A new image is formatted under a temporary name and linked into place only
 * when complete, so a crash midway never leaves an unformatted file at
 * `path`, and a concurrent creator cannot be overwritten. (tools/src/vm's
 * createCasImage does the same for the boot smoke tests; /init checks the
 * magic again in the guest.)
 */
export async function ensureCasImage(path: string, sizeBytes: number): Promise<CasImage> {
  let size: number | undefined;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new Error(`the CAS image ${path} is not a regular file`);
    size = stats.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (size !== undefined) {
    checkExt4(path, size);
    return { path, created: false, sizeBytes: size };
  }
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < MIN_CAS_IMAGE_BYTES || sizeBytes % (1024 * 1024) !== 0) {
    throw new Error(`CAS image size ${sizeBytes} bytes must be a whole number of MiB, at least ${MIN_CAS_IMAGE_BYTES / 1048576} MiB`);
  }
  const temporary = `${path}.creating-${process.pid}`;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    try {
      ftruncateSync(fd, sizeBytes);
    } finally {
      closeSync(fd);
    }
    // -m 0: the whole disk is CAS. root_owner: the guest runs as root whoever formats it.
    // lazy_*_init=0: initialize now, not from a guest kernel thread while actions run.
    await run('mkfs.ext4', ['-q', '-F', '-L', 'actiond-cas', '-m', '0', '-E', 'root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0', temporary]);
    try {
      linkSync(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        // Someone else created it meanwhile: theirs wins, ours is dropped.
        return ensureCasImage(path, sizeBytes);
      }
      throw error;
    }
  } catch (error) {
    throw new Error(`cannot create the CAS image ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    rmSync(temporary, { force: true });
  }
  return { path, created: true, sizeBytes };
}

function checkExt4(path: string, size: number): void {
  const head = Buffer.alloc(4096);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read >= EXT4_MAGIC_OFFSET + 2 && head.readUInt16LE(EXT4_MAGIC_OFFSET) === 0xef53) return;
  const what =
    size === 0
      ? 'it is empty'
      : head.subarray(0, read).every((b) => b === 0)
        ? 'its first 4 KiB are all zero: created but never formatted'
        : head.subarray(0, 4).toString('latin1') === 'hsqs'
          ? 'it holds a squashfs image'
          : 'no ext4 superblock';
  throw new Error(`the CAS image ${path} is not an ext4 filesystem (${what}); serve-vm never formats an existing file: move it away or pass another --cas-image`);
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(`${command} is not installed (Debian: apt-get install e2fsprogs; macOS: brew install e2fsprogs and put its sbin directory on PATH)`)
          : error,
      );
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with status ${code}: ${stderr.trim()}`))));
  });
}
