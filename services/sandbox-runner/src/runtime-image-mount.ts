import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MOUNT_PROGRAM, UMOUNT_PROGRAM } from './mount-programs.ts';

const run = promisify(execFile);

/**
 * A runtime SquashFS image mounted read-only, once, for the life of the
 * server; every action then binds the runtime it asked for out of it, so the
 * per-action cost of a runtime is a few bind mounts, not a mount of an image.
 *
 * The mount point is `<mountsDirectory>/<first 16 hex of the image's identity>`
 * where the identity is the image's path, size and mtime: a rebuilt image gets
 * a new mount point, and a restart after a crash finds its old mount and
 * reuses it instead of stacking a second one.
 */
export class RuntimeImageMount {
  /** The directory holding one subdirectory per runtime (`glibc2.36/`, ...). */
  readonly directory: string;
  readonly #owned: boolean;

  private constructor(directory: string, owned: boolean) {
    this.directory = directory;
    this.#owned = owned;
  }

  /**
   * Mounts `image` (an absolute path) under `mountsDirectory`. This runs
   * mount(8) once per server start (loop devices are set up by mount, which
   * Node cannot do itself); never per action. Rejects with a message naming
   * the image when it is missing, not a SquashFS, or cannot be mounted.
   */
  static async mount(image: string, mountsDirectory: string): Promise<RuntimeImageMount> {
    await assertSquashfs(image);
    const handle = await open(image, 'r');
    const info = await handle.stat();
    await handle.close();
    const identity = createHash('sha256').update(`${image}\0${info.size}\0${info.mtimeMs}`).digest('hex').slice(0, 16);
    const directory = join(mountsDirectory, identity);
    await mkdir(directory, { recursive: true });
    if (await isMountPoint(directory)) return new RuntimeImageMount(directory, true);
    try {
      await run(MOUNT_PROGRAM, ['-t', 'squashfs', '-o', 'loop,ro,nodev,nosuid', image, directory]);
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim();
      throw new Error(`cannot mount the runtime image ${image} on ${directory}: ${stderr || (error as Error).message}`);
    }
    return new RuntimeImageMount(directory, true);
  }

  /** Unmounts the image (lazily, so an action still finishing cannot block shutdown). */
  async unmount(): Promise<void> {
    if (!this.#owned) return;
    await run(UMOUNT_PROGRAM, ['-l', this.directory]).catch(() => undefined);
  }
}

const SQUASHFS_MAGIC = Buffer.from('hsqs');

async function assertSquashfs(image: string): Promise<void> {
  let head: Buffer;
  try {
    const handle = await open(image, 'r');
    try {
      head = Buffer.alloc(4);
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new Error(`cannot read the runtime image ${image}: ${(error as Error).message}`);
  }
  if (!head.equals(SQUASHFS_MAGIC)) throw new Error(`the runtime image ${image} is not a SquashFS image`);
}

/** Whether `directory` is itself a mount point, from the kernel's own table. */
async function isMountPoint(directory: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  // Field 5 is the mount point, with spaces and other specials octal-escaped.
  return mounts.split('\n').some((line) => line.split(' ')[4]?.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) === directory);
}
