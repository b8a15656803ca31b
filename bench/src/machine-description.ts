import { availableParallelism } from 'node:os';
import { readFileSync, realpathSync } from 'node:fs';
import { readMounts, type Mount } from './mount-table.ts';

/** What the report says about the machine a benchmark ran on. */
export interface MachineDescription {
  /** CPUs this process may use (`nproc`). */
  readonly cpus: number;
  /** "model name" of /proc/cpuinfo. */
  readonly cpuModel: string;
  readonly nodeVersion: string;
  /** `ext4 on /dev/vda (mounted at /)`: the filesystem holding the benchmark's directory. */
  readonly filesystem: string;
  /** Total memory from /proc/meminfo, bytes. */
  readonly memoryBytes: number;
  /** The 1-minute load average when the benchmark started: how busy the shared machine was. */
  readonly loadAverageAtStart: string;
}

/** Describes this machine and the filesystem of `directory`. */
export function describeMachine(directory: string): MachineDescription {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  return {
    cpus: availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    nodeVersion: process.version,
    filesystem: filesystemOf(directory),
    memoryBytes: Number(/^MemTotal:\s*(\d+) kB$/m.exec(meminfo)?.[1] ?? 0) * 1024,
    loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

/** The mount with the longest mount point containing `directory`, from /proc/mounts. */
export function filesystemOf(directory: string, mounts: readonly Mount[] = readMounts()): string {
  const path = realpathSync(directory);
  let best: Mount | undefined;
  for (const mount of mounts) {
    const { mountPoint } = mount;
    const contains = mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`);
    if (contains && (best === undefined || mountPoint.length >= best.mountPoint.length)) best = mount;
  }
  return best === undefined ? 'unknown' : `${best.type} on ${best.device} (mounted at ${best.mountPoint})`;
}
