import { readFileSync } from 'node:fs';

/** A process's memory as the kernel reports it in /proc/<pid>/status. */
export interface ProcessMemory {
  /** VmRSS: resident set size now. */
  readonly rssBytes: number;
  /** VmHWM: the highest RSS since the process started (the kernel's own peak, no sampling gaps). */
  readonly peakRssBytes: number;
}

/**
 * Parses the VmRSS and VmHWM lines ("VmRSS:\t  81234 kB") of a
 * /proc/<pid>/status text. Throws naming the missing field, which is what
 * a zombie or kernel thread's status looks like.
 */
export function parseProcessMemory(statusText: string): ProcessMemory {
  return { rssBytes: field(statusText, 'VmRSS'), peakRssBytes: field(statusText, 'VmHWM') };
}

/** Reads {@link ProcessMemory} of a live process. */
export function readProcessMemory(pid: number): ProcessMemory {
  return parseProcessMemory(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

function field(statusText: string, name: string): number {
  const match = new RegExp(`^${name}:\\s*(\\d+) kB$`, 'm').exec(statusText);
  if (match === null) throw new Error(`/proc/<pid>/status has no "${name}: <n> kB" line`);
  return Number(match[1]) * 1024;
}
