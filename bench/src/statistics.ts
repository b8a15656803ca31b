/**
 * The summary statistics the benchmarks quote. Medians, not means: on a
 * shared, noisy machine one run slowed by someone else's build should not
 * move the quoted number.
 */

/** The median of `values` (the mean of the middle two for an even count); throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list of measurements');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Bytes per second expressed in MB/s (10^6 bytes, as disks and `dd` report it). */
export function megabytesPerSecond(bytes: number, seconds: number): number {
  if (!(seconds > 0)) throw new Error(`cannot compute a rate over ${seconds} seconds`);
  return bytes / seconds / 1e6;
}
