/** Median, min and max of repeated measurements, plus how many there were. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Spread of `samples` (any unit; the caller names it). Throws on an empty list: nothing was measured. */
export function spreadOf(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new RangeError('spreadOf: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/**
 * The `percent`-th percentile of ascending `sorted` values, interpolating linearly between order
 * statistics (numpy's default), so the median of an even count is the mean of the middle two.
 */
export function percentile(sorted: readonly number[], percent: number): number {
  if (sorted.length === 0) throw new RangeError('percentile: no values');
  const position = (percent / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** A spread of rates from a spread of durations: rate = work / duration (min and max swap). */
export function rateSpread(durations: Spread, work: number): Spread {
  return { median: work / durations.median, min: work / durations.max, max: work / durations.min, runs: durations.runs };
}
