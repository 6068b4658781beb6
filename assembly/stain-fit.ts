// The pixel passes of a Macenko stain fit (Macenko et al., ISBI 2009). The small 3x3 / 2x3
// algebra between the passes (eigenvectors, stain vectors, least-squares unmixing) runs in JS
// (src/stain/macenko-fit.ts). Only the first pass reads the frame:
//   1. stainDarkPixels: streams over the sampled pixels of a region (see stain-pixels.ts), four at
//      a time. A smear frame is mostly bright background, so it first tests the raw bytes: pixels
//      with every channel at or above `listBelow` are only counted (by the caller, as sampled minus
//      listed); the others are appended to a compact list of pixel words (R | G << 8 | B << 16,
//      KEPT_FLAG when kept). Kept pixels (every channel below `keptBelow`, which is exactly OD >= beta
//      in all channels, see opticalDensityBelow) add to the OD sums and cross-products.
//   2. stainAngleBins: each kept list entry's angle in the PCA plane, binned; the bin of every list
//      entry is stored (u16) so the exact percentile needs no further pass
//   3. stainConcentrationBins: the same for the least-squares concentrations of the list entries
// stain-quantile.ts then finds the entries in the bins that hold the wanted order statistics and
// stainAngleValues / stainConcentrationValues compute their exact (f64) values from the list.
// The OD table must be prepared for the fit's Io before any of these run.

import { opticalDensity } from './od';
import { channelOd4, laneAddress, pixelWord, sampledColumns } from './stain-pixels';

/** Bit of a list word marking a kept pixel (OD >= beta in all channels); above the B byte. */
const KEPT_FLAG: u32 = 1 << 24;
/** f32x4 partial sums are flushed into f64 every this many groups of four, bounding rounding. */
const FLUSH_GROUPS: i32 = 16;

// @ts-ignore: decorator
@inline function addLanes(sums: usize, slot: i32, lanes: v128): void {
  const at = sums + (<usize>slot << 3);
  store<f64>(at, load<f64>(at) + (<f64>f32x4.extract_lane(lanes, 0) + <f64>f32x4.extract_lane(lanes, 1)) +
    (<f64>f32x4.extract_lane(lanes, 2) + <f64>f32x4.extract_lane(lanes, 3)));
}

/** Lanes whose R, G and B bytes are all below `limit` (0..256) get all ones; alpha is ignored. */
// @ts-ignore: decorator
@inline function allChannelsBelow(words: v128, limit: i32): v128 {
  if (limit > 255) return i32x4.splat(-1);
  const rgb = i32x4.splat(0x00ffffff);
  return i32x4.eq(v128.and(i8x16.lt_u(words, i8x16.splat(<i8>limit)), rgb), rgb);
}

/** Lanes with at least one of R, G, B below `limit` (0..256) get all ones. */
// @ts-ignore: decorator
@inline function anyChannelBelow(words: v128, limit: i32): v128 {
  if (limit > 255) return i32x4.splat(-1);
  return v128.not(i32x4.eq(v128.and(i8x16.lt_u(words, i8x16.splat(<i8>limit)), i32x4.splat(0x00ffffff)), i32x4.splat(0)));
}

/** Appends `word` to the list at `list` when `listed` (0 or -1); returns the new count. */
// @ts-ignore: decorator
@inline function appendWord(list: usize, count: i32, word: i32, listed: i32): i32 {
  // Branch-free: always store, advance only for listed lanes (the list has 4 words of slack).
  store<i32>(list + (<usize>count << 2), word);
  return count + (listed & 1);
}

/**
 * Pass 1 (see the file comment). keptBelow: 0..256, a channel value v is stained when v <
 * keptBelow; listBelow: keptBelow..256 (256 lists every pixel). Writes 10 f64 to `sums`
 * (caller-owned): kept pixel count, sum of OD (R, G, B), then the sums of products RR, RG, RB,
 * GG, GB, BB over the kept pixels; appends the listed pixels' words to `list` (caller-owned u32,
 * room for every sampled pixel plus 4). Returns how many it listed.
 */
