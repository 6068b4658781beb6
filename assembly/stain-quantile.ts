// Exact percentile of a buffer of f64 (the candidates a histogram pass narrowed down), with numpy's
// default 'linear' interpolation between order statistics.

// @ts-ignore: decorator
@inline function at(values: usize, index: i32): f64 {
  return load<f64>(values + (<usize>index << 3));
}

// @ts-ignore: decorator
@inline function swap(values: usize, i: i32, j: i32): void {
  const a = values + (<usize>i << 3), b = values + (<usize>j << 3);
  const t = load<f64>(a);
  store<f64>(a, load<f64>(b));
  store<f64>(b, t);
}

/** Reorders values[0..count) so values[k] is the k-th smallest, smaller ones before it (Hoare quickselect). */
function selectInPlace(values: usize, count: i32, k: i32): void {
  let lo: i32 = 0, hi: i32 = count - 1;
  while (hi > lo) {
    // Median of three as pivot, moved into place so the partition stays inside [lo, hi].
    const mid = lo + ((hi - lo) >> 1);
    if (at(values, mid) < at(values, lo)) swap(values, mid, lo);
    if (at(values, hi) < at(values, lo)) swap(values, hi, lo);
    if (at(values, hi) < at(values, mid)) swap(values, hi, mid);
    const pivot = at(values, mid);
    let i = lo, j = hi;
    while (i <= j) {
      while (at(values, i) < pivot) i++;
      while (at(values, j) > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return; // j < k < i: values[k] equals the pivot and is in place
  }
}

/**
 * The value at fractional rank `position` (0-based; numpy 'linear': v[k] + (v[k+1] - v[k]) * t,
 * k = floor(position), t = position - k) among `count` f64 at `values` (caller-owned; reordered).
 * The caller guarantees 0 <= position <= count - 1 and finite values.
 */
export function selectQuantile(values: usize, count: i32, position: f64): f64 {
  const k = <i32>Math.floor(position);
  const t = position - <f64>k;
  selectInPlace(values, count, k);
  const below = at(values, k);
  if (t == 0 || k + 1 >= count) return below;
  // Everything after index k is >= values[k]: the next order statistic is their minimum.
  let above = at(values, k + 1);
  for (let i = k + 2; i < count; i++) above = min(above, at(values, i));
  // numpy's _lerp: interpolate from the nearer end for symmetry.
  const difference = above - below;
  return t >= 0.5 ? above - difference * (1 - t) : below + difference * t;
}

/**
 * Writes to `out` (u32, caller-owned, room for `capacity`) the indices i of the `count` u16 bins
 * at `bins` with lo <= bins[i] <= hi, in increasing order, at most `capacity` of them; returns
 * how many it wrote. A SIMD scan: the bins in range are few.
 */
export function binIndices(bins: usize, count: i32, lo: i32, hi: i32, out: usize, capacity: i32): i32 {
  const low = i16x8.splat(<i16>lo), high = i16x8.splat(<i16>hi);
  let written: i32 = 0;
  let i: i32 = 0;
  for (; i + 8 <= count; i += 8) {
    const lanes = v128.load(bins + (<usize>i << 1));
    if (!v128.any_true(v128.and(i16x8.ge_u(lanes, low), i16x8.le_u(lanes, high)))) continue;
    for (let j = i; j < i + 8; j++) written = keepIndex(bins, j, lo, hi, out, written, capacity);
  }
  for (; i < count; i++) written = keepIndex(bins, i, lo, hi, out, written, capacity);
  return written;
}

// @ts-ignore: decorator
@inline function keepIndex(bins: usize, i: i32, lo: i32, hi: i32, out: usize, written: i32, capacity: i32): i32 {
  const bin = <i32>load<u16>(bins + (<usize>i << 1));
  if (bin < lo || bin > hi || written >= capacity) return written;
  store<u32>(out + (<usize>written << 2), i);
  return written + 1;
}
