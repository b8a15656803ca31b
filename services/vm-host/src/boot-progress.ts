/** The steps of one boot, in order, as the host can see them. */
export type BootPhase = 'hypervisor' | 'kernel' | 'init' | 'disks' | 'worker' | 'probe' | 'ready';

/** What each phase means, for progress displays. */
export const BOOT_PHASE_TEXT: Record<BootPhase, string> = {
  hypervisor: 'starting the hypervisor',
  kernel: 'booting the kernel',
  init: 'init: mounting filesystems',
  disks: 'init: CAS disk mounted',
  worker: 'starting the guest worker',
  probe: 'checking the guest answers GetCapabilities',
  ready: 'ready',
};

/** One step reached during a boot. */
export interface BootProgress {
  /** 1 for the first boot, then one more for each restart. */
  readonly boot: number;
  readonly phase: BootPhase;
  /** Since this boot began. */
  readonly elapsedMs: number;
}

/**
 * The phase a console line announces, if any (the lines /init prints; see
 * vm/README.md). The kernel phase begins when the hypervisor runs, the probe
 * phase when the worker reports it listens.
 */
export function phaseOfConsoleLine(line: string): BootPhase | undefined {
  if (line === 'actiond-init: starting') return 'init';
  if (line.startsWith('actiond-init: mounted CAS disk')) return 'disks';
  if (line.startsWith('actiond-init: started guest')) return 'worker';
  return undefined;
}

/** How long each phase of a boot took, for the "ready in" line. */
export interface BootTimings {
  readonly boot: number;
  readonly totalMs: number;
  /** Milliseconds from the start of the boot at which each phase was reached. */
  readonly reachedMs: Partial<Record<BootPhase, number>>;
}

/** "4.2 s (kernel 1.5 s, init 0.2 s, worker 2.1 s, probe 0.4 s)". */
export function formatBootTimings(timings: BootTimings): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const at = timings.reachedMs;
  const spans: string[] = [];
  const span = (label: string, from: BootPhase, to: BootPhase) => {
    const a = at[from];
    const b = at[to];
    if (a !== undefined && b !== undefined) spans.push(`${label} ${seconds(b - a)}`);
  };
  span('kernel', 'kernel', 'init');
  span('init', 'init', 'worker');
  span('worker', 'worker', 'probe');
  span('probe', 'probe', 'ready');
  return `${seconds(timings.totalMs)}${spans.length > 0 ? ` (${spans.join(', ')})` : ''}`;
}
