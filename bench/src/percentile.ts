/**
 * The p-th percentile of `values` by the nearest-rank method: the smallest
 * value that at least p% of the values are less than or equal to. No
 * interpolation, so the result is always a latency that really happened.
 * Throws on an empty list or a p outside (0, 100].
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list of measurements');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}
