import { SmearscopeError } from '../errors.js';
import { BACKGROUND_INTENSITY, checkBackgroundIntensity } from './background.js';
import type { StainReference } from '../stain/reference.js';
import { percentilePosition, quantileBins } from './histogram-quantile.js';
import type { KernelInstance } from '../kernels/load.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';
import type { KernelExports, SampledRegionArguments } from '../kernels/exports.js';
import { sampleRegion, type PixelRegion, type SampledRegion } from './region.js';
import { concentrationUnmixing } from './transform.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** A Macenko fit of one frame (or region): the stain reference plus how many pixels it rests on. */
export interface StainFit extends StainReference {
  /** Pixels with OD >= beta in all channels among the sampled ones (those the stain vectors rest on). */
  keptPixels: number;
}

export interface MacenkoOptions {
  /** Io: intensity of the empty background, in grey levels, 1..256 (default 240). */
  backgroundIntensity?: number;
  /** beta: a pixel counts as stained when its OD is at least this in all three channels (default 0.15). */
  minOpticalDensity?: number;
  /** alpha, in percent (0 <= alpha < 50): the alpha-th and (100 - alpha)-th angle percentiles give the stains (default 1). */
  anglePercentile?: number;
  /** Sample every pixelStride-th pixel of every pixelStride-th row (default 1: all pixels). */
  pixelStride?: number;
  /** Fit only this part of the frame (default: the whole frame). */
  region?: PixelRegion;
  /**
   * List every pixel from the start instead of skipping the bright background (see
   * maxConcentrations): slower, and exactly the same result; tests compare the two.
   */
  listEveryPixel?: boolean;
}

export const MACENKO_DEFAULTS = {
  backgroundIntensity: BACKGROUND_INTENSITY,
  minOpticalDensity: 0.15,
  anglePercentile: 1,
  pixelStride: 1,
} as const;

/** Fewer stained pixels than this and the fit is noise: the frame is (nearly) blank. */
export const MIN_KEPT_PIXELS = 100;
/** The two stain directions must differ by at least this angle (radians) to be told apart. */
export const MIN_STAIN_ANGLE = 1e-3;
/** Histogram resolution of the exact-percentile passes (bins are stored as u16; BINS itself marks pixels not kept). */
const BINS = 16383;
/** The maxC percentile (percent), fixed by the method. */
const MAX_CONCENTRATION_PERCENT = 99;

/**
 * Macenko stain fit of a resident frame (see ARCHITECTURE.md, "Macenko stain estimation"): OD of
 * the kept pixels, their covariance's top-2 eigenplane, the alpha / 100 - alpha percentiles of the
 * angle in that plane as the two stain vectors (unit length, positive orientation, hematoxylin-
 * like = larger red OD first), least-squares concentrations of every sampled pixel and their 99th
 * percentiles as maxC. Percentiles are exact (numpy 'linear'). Scratch is taken from and returned
 * to `kernels.memory`; the frame is only read.
 * Throws INVALID_FRAME when fewer than MIN_KEPT_PIXELS pixels are stained or the stains cannot be
 * separated (a blank or single-colour frame): the caller should then skip normalization.
 */