export function stainDarkPixels(
  origin: usize, rowBytes: i32, channels: i32, columns: i32, rows: i32, pixelStride: i32,
  keptBelow: i32, listBelow: i32, sums: usize, list: usize,
): i32 {
  memory.fill(sums, 0, 80);
  const perRow = sampledColumns(columns, pixelStride);
  const step = <usize>(pixelStride * channels);
  // RGBA8 at stride 1: four pixels are one 16-byte load.
  const contiguous = channels == 4 && pixelStride == 1;
  const ones = f32x4.splat(1), rgb = i32x4.splat(0x00ffffff), keptFlag = i32x4.splat(KEPT_FLAG);
  let count = f32x4.splat(0), sR = count, sG = count, sB = count;
  let sRR = count, sRG = count, sRB = count, sGG = count, sGB = count, sBB = count;
  let groups: i32 = 0;
  let listed: i32 = 0;
  for (let row: i32 = 0; row < rows; row += pixelStride) {
    const rowStart = origin + <usize>row * <usize>rowBytes;
    for (let column: i32 = 0; column < perRow; column += 4) {
      const valid = min(perRow - column, 4);
      const p0 = rowStart + <usize>column * step;
      let words: v128;
      if (contiguous && valid == 4) {
        words = v128.load(p0);
      } else {
        words = i32x4.splat(pixelWord(p0, channels));
        words = i32x4.replace_lane(words, 1, pixelWord(laneAddress(p0, step, 1, valid), channels));
        words = i32x4.replace_lane(words, 2, pixelWord(laneAddress(p0, step, 2, valid), channels));
        words = i32x4.replace_lane(words, 3, pixelWord(laneAddress(p0, step, 3, valid), channels));
      }
      // Lanes past the row end repeat the last pixel: never listed, never kept.
      const inRow = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(valid));
      const listedLanes = v128.and(anyChannelBelow(words, listBelow), inRow);
      if (!v128.any_true(listedLanes)) continue;
      const kept = v128.and(allChannelsBelow(words, keptBelow), inRow);
      if (v128.any_true(kept)) {
        const w0 = <u32>i32x4.extract_lane(words, 0), w1 = <u32>i32x4.extract_lane(words, 1);
        const w2 = <u32>i32x4.extract_lane(words, 2), w3 = <u32>i32x4.extract_lane(words, 3);
        const odR = v128.and(channelOd4(w0, w1, w2, w3, 0), kept);
        const odG = v128.and(channelOd4(w0, w1, w2, w3, 8), kept);
        const odB = v128.and(channelOd4(w0, w1, w2, w3, 16), kept);
        count = f32x4.add(count, v128.and(ones, kept));
        sR = f32x4.add(sR, odR); sG = f32x4.add(sG, odG); sB = f32x4.add(sB, odB);
        sRR = f32x4.add(sRR, f32x4.mul(odR, odR)); sRG = f32x4.add(sRG, f32x4.mul(odR, odG));
        sRB = f32x4.add(sRB, f32x4.mul(odR, odB)); sGG = f32x4.add(sGG, f32x4.mul(odG, odG));
        sGB = f32x4.add(sGB, f32x4.mul(odG, odB)); sBB = f32x4.add(sBB, f32x4.mul(odB, odB));
        if (++groups == FLUSH_GROUPS) {
          groups = 0;
          addLanes(sums, 0, count); addLanes(sums, 1, sR); addLanes(sums, 2, sG); addLanes(sums, 3, sB);
          addLanes(sums, 4, sRR); addLanes(sums, 5, sRG); addLanes(sums, 6, sRB);
          addLanes(sums, 7, sGG); addLanes(sums, 8, sGB); addLanes(sums, 9, sBB);
          count = f32x4.splat(0); sR = count; sG = count; sB = count;
          sRR = count; sRG = count; sRB = count; sGG = count; sGB = count; sBB = count;
        }
      }
      const entries = v128.or(v128.and(words, rgb), v128.and(kept, keptFlag));
      listed = appendWord(list, listed, i32x4.extract_lane(entries, 0), i32x4.extract_lane(listedLanes, 0));
      listed = appendWord(list, listed, i32x4.extract_lane(entries, 1), i32x4.extract_lane(listedLanes, 1));
      listed = appendWord(list, listed, i32x4.extract_lane(entries, 2), i32x4.extract_lane(listedLanes, 2));
      listed = appendWord(list, listed, i32x4.extract_lane(entries, 3), i32x4.extract_lane(listedLanes, 3));
    }
  }
  addLanes(sums, 0, count); addLanes(sums, 1, sR); addLanes(sums, 2, sG); addLanes(sums, 3, sB);
  addLanes(sums, 4, sRR); addLanes(sums, 5, sRG); addLanes(sums, 6, sRB);
  addLanes(sums, 7, sGG); addLanes(sums, 8, sGB); addLanes(sums, 9, sBB);
  return listed;
}

