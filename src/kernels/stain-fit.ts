import { SmearscopeError } from '../errors.js';
import type { StainReference } from '../inference/model-card-types.js';
import { percentilePosition, quantileBins } from './histogram-quantile.js';
import type { KernelInstance } from './load.js';
import type { ResidentFrame } from './resident-frame.js';
import { stainKernels, type SampledRegionArguments, type StainKernelExports } from './stain-exports.js';
import { sampleRegion, type PixelRegion, type SampledRegion } from './stain-region.js';
import { concentrationUnmixing } from './stain-transform.js';
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
}

export const MACENKO_DEFAULTS = {
  backgroundIntensity: 240,
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
  const stain = stainKernels(kernels);
  const memory = kernels.memory;
  const mark = memory.mark();
  try {
    stain.prepareOpticalDensity(backgroundIntensity);
    const region = regionArguments(sampled);

    // 1. Covariance of the kept OD vectors -> the plane of its two largest eigenvectors.
    const sumsPtr = memory.alloc(10 * 8);
    stain.stainCovariance(...region, minOpticalDensity, sumsPtr);
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
    const binsPtr = memory.alloc(sampled.sampledPixels * 2);
    stain.stainAngleBins(...region, minOpticalDensity, planePtr, BINS, histogramPtr, binsPtr);
    const angleHistogram = memory.u32(histogramPtr, BINS).slice(); // the last slot counts pixels not kept
    const angleValues = (indices: number, count: number, out: number) =>
      stain.stainAngleValues(indices, count, ...valueArguments(sampled), planePtr, out);
    const phiLow = exactQuantile(kernels, stain, angleHistogram, binsPtr, sampled.sampledPixels,
      percentilePosition(keptPixels, anglePercentile), angleValues);
    const phiHigh = exactQuantile(kernels, stain, angleHistogram, binsPtr, sampled.sampledPixels,
      percentilePosition(keptPixels, 100 - anglePercentile), angleValues);
    if (phiHigh - phiLow < MIN_STAIN_ANGLE) {
      throw new SmearscopeError(
        'INVALID_FRAME',
        'the stained pixels all have one hue, so two stains cannot be separated; skip stain normalization for this frame',
      );
    }
    const stainMatrix = orderStains(planeDirection(v1, v2, phiLow), planeDirection(v1, v2, phiHigh));

    // 3. maxC: exact 99th percentile of each stain's least-squares concentration over all sampled pixels.
    const maxC = maxConcentrations(kernels, stain, sampled, stainMatrix, backgroundIntensity);
    return { stainMatrix, maxC, keptPixels };
  } finally {
    memory.release(mark);
  }
}

function regionArguments(sampled: SampledRegion): SampledRegionArguments {
  return [sampled.origin, sampled.rowBytes, sampled.channels, sampled.columns, sampled.rows, sampled.pixelStride];
}

/** The region as the value kernels take it (they address pixels by index, so no row count). */
function valueArguments(sampled: SampledRegion): [number, number, number, number, number] {
  return [sampled.origin, sampled.rowBytes, sampled.channels, sampled.columns, sampled.pixelStride];
}

/** Throws INVALID_ARGUMENT for Macenko parameters outside their meaningful ranges. */
export function checkMacenkoOptions(backgroundIntensity: number, minOpticalDensity: number, anglePercentile: number): void {
  if (!(backgroundIntensity >= 1 && backgroundIntensity <= 256)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `backgroundIntensity (Io) must be 1..256 grey levels, got ${backgroundIntensity}`);
  }
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

/** The 99th percentile of each stain's concentration over the sampled pixels; throws INVALID_FRAME if one is not positive. */
function maxConcentrations(
  kernels: KernelInstance, stain: StainKernelExports, sampled: SampledRegion,
  stainMatrix: StainReference['stainMatrix'], backgroundIntensity: number,
): [number, number] {
  const memory = kernels.memory;
  const unmix = concentrationUnmixing(stainMatrix, 'fitted');
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
  const binsHPtr = memory.alloc(sampled.sampledPixels * 2);
  const binsEPtr = memory.alloc(sampled.sampledPixels * 2);
  stain.stainConcentrationBins(
    ...regionArguments(sampled), unmixPtr, lowestPtr, binsPerUnitPtr, BINS, histogramsPtr, binsHPtr, binsEPtr,
  );
  const histogramH = memory.u32(histogramsPtr, BINS).slice();
  const histogramE = memory.u32(histogramsPtr + (BINS + 1) * 4, BINS).slice();
  const position = percentilePosition(sampled.sampledPixels, MAX_CONCENTRATION_PERCENT);
  const maxC = ([[histogramH, binsHPtr], [histogramE, binsEPtr]] as const).map(([histogram, binsPtr], s) =>
    exactQuantile(kernels, stain, histogram, binsPtr, sampled.sampledPixels, position, (indices, count, out) =>
      stain.stainConcentrationValues(indices, count, ...valueArguments(sampled), unmixPtr + s * 24, out),
    ),
  ) as [number, number];
  if (!(maxC[0] > 0 && maxC[1] > 0)) {
    throw new SmearscopeError(
      'INVALID_FRAME',
      `one stain is absent (99th percentile concentrations ${maxC[0]}, ${maxC[1]}); skip stain normalization for this frame`,
    );
  }
  return maxC;
}

/**
 * The exact value at fractional rank `position` among the binned values: `histogram` (counts per
 * bin) says which bins hold the order statistics, binIndices finds the sampled pixels in them
 * (`binsPtr`: one u16 bin per sampled pixel), `values(indices, count, out)` runs the kernel that
 * computes their exact values, and selectQuantile picks the answer. Scratch stays allocated until
 * the caller releases its mark.
 */
function exactQuantile(
  kernels: KernelInstance, stain: StainKernelExports, histogram: Uint32Array, binsPtr: number, sampledPixels: number,
  position: number, values: (indices: number, count: number, out: number) => void,
): number {
  const memory = kernels.memory;
  const plan = quantileBins(histogram, position);
  const indicesPtr = memory.alloc(plan.candidates * 4);
  const valuesPtr = memory.alloc(plan.candidates * 8);
  const found = stain.binIndices(binsPtr, sampledPixels, plan.lowBin, plan.highBin, indicesPtr, plan.candidates);
  if (found !== plan.candidates) {
    throw new SmearscopeError('KERNEL_FAILED', 'the stain fit histogram and bins disagree (a kernel bug)');
  }
  values(indicesPtr, plan.candidates, valuesPtr);
  return stain.selectQuantile(valuesPtr, plan.candidates, plan.candidatePosition);
}
