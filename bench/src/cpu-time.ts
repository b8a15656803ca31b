import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** CLK_TCK, the unit of /proc/<pid>/stat's times (`getconf CLK_TCK`, 100 on Linux unless it fails). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * User plus system CPU seconds a process has used so far, all its threads
 * together (fields utime and stime of /proc/<pid>/stat). The command name
 * may contain spaces and parentheses, so fields are counted after its last ')'.
 */
export function parseCpuSeconds(statText: string, ticks: number): number {
  const close = statText.lastIndexOf(')');
  if (close < 0) throw new Error('/proc/<pid>/stat has no "(comm)" field');
  // After ')': state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
  const fields = statText.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('/proc/<pid>/stat has no numeric utime and stime');
  return (utime + stime) / ticks;
}

/** CPU seconds used so far by process `pid`. */
export function processCpuSeconds(pid: number): number {
  return parseCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'), clockTicksPerSecond());
}

/** CPU seconds used so far by this process (the benchmark's client). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
