import { readdirSync, readFileSync } from 'node:fs';
import { processTreeCpuSeconds } from './process-cpu.ts';

/** The pids of the live children of `pid` (every thread's), from /proc; none once it is gone. */
export function liveChildren(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const task of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text !== '') children.push(...text.split(' ').map(Number));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return children;
}

/**
 * CPU seconds used so far by `pid` and everything below it: its own and its
 * reaped children's (processTreeCpuSeconds), plus the same for each child
 * still alive, recursively. A server's sandbox launcher lives as long as the
 * server, so the helpers and actions it reaps show in its times only, never
 * in the server's: without this the launcher's part of an Execute is not
 * counted at all. A process that ends between the reads may be missed.
 */
export function serverTreeCpuSeconds(pid: number): number {
  let total = 0;
  try {
    total = processTreeCpuSeconds(pid);
  } catch {
    return 0;
  }
  for (const child of liveChildren(pid)) total += serverTreeCpuSeconds(child);
  return total;
}
