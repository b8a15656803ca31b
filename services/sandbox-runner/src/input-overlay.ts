import { execFile } from 'node:child_process';
import { chmodSync, lchownSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { MOUNT_PROGRAM, UMOUNT_PROGRAM } from './mount-programs.ts';

const run = promisify(execFile);

/** The directories of one overlay; all absolute, on the same filesystem as the input root. */
export interface InputOverlayDirectories {
  /** The materialized input root (hard links to CAS blobs); never written through the overlay. */
  readonly lower: string;
  /** Private to this action: copies of what it changed, and its new files. */
  readonly upper: string;
  /** overlayfs's scratch directory, beside `upper`. */
  readonly work: string;
  /** Where the merged view is mounted: this is what the action sees and outputs are collected from. */
  readonly merged: string;
}

/** A mounted input overlay; `unmount` after collecting outputs, before removing the directories. */
export interface InputOverlay {
  readonly merged: string;
  unmount(): Promise<void>;
}

/** The `mount`/`umount` programs (util-linux); overlayfs needs the mount(2) call Node cannot make. */
export interface InputOverlayOptions {
  readonly mountProgram?: string;
  readonly umountProgram?: string;
}

/**
 * For `mutates_inputs=1`: mounts an overlayfs over the materialized inputs
 * so the action may rewrite, delete or replace them, each change landing in
 * its private upper directory. Every entry of the merged view is then made
 * the action's own (owner `uid:gid`, files owner-writable, directories
 * 0755): the inputs are root-owned read-only blob files, which even a
 * copy-on-write view would not let the action open for writing. overlayfs
 * applies those changes by copying up (with `metacopy=on`, metadata only,
 * until the data is written), so the lower directory, and with it every
 * CAS blob it links, is never modified.
 *
 * The mount lives in the server's mount namespace until `unmount`, so
 * outputs can be collected from the merged view after the sandbox is gone.
 * A server that crashes leaves it mounted; the executor unmounts stale ones
 * at startup.
 */
export async function mountInputOverlay(
  dirs: InputOverlayDirectories,
  owner: { readonly uid: number; readonly gid: number },
  options: InputOverlayOptions = {},
): Promise<InputOverlay> {
  for (const path of [dirs.lower, dirs.upper, dirs.work, dirs.merged]) {
    // overlayfs separates its options with commas and lower layers with colons.
    if (/[,:\\]/.test(path)) throw new Error(`overlay directory ${JSON.stringify(path)} contains a comma, colon or backslash`);
  }
  await Promise.all([dirs.upper, dirs.work, dirs.merged].map((dir) => mkdir(dir)));
  const base = `lowerdir=${dirs.lower},upperdir=${dirs.upper},workdir=${dirs.work}`;
  const mountProgram = options.mountProgram ?? MOUNT_PROGRAM;
  try {
    await run(mountProgram, ['-t', 'overlay', 'overlay', '-o', `${base},metacopy=on,nosuid,nodev`, dirs.merged]);
  } catch {
    // Kernels without metacopy support refuse the option; without it, chown copies whole files up.
    await run(mountProgram, ['-t', 'overlay', 'overlay', '-o', `${base},nosuid,nodev`, dirs.merged]).catch((err: unknown) => {
      throw new Error(`cannot mount the input overlay at ${dirs.merged}: ${describe(err)}`, { cause: err });
    });
  }
  const overlay: InputOverlay = {
    merged: dirs.merged,
    async unmount() {
      await run(options.umountProgram ?? UMOUNT_PROGRAM, [dirs.merged]).catch((err: unknown) => {
        throw new Error(`cannot unmount the input overlay at ${dirs.merged}: ${describe(err)}`, { cause: err });
      });
    },
  };
  try {
    giveTree(dirs.merged, owner.uid, owner.gid);
  } catch (err) {
    await overlay.unmount().catch(() => {});
    throw err;
  }
  return overlay;
}

/** Makes every entry under `dir` (and `dir`) owned by uid:gid, files owner-writable, directories 0755. */
function giveTree(dir: string, uid: number, gid: number): void {
  lchownSync(dir, uid, gid);
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      giveTree(path, uid, gid);
    } else {
      lchownSync(path, uid, gid);
      if (entry.isFile()) chmodSync(path, (lstatSync(path).mode & 0o777) | 0o200);
    }
  }
}

function describe(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') return stderr.trim();
  return err instanceof Error ? err.message : String(err);
}