/** List word `first + lane`; lanes at or past `valid` repeat the last valid entry. */
// @ts-ignore: decorator
@inline function listWord(list: usize, first: i32, lane: i32, valid: i32): u32 {
  return load<u32>(list + (<usize>(first + min(lane, valid - 1)) << 2));
}

/**
 * A value monotone in atan2(y, x) over (-pi, pi] with the same cut, in [-2, 2], for four lanes:
 * the bins of the angle histogram without a per-pixel atan2.
 */
// @ts-ignore: decorator
@inline function pseudoAngle4(x: v128, y: v128): v128 {
  const sum = f32x4.add(f32x4.abs(x), f32x4.abs(y));
  const zero = f32x4.splat(0);
  const ratio = v128.bitselect(zero, f32x4.div(y, sum), f32x4.eq(sum, zero)); // atan2(0, 0) = 0
  const leftHalf = v128.bitselect(
    f32x4.sub(f32x4.splat(2), ratio), f32x4.sub(f32x4.splat(-2), ratio), f32x4.ge(y, zero),
  );
  return v128.bitselect(leftHalf, ratio, f32x4.lt(x, zero));
}

/**
 * Bin of four values: (value - lowest) * binsPerUnit rounded to nearest, clamped to [0, bins - 1]
 * (a NaN lands in bin 0; pmax(0, x) returns 0 for it). Any monotone binning serves the exact
 * percentiles; rounding through 1.5 * 2^23 avoids the costly trunc_sat.
 */
// @ts-ignore: decorator
@inline function bins4(values: v128, lowest: f32, binsPerUnit: f32, bins: i32): v128 {
  const scaled = f32x4.mul(f32x4.sub(values, f32x4.splat(lowest)), f32x4.splat(binsPerUnit));
  const clamped = f32x4.pmin(f32x4.splat(<f32>(bins - 1)), f32x4.pmax(f32x4.splat(0), scaled));
  return i32x4.sub(f32x4.add(clamped, f32x4.splat(12582912.0)), f32x4.splat(12582912.0));
}

/** Stores the bins of the valid lanes at `out` (u16 each) and counts them in `histogram` (u32 per bin). */
// @ts-ignore: decorator
@inline function recordBins(binLanes: v128, valid: i32, out: usize, histogram: usize): void {
  if (valid == 4) {
    v128.store64_lane(out, i16x8.narrow_i32x4_u(binLanes, binLanes), 0);
  } else {
    store<u16>(out, <u16>i32x4.extract_lane(binLanes, 0));
    if (valid > 1) store<u16>(out, <u16>i32x4.extract_lane(binLanes, 1), 2);
    if (valid > 2) store<u16>(out, <u16>i32x4.extract_lane(binLanes, 2), 4);
  }
  countBin(histogram, i32x4.extract_lane(binLanes, 0));
  if (valid > 1) countBin(histogram, i32x4.extract_lane(binLanes, 1));
  if (valid > 2) countBin(histogram, i32x4.extract_lane(binLanes, 2));
  if (valid > 3) countBin(histogram, i32x4.extract_lane(binLanes, 3));
}

