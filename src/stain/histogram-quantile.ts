/**
 * Where the order statistics of a percentile sit in a histogram: the exact percentile needs the
 * values of ranks floor(position) and floor(position) + 1, which lie in bins
 * [lowBin, highBin]; `rankOffset` values sit in earlier bins, `candidates` in the range.
 */
export interface QuantileBins {
  lowBin: number;
  highBin: number;
  rankOffset: number;
  candidates: number;
  /** The fractional rank among the candidates (numpy 'linear' position minus rankOffset). */
  candidatePosition: number;
}

/**
 * Locates the fractional rank `position` (0-based, 0 <= position <= total - 1) in `histogram`
 * (counts per bin, summing to `total`). The histogram is only read.
 */
export function quantileBins(histogram: Uint32Array, position: number): QuantileBins {
  const lowRank = Math.floor(position);
  let total = 0;
  for (let bin = 0; bin < histogram.length; bin++) total += histogram[bin];
  const highRank = Math.min(lowRank + 1, total - 1);
  let lowBin = -1;
  let highBin = -1;
  let rankOffset = 0;
  let seen = 0;
  for (let bin = 0; bin < histogram.length && highBin < 0; bin++) {
    const count = histogram[bin];
    if (lowBin < 0 && lowRank < seen + count) {
      lowBin = bin;
      rankOffset = seen;
    }
    if (highRank < seen + count) highBin = bin;
    seen += count;
  }
  let candidates = 0;
  for (let bin = lowBin; bin <= highBin; bin++) candidates += histogram[bin];
  return { lowBin, highBin, rankOffset, candidates, candidatePosition: position - rankOffset };
}

/** numpy's default ('linear') fractional rank of the `percent` (0..100) percentile among `count` values. */
export function percentilePosition(count: number, percent: number): number {
  return ((count - 1) * percent) / 100;
}