export function fitMacenko(kernels: KernelInstance, resident: ResidentFrame, options: MacenkoOptions = {}): StainFit {
  const { backgroundIntensity, minOpticalDensity, anglePercentile, pixelStride } = { ...MACENKO_DEFAULTS, ...options };
  checkMacenkoOptions(backgroundIntensity, minOpticalDensity, anglePercentile);
  const sampled = sampleRegion(resident, options.region, pixelStride);
  const stain = kernels.exports;
  const memory = kernels.memory;
  const mark = memory.mark();
  try {
    stain.prepareOpticalDensity(backgroundIntensity);
    const region = regionArguments(sampled);

    // 1. One pass over the frame: the OD sums of the kept pixels (every channel below keptBelow,
    //    i.e. OD >= beta in all), and a list of every pixel with a channel below keptBelow; the
    //    bright rest is background, which the later passes skip (see maxConcentrations).
    const keptBelow = stain.opticalDensityBelow(minOpticalDensity);
    const sumsPtr = memory.alloc(10 * 8);
    const listBelow = options.listEveryPixel ? ALL_VALUES : keptBelow;
    const list: PixelList = { ptr: memory.alloc((sampled.sampledPixels + 4) * 4), count: 0, listBelow };
    list.count = stain.stainDarkPixels(...region, keptBelow, listBelow, sumsPtr, list.ptr);
    const sums = Array.from(memory.f64(sumsPtr, 10));
    const keptPixels = sums[0];
    if (keptPixels < MIN_KEPT_PIXELS) {
      throw new SmearscopeError(
        'INVALID_FRAME',
        `too little stained tissue for a stain fit: ${keptPixels} of ${sampled.sampledPixels} sampled pixels ` +
          `have OD >= ${minOpticalDensity} (need ${MIN_KEPT_PIXELS}); skip stain normalization for this frame`,
      );
    }
    const [v1, v2] = principalPlane(sums);

    // 2. Exact alpha / (100 - alpha) percentiles of phi = atan2(OD . v2, OD . v1) over the kept pixels.
    const planePtr = memory.allocCopy(new Float64Array([...v1, ...v2]));
    const histogramPtr = memory.alloc((BINS + 1) * 4);
    const binsPtr = memory.alloc((list.count + 4) * 2);
    stain.stainAngleBins(list.ptr, list.count, planePtr, BINS, histogramPtr, binsPtr);
    const angleHistogram = memory.u32(histogramPtr, BINS).slice(); // the last slot counts entries not kept
    const angleValues = (indices: number, count: number, out: number) => stain.stainAngleValues(indices, count, list.ptr, planePtr, out);
    const phiLow = exactQuantile(
      kernels,
      stain,
      angleHistogram,
      binsPtr,
      list.count,
      percentilePosition(keptPixels, anglePercentile),
      angleValues,
    ).value;
    const phiHigh = exactQuantile(
      kernels,
      stain,
      angleHistogram,
      binsPtr,
      list.count,
      percentilePosition(keptPixels, 100 - anglePercentile),
      angleValues,
    ).value;
    if (phiHigh - phiLow < MIN_STAIN_ANGLE) {
      throw new SmearscopeError(
        'INVALID_FRAME',
        'the stained pixels all have one hue, so two stains cannot be separated; skip stain normalization for this frame',
      );
    }
    const stainMatrix = orderStains(planeDirection(v1, v2, phiLow), planeDirection(v1, v2, phiHigh));

    // 3. maxC: exact 99th percentile of each stain's least-squares concentration over all sampled pixels.
    const unmix = concentrationUnmixing(stainMatrix, 'fitted');
    let maxC = maxConcentrations(kernels, stain, sampled, list, unmix, backgroundIntensity);
    if (maxC === undefined) {
      // The background may reach the 99th percentile (under 1 % of pixels stained, or a pale stain
      // whose percentile is not above the background's bound): list every pixel and redo step 3.
      list.count = stain.stainDarkPixels(...region, keptBelow, ALL_VALUES, sumsPtr, list.ptr);
      list.listBelow = ALL_VALUES;
      maxC = maxConcentrations(kernels, stain, sampled, list, unmix, backgroundIntensity);
      if (maxC === undefined)
        throw new SmearscopeError('KERNEL_FAILED', 'the stain fit missed pixels when listing all of them (a kernel bug)');
    }
    if (!(maxC[0] > 0 && maxC[1] > 0)) {
      throw new SmearscopeError(
        'INVALID_FRAME',
        `one stain is absent (99th percentile concentrations ${maxC[0]}, ${maxC[1]}); skip stain normalization for this frame`,
      );
    }
    return { stainMatrix, maxC, keptPixels };
  } finally {
    memory.release(mark);
  }
}

/** Pass 1's list in kernel memory: `count` u32 pixel words of the pixels with a channel value below `listBelow`. */
interface PixelList {
  ptr: number;
  count: number;
  /** 0..256; ALL_VALUES lists every sampled pixel. */
  listBelow: number;
}