// @ts-ignore: decorator
@inline function countBin(histogram: usize, bin: i32): void {
  const slot = histogram + (<usize>bin << 2);
  store<u32>(slot, load<u32>(slot) + 1);
}

/**
 * Angle pass over the `count` list words at `list`: plane = 6 f64 (v1 then v2, unit vectors
 * spanning the PCA plane; phi = atan2(OD . v2, OD . v1)). For every entry, writes to `binsOut`
 * (u16 per entry, caller-owned) the bin of its pseudo-angle over [-2, 2] in `bins` bins (bins <=
 * 65535), or `bins` itself when the pixel is not kept; `histogram` (bins + 1 u32, caller-owned,
 * zeroed here) gets the counts, the last slot counting entries not kept.
 */
export function stainAngleBins(list: usize, count: i32, plane: usize, bins: i32, histogram: usize, binsOut: usize): void {
  memory.fill(histogram, 0, <usize>(bins + 1) << 2);
  const x0 = f32x4.splat(<f32>load<f64>(plane)), x1 = f32x4.splat(<f32>load<f64>(plane, 8));
  const x2 = f32x4.splat(<f32>load<f64>(plane, 16)), y0 = f32x4.splat(<f32>load<f64>(plane, 24));
  const y1 = f32x4.splat(<f32>load<f64>(plane, 32)), y2 = f32x4.splat(<f32>load<f64>(plane, 40));
  const notKept = i32x4.splat(bins), keptFlag = i32x4.splat(KEPT_FLAG);
  const binsPerUnit = <f32>bins / 4;
  let out = binsOut;
  for (let first: i32 = 0; first < count; first += 4) {
    const valid = min(count - first, 4);
    const w0 = listWord(list, first, 0, valid), w1 = listWord(list, first, 1, valid);
    const w2 = listWord(list, first, 2, valid), w3 = listWord(list, first, 3, valid);
    let words = i32x4.splat(w0);
    words = i32x4.replace_lane(words, 1, w1);
    words = i32x4.replace_lane(words, 2, w2);
    words = i32x4.replace_lane(words, 3, w3);
    const kept = i32x4.ne(v128.and(words, keptFlag), i32x4.splat(0));
    const odR = channelOd4(w0, w1, w2, w3, 0), odG = channelOd4(w0, w1, w2, w3, 8), odB = channelOd4(w0, w1, w2, w3, 16);
    const x = f32x4.add(f32x4.add(f32x4.mul(odR, x0), f32x4.mul(odG, x1)), f32x4.mul(odB, x2));
    const y = f32x4.add(f32x4.add(f32x4.mul(odR, y0), f32x4.mul(odG, y1)), f32x4.mul(odB, y2));
    const binLanes = v128.bitselect(bins4(pseudoAngle4(x, y), -2, binsPerUnit, bins), notKept, kept);
    recordBins(binLanes, valid, out, histogram);
    out += <usize>valid << 1;
  }
}

/**
 * Concentration pass over the `count` list words at `list` (kept or not): unmix = 6 f64 (row h
 * then row e of pinv(S^T)), lowest = 2 f64 and binsPerUnit = 2 f64 (per stain). Writes each
 * entry's h bin to `binsH` and e bin to `binsE` (u16 per entry, caller-owned) and counts them in
 * `histograms` (2 x (bins + 1) u32, h then e, caller-owned, zeroed here).
 */
