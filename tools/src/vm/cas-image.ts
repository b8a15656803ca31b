import { closeSync, existsSync, ftruncateSync, linkSync, openSync, rmSync } from 'node:fs';
import { runCommand } from './run-command.ts';

/** Smallest CAS image createCasImage() makes: below this ext4 spends most of it on metadata. */
export const MIN_CAS_IMAGE_BYTES = 16 * 1024 * 1024;

function existsError(path: string): Error {
  return new Error(`refusing to create CAS image ${path}: the file exists (actiond never reformats an existing image)`);
}

/**
 * Creates a new CAS disk image: a sparse file of sizeBytes formatted ext4
 * by the host's mkfs.ext4 (no root needed for a regular file). This is the
 * only place a CAS image is ever formatted; the guest init refuses a disk
 * without ext4 rather than formatting it, so existing data can never be
 * wiped by a boot.
 *
 * Refuses when `path` exists. The image is formatted under a temporary name
 * and linked into place only when complete, so a crash midway never leaves
 * an unformatted file at `path`, and a concurrent creator cannot be
 * overwritten (link fails on an existing name).
 */
export async function createCasImage(path: string, sizeBytes: number): Promise<void> {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < MIN_CAS_IMAGE_BYTES || sizeBytes % 4096 !== 0) {
    throw new Error(`CAS image size ${sizeBytes} must be a multiple of 4096 bytes and at least ${MIN_CAS_IMAGE_BYTES}`);
  }
  if (existsSync(path)) throw existsError(path);
  const tmp = `${path}.creating-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx');
  } catch (err) {
    throw new Error(`cannot create CAS image ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    try {
      ftruncateSync(fd, sizeBytes);
    } finally {
      closeSync(fd);
    }
    // -m 0: no blocks reserved for root, the whole disk is CAS. root_owner: the guest runs as root,
    // whoever formats it on the host. lazy_*_init=0: initialize now, not from a guest kernel thread.
    await runCommand(
      'mkfs.ext4',
      ['-q', '-F', '-L', 'actiond-cas', '-m', '0', '-E', 'root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0', tmp],
      {},
      'install Debian package e2fsprogs (macOS: e2fsprogs from Homebrew)',
    );
    try {
      linkSync(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw code === 'EEXIST' ? existsError(path) : new Error(`cannot create CAS image ${path}: ${(err as Error).message}`, { cause: err });
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}