/** A listBelow that lists every pixel (every 8-bit value is below it). */
const ALL_VALUES = 256;

function regionArguments(sampled: SampledRegion): SampledRegionArguments {
  return [sampled.origin, sampled.rowBytes, sampled.channels, sampled.columns, sampled.rows, sampled.pixelStride];
}

/** Throws INVALID_ARGUMENT for Macenko parameters outside their meaningful ranges. */
export function checkMacenkoOptions(backgroundIntensity: number, minOpticalDensity: number, anglePercentile: number): void {
  checkBackgroundIntensity(backgroundIntensity);
  if (!(minOpticalDensity >= 0 && minOpticalDensity <= 10)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `minOpticalDensity (beta) must be 0..10, got ${minOpticalDensity}`);
  }
  if (!(anglePercentile >= 0 && anglePercentile < 50)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `anglePercentile (alpha) must be >= 0 and < 50 percent, got ${anglePercentile}`);
  }
}

/**
 * Unit eigenvectors of the two largest eigenvalues of the kept pixels' OD covariance (from the
 * kernel's sums), each oriented to a positive component sum so that phi stays clear of the
 * atan2 cut at +-pi (OD vectors are positive).
 */
function principalPlane(sums: number[]): [number[], number[]] {
  const [count, sR, sG, sB, sRR, sRG, sRB, sGG, sGB, sBB] = sums;
  const mean = [sR / count, sG / count, sB / count];
  const products = [
    [sRR, sRG, sRB],
    [sRG, sGG, sGB],
    [sRB, sGB, sBB],
  ];
  const covariance = products.map((row, i) => row.map((value, j) => (value - count * mean[i] * mean[j]) / (count - 1)));
  const [first, second] = symmetricEigen(covariance);
  return [orientPositive(first.vector), orientPositive(second.vector)];
}

function orientPositive(vector: number[]): number[] {
  return vector[0] + vector[1] + vector[2] < 0 ? vector.map((value) => -value) : vector;
}

/** cos(phi) * v1 + sin(phi) * v2: a unit vector of the plane. */
function planeDirection(v1: number[], v2: number[], phi: number): number[] {
  return v1.map((value, i) => Math.cos(phi) * value + Math.sin(phi) * v2[i]);
}

/** Hematoxylin-like (larger red OD) first, as the reference implementations order them; each positive. */
function orderStains(low: number[], high: number[]): StainReference['stainMatrix'] {
  const [h, e] = low[0] > high[0] ? [low, high] : [high, low];
  const [hr, hg, hb] = orientPositive(h);
  const [er, eg, eb] = orientPositive(e);
  return [
    [hr, hg, hb],
    [er, eg, eb],
  ];
}

/**
 * The 99th percentile of each stain's concentration over all sampled pixels, from the listed ones
 * alone: the unlisted (background) pixels have every channel value in [listBelow, 255], so their
 * concentrations are at most a bound reached at a corner of that box; when the listed order
 * statistic found at the percentile's rank (counting the background below) exceeds the bound, the
 * background does lie below it and the answer is exact. Returns undefined when that cannot be shown
 * (the rank falls in the background, under 1 % of pixels stained; or the order statistic is not
 * above the box's bound, e.g. a pale stain): the caller lists every pixel and asks again.
 */