export function stainConcentrationBins(
  list: usize, count: i32, unmix: usize, lowest: usize, binsPerUnit: usize, bins: i32, histograms: usize,
  binsH: usize, binsE: usize,
): void {
  memory.fill(histograms, 0, <usize>(bins + 1) << 3);
  const h0 = f32x4.splat(<f32>load<f64>(unmix)), h1 = f32x4.splat(<f32>load<f64>(unmix, 8));
  const h2 = f32x4.splat(<f32>load<f64>(unmix, 16)), e0 = f32x4.splat(<f32>load<f64>(unmix, 24));
  const e1 = f32x4.splat(<f32>load<f64>(unmix, 32)), e2 = f32x4.splat(<f32>load<f64>(unmix, 40));
  const lowH = <f32>load<f64>(lowest), lowE = <f32>load<f64>(lowest, 8);
  const scaleH = <f32>load<f64>(binsPerUnit), scaleE = <f32>load<f64>(binsPerUnit, 8);
  const histogramH = histograms, histogramE = histograms + (<usize>(bins + 1) << 2);
  let outH = binsH, outE = binsE;
  for (let first: i32 = 0; first < count; first += 4) {
    const valid = min(count - first, 4);
    const w0 = listWord(list, first, 0, valid), w1 = listWord(list, first, 1, valid);
    const w2 = listWord(list, first, 2, valid), w3 = listWord(list, first, 3, valid);
    const odR = channelOd4(w0, w1, w2, w3, 0), odG = channelOd4(w0, w1, w2, w3, 8), odB = channelOd4(w0, w1, w2, w3, 16);
    const h = f32x4.add(f32x4.add(f32x4.mul(odR, h0), f32x4.mul(odG, h1)), f32x4.mul(odB, h2));
    const e = f32x4.add(f32x4.add(f32x4.mul(odR, e0), f32x4.mul(odG, e1)), f32x4.mul(odB, e2));
    recordBins(bins4(h, lowH, scaleH, bins), valid, outH, histogramH);
    recordBins(bins4(e, lowE, scaleE, bins), valid, outE, histogramE);
    outH += <usize>valid << 1;
    outE += <usize>valid << 1;
  }
}

/**
 * Exact phi (f64 atan2 of f64 projections onto `plane`, 6 f64) of the `count` list entries whose
 * indices (u32) are at `indices`, written as f64 to `out` (caller-owned).
 */
export function stainAngleValues(indices: usize, count: i32, list: usize, plane: usize, out: usize): void {
  const v0 = load<f64>(plane), v1 = load<f64>(plane, 8), v2 = load<f64>(plane, 16);
  const w0 = load<f64>(plane, 24), w1 = load<f64>(plane, 32), w2 = load<f64>(plane, 40);
  for (let i: i32 = 0; i < count; i++) {
    const word = load<u32>(list + (<usize>load<u32>(indices + (<usize>i << 2)) << 2));
    const r = <f64>opticalDensity(word), g = <f64>opticalDensity(word >> 8), b = <f64>opticalDensity(word >> 16);
    store<f64>(out + (<usize>i << 3), Math.atan2(r * w0 + g * w1 + b * w2, r * v0 + g * v1 + b * v2));
  }
}

/**
 * Exact (f64) concentration u . OD (u = 3 f64 at `unmixRow`) of the `count` list entries whose
 * indices (u32) are at `indices`, written as f64 to `out` (caller-owned). Keep the expression as
 * it is: src/stain/macenko-fit.ts bounds the background's concentrations with the same one.
 */
export function stainConcentrationValues(indices: usize, count: i32, list: usize, unmixRow: usize, out: usize): void {
  const u0 = load<f64>(unmixRow), u1 = load<f64>(unmixRow, 8), u2 = load<f64>(unmixRow, 16);
  for (let i: i32 = 0; i < count; i++) {
    const word = load<u32>(list + (<usize>load<u32>(indices + (<usize>i << 2)) << 2));
    const r = <f64>opticalDensity(word), g = <f64>opticalDensity(word >> 8), b = <f64>opticalDensity(word >> 16);
    store<f64>(out + (<usize>i << 3), r * u0 + g * u1 + b * u2);
  }
}
