import { readFileSync } from 'node:fs';

/** CLK_TCK on Linux: the unit of /proc/<pid>/stat's times (100 on every architecture Linux runs actiond on). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) used so far by process `pid` and by the
 * children it has waited for, with their own waited-for descendants
 * (fields utime, stime, cutime and cstime of /proc/<pid>/stat). For the
 * server that is the Node process plus every sandbox helper it reaped and
 * the actions those reaped: the whole cost of an Execute on this machine.
 */
export function processTreeCpuSeconds(pid: number, statText = readFileSync(`/proc/${pid}/stat`, 'utf8')): number {
  return cpuTimes(statText).reduce((a, b) => a + b, 0) / TICKS_PER_SECOND;
}

/**
 * CPU seconds (user + system, every thread) used so far by process `pid`
 * alone, without its reaped children (utime and stime of /proc/<pid>/stat):
 * for the server, the Node process's own part of the work, which the
 * sandboxes' share would otherwise drown.
 */
export function processCpuSeconds(pid: number, statText = readFileSync(`/proc/${pid}/stat`, 'utf8')): number {
  const [utime, stime] = cpuTimes(statText);
  return (utime! + stime!) / TICKS_PER_SECOND;
}

/** utime, stime, cutime and cstime of a /proc/<pid>/stat line, in ticks. */
function cpuTimes(statText: string): number[] {
  const close = statText.lastIndexOf(')');
  if (close < 0) throw new Error('/proc/<pid>/stat has no "(comm)" field');
  // After ')': state is field 3, so utime..cstime (14..17) are at indexes 11..14.
  const fields = statText.slice(close + 2).split(' ').slice(11, 15).map(Number);
  if (fields.length !== 4 || fields.some((n) => !Number.isFinite(n))) throw new Error('/proc/<pid>/stat has no numeric utime, stime, cutime and cstime');
  return fields;
}