function maxConcentrations(
  kernels: KernelInstance,
  stain: KernelExports,
  sampled: SampledRegion,
  list: PixelList,
  unmix: number[][],
  backgroundIntensity: number,
): [number, number] | undefined {
  const memory = kernels.memory;
  // Concentration bounds from the OD range of 8-bit pixels; they only set the bin spacing.
  const odLowest = -Math.log(256 / backgroundIntensity);
  const odHighest = Math.log(backgroundIntensity);
  const lowest = unmix.map((row) => row.reduce((sum, u) => sum + Math.min(u * odLowest, u * odHighest), 0));
  const highest = unmix.map((row) => row.reduce((sum, u) => sum + Math.max(u * odLowest, u * odHighest), 0));
  const binsPerUnit = lowest.map((low, s) => BINS / Math.max(highest[s] - low, 1e-12));
  const unmixPtr = memory.allocCopy(new Float64Array([...unmix[0], ...unmix[1]]));
  const lowestPtr = memory.allocCopy(new Float64Array(lowest));
  const binsPerUnitPtr = memory.allocCopy(new Float64Array(binsPerUnit));
  const histogramsPtr = memory.alloc(2 * (BINS + 1) * 4);
  const binsHPtr = memory.alloc((list.count + 4) * 2);
  const binsEPtr = memory.alloc((list.count + 4) * 2);
  stain.stainConcentrationBins(list.ptr, list.count, unmixPtr, lowestPtr, binsPerUnitPtr, BINS, histogramsPtr, binsHPtr, binsEPtr);
  const histogramH = memory.u32(histogramsPtr, BINS).slice();
  const histogramE = memory.u32(histogramsPtr + (BINS + 1) * 4, BINS).slice();
  const background = sampled.sampledPixels - list.count;
  const position = percentilePosition(sampled.sampledPixels, MAX_CONCENTRATION_PERCENT) - background;
  if (position < 0) return undefined;
  const maxC: number[] = [];
  for (const [s, histogram, binsPtr] of [
    [0, histogramH, binsHPtr],
    [1, histogramE, binsEPtr],
  ] as const) {
    const found = exactQuantile(kernels, stain, histogram, binsPtr, list.count, position, (indices, count, out) =>
      stain.stainConcentrationValues(indices, count, list.ptr, unmixPtr + s * 24, out),
    );
    if (background > 0 && !(found.lowerValue > backgroundBound(stain, unmix[s], list.listBelow))) return undefined;
    maxC.push(found.value);
  }
  return [maxC[0], maxC[1]];
}

/**
 * The largest concentration u . OD of a pixel whose channel values all lie in [listBelow, 255],
 * evaluated as stainConcentrationValues does (same f64 operations in the same order; each term is
 * monotone in its OD, so the maximum sits at a corner of the box and is reproduced exactly).
 */
function backgroundBound(stain: KernelExports, u: number[], listBelow: number): number {
  const darkest = stain.opticalDensityOf(listBelow),
    brightest = stain.opticalDensityOf(255);
  const [r, g, b] = u.map((weight) => (weight >= 0 ? darkest : brightest));
  return r * u[0] + g * u[1] + b * u[2];
}

/**
 * The exact value at fractional rank `position` among the binned values: `histogram` (counts per
 * bin) says which bins hold the order statistics, binIndices finds the list entries in them
 * (`binsPtr`: one u16 bin per entry), `values(indices, count, out)` runs the kernel that computes
 * their exact values, and selectQuantile picks the answer. Also returns the order statistic at
 * floor(position) (the lower end of the interpolation). Scratch stays allocated until the caller
 * releases its mark.
 */
function exactQuantile(
  kernels: KernelInstance,
  stain: KernelExports,
  histogram: Uint32Array,
  binsPtr: number,
  entries: number,
  position: number,
  values: (indices: number, count: number, out: number) => void,
): { value: number; lowerValue: number } {
  const memory = kernels.memory;
  const plan = quantileBins(histogram, position);
  const indicesPtr = memory.alloc(plan.candidates * 4);
  const valuesPtr = memory.alloc(plan.candidates * 8);
  const found = stain.binIndices(binsPtr, entries, plan.lowBin, plan.highBin, indicesPtr, plan.candidates);
  if (found !== plan.candidates) {
    throw new SmearscopeError('KERNEL_FAILED', 'the stain fit histogram and bins disagree (a kernel bug)');
  }
  values(indicesPtr, plan.candidates, valuesPtr);
  const value = stain.selectQuantile(valuesPtr, plan.candidates, plan.candidatePosition);
  // selectQuantile leaves the floor(position)-th candidate in place (see assembly/stain-quantile.ts).
  const lowerValue = memory.f64(valuesPtr, plan.candidates)[Math.floor(plan.candidatePosition)];
  return { value, lowerValue };
}
