import type { Interval } from './measurement.ts';

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) that the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  /** Microseconds on the monotonic clock. */
  readonly startTime: number;
  readonly endTime: number;
  /** Node id of each sample. */
  readonly samples: readonly number[];
  /** Microseconds from the previous sample (the first: from startTime). */
  readonly timeDeltas: readonly number[];
}

/** Self time of one function within the selected intervals. */
export interface FrameTime {
  /** `name path:line`, paths relative to `sourceRoot`. */
  readonly frame: string;
  readonly selfMs: number;
  /** Share of the busy (non-idle) time, 0..1. */
  readonly share: number;
}

/** Where the server's CPU time went during some intervals. */
export interface ProfileSummary {
  /** Time covered by samples in the intervals, ms. */
  readonly sampledMs: number;
  /** Of which the main thread was idle (waiting for I/O or the network), ms. */
  readonly idleMs: number;
  /** The functions with the most self time, most first. */
  readonly top: readonly FrameTime[];
}

/**
 * Adds up self time per function for the samples that fall inside any of
 * `intervals` (nanoseconds on the monotonic clock, the clock V8 stamps
 * samples with, in microseconds). A sample accounts for the time until the
 * next one. Functions are merged by name and location across call paths.
 */
export function summarizeProfile(profile: CpuProfile, intervals: readonly Interval[], sourceRoot: string, limit = 12): ProfileSummary {
  const labels = new Map<number, string>();
  for (const node of profile.nodes) labels.set(node.id, frameLabel(node.callFrame, sourceRoot));
  const ranges = intervals.map((i) => [Number(i.startNs / 1000n), Number(i.endNs / 1000n)] as const);
  const self = new Map<string, number>();
  let sampledUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (!ranges.some(([start, end]) => t >= start && t < end)) continue;
    const label = labels.get(profile.samples[i]!) ?? '(unknown)';
    self.set(label, (self.get(label) ?? 0) + duration);
    sampledUs += duration;
  }
  const idleUs = self.get('(idle)') ?? 0;
  self.delete('(idle)');
  const busyUs = sampledUs - idleUs;
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([frame, us]) => ({ frame, selfMs: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return { sampledMs: sampledUs / 1000, idleMs: idleUs / 1000, top };
}

/** Whether the profile's clock covers `intervals` at all (it should, unless the clocks differ). */
export function profileCovers(profile: CpuProfile, intervals: readonly Interval[]): boolean {
  return intervals.every((i) => Number(i.startNs / 1000n) >= profile.startTime && Number(i.endNs / 1000n) <= profile.endTime);
}

function frameLabel(callFrame: CpuProfile['nodes'][number]['callFrame'], sourceRoot: string): string {
  const name = callFrame.functionName === '' ? '(anonymous)' : callFrame.functionName;
  if (callFrame.url === '') return name; // (program), (garbage collector), (idle), native code
  let path = callFrame.url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) path = path.slice(modules + '/node_modules/'.length).replace(/^\.pnpm\/[^/]+\/node_modules\//, '');
  else if (path.startsWith(`${sourceRoot}/`)) path = path.slice(sourceRoot.length + 1);
  return `${name} ${path}:${callFrame.lineNumber + 1}`;
}
