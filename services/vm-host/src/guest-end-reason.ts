/** What the host observed when a VM ended. */
export interface GuestEndFacts {
  /** The hypervisor process's exit status, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** serve-vm ended it itself (kill after the stop grace, or a crash test). */
  readonly killedByHost: boolean;
  /** The console lines still kept, oldest first. */
  readonly consoleLines: readonly string[];
  /** The last line the hypervisor printed on its own stderr, if any. */
  readonly hypervisorError: string | undefined;
}

const INIT_FATAL = /^actiond-init: FATAL (.*)$/;
const GUEST_FATAL = /^actiond-guest: FATAL (.*)$/;
const GUEST_ENDED = /^actiond-init: guest \(pid \d+\) (exited with status \d+|was killed by signal .*)$/;
const KERNEL_PANIC = /Kernel panic - not syncing: (.*)$/;

/**
 * One line saying why a VM ended, from what the console and the hypervisor
 * showed: /init's FATAL line (a boot that could not mount its disks), a
 * kernel panic, the guest worker's own FATAL line or exit status, or the
 * hypervisor's error. The most specific evidence wins.
 */
export function guestEndReason(facts: GuestEndFacts): string {
  const last = (pattern: RegExp) => facts.consoleLines.findLast((line) => pattern.test(line))?.match(pattern)?.[1];
  if (facts.killedByHost) return 'killed by serve-vm';
  if (facts.signal !== null) return `the hypervisor was killed by ${facts.signal}`;
  const initFatal = last(INIT_FATAL);
  if (initFatal !== undefined) return `the guest could not boot: ${initFatal}`;
  const panic = last(KERNEL_PANIC);
  if (panic !== undefined) return `the guest kernel panicked: ${panic}`;
  const guestEnded = last(GUEST_ENDED);
  const guestFatal = last(GUEST_FATAL);
  if (guestEnded !== undefined) return `the guest worker ${guestEnded}${guestFatal === undefined ? '' : `: ${guestFatal}`}`;
  if (guestFatal !== undefined) return `the guest worker failed: ${guestFatal}`;
  if (facts.code === 0) return 'the guest powered off';
  return `the hypervisor exited with status ${facts.code}${facts.hypervisorError === undefined ? '' : `: ${facts.hypervisorError}`}`;
}
