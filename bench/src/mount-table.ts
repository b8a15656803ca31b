import { readFileSync } from 'node:fs';

/** One line of /proc/mounts. */
export interface Mount {
  readonly device: string;
  /** Unescaped (/proc/mounts writes a space as \040 and so on). */
  readonly mountPoint: string;
  readonly type: string;
}

/** Parses /proc/mounts text (this process's mount namespace unless given). */
export function readMounts(text = readFileSync('/proc/mounts', 'utf8')): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, rawMountPoint, type] = line.split(' ');
    if (device === undefined || rawMountPoint === undefined || type === undefined) continue;
    const mountPoint = rawMountPoint.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    mounts.push({ device, mountPoint, type });
  }
  return mounts;
}

/** Mount points strictly inside `directory`, deepest first (the order to unmount them in). */
export function mountsInside(directory: string, mounts: readonly Mount[]): string[] {
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  return mounts
    .map((m) => m.mountPoint)
    .filter((point) => point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}
