import { SmearscopeError } from '../errors.js';
import type { ReinhardKernels } from '../kernels/load-reinhard.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';
import { sampleRegion, type PixelRegion } from './region.js';

/** Mean and standard deviation (population) of CIE L*a*b* (D65, as skimage's rgb2lab) over a frame or region. */
export interface ReinhardFit {
  labMean: [number, number, number];
  labStd: [number, number, number];
}

export interface ReinhardOptions {
  /** Sample every pixelStride-th pixel of every pixelStride-th row (default 1: all pixels). */
  pixelStride?: number;
  /** Fit only this part of the frame (default: the whole frame). */
  region?: PixelRegion;
}

/** A source spread below this (Lab units) means a single-colour frame. */
const MIN_SOURCE_STD = 1e-3;
/** The shift pass samples about this many pixels for a rough mean. */
const SHIFT_SAMPLES = 1024;

/**
 * Reinhard fit: Lab mean and std of the sampled pixels. Scratch comes from and returns to
 * `kernels.memory`; the frame is only read.
 */
export function fitReinhard(kernels: ReinhardKernels, resident: ResidentFrame, options: ReinhardOptions = {}): ReinhardFit {
  const sampled = sampleRegion(resident, options.region, options.pixelStride);
  const stain = kernels.exports;
  const memory = kernels.memory;
  const mark = memory.mark();
  try {
    const shiftPtr = memory.alloc(3 * 4);
    const sumsPtr = memory.alloc(6 * 8);
    const moments = (pixelStride: number, shift: number[]): { mean: number[]; std: number[] } => {
      memory.f32(shiftPtr, 3).set(shift);
      stain.reinhardMoments(
        sampled.origin,
        sampled.rowBytes,
        sampled.channels,
        sampled.columns,
        sampled.rows,
        pixelStride,
        shiftPtr,
        sumsPtr,
      );
      const sums = memory.f64(sumsPtr, 6);
      const count = Math.ceil(sampled.columns / pixelStride) * Math.ceil(sampled.rows / pixelStride);
      const shifted = [0, 1, 2].map((c) => sums[c] / count);
      return {
        mean: shifted.map((m, c) => m + shift[c]),
        std: shifted.map((m, c) => Math.sqrt(Math.max(sums[3 + c] / count - m * m, 0))),
      };
    };
    // Moments about a rough mean from a sparse sample: the squares then hold only the spread,
    // so a nearly uniform frame gets a std near 0 instead of f32 rounding of L^2.
    const sparseStride = sampled.pixelStride * Math.max(1, Math.floor(Math.sqrt(sampled.sampledPixels / SHIFT_SAMPLES)));
    const { mean, std } = moments(sampled.pixelStride, moments(sparseStride, [0, 0, 0]).mean);
    return { labMean: mean as [number, number, number], labStd: std as [number, number, number] };
  } finally {
    memory.release(mark);
  }
}

/**
 * Reinhard transfer of a resident frame whose Lab statistics are `source` to those of
 * `reference`: per Lab channel x' = (x - mean_src) / std_src * std_ref + mean_ref, back to 8-bit
 * sRGB in `output` (caller-owned, the frame's length and channel layout; alpha copied).
 * Throws INVALID_FRAME when the source has no spread in a channel (a single-colour frame).
 */
export function normalizeReinhard(
  kernels: ReinhardKernels,
  resident: ResidentFrame,
  source: ReinhardFit,
  reference: ReinhardFit,
  output: Uint8Array | Uint8ClampedArray,
): void {
  checkReinhardFit(source, 'source');
  checkReinhardFit(reference, 'reference');
  // Below a thousandth of a Lab unit the frame is one colour and the scale would be noise.
  if (!source.labStd.every((std) => std >= MIN_SOURCE_STD)) {
    throw new SmearscopeError('INVALID_FRAME', 'the source has no colour spread in some Lab channel, so Reinhard transfer is undefined');
  }
  const byteLength = resident.width * resident.height * resident.channels;
  if (!(output instanceof Uint8Array || output instanceof Uint8ClampedArray) || output.length !== byteLength) {
    throw new SmearscopeError('INVALID_ARGUMENT', `output must be a Uint8Array of ${byteLength} bytes, got ${output?.length ?? 'none'}`);
  }
  const coefficients = new Float32Array(6);
  for (let c = 0; c < 3; c++) {
    const scale = reference.labStd[c] / source.labStd[c];
    coefficients[2 * c] = scale;
    coefficients[2 * c + 1] = reference.labMean[c] - source.labMean[c] * scale;
  }
  if (!coefficients.every((value) => Math.abs(value) < 1e6)) {
    throw new SmearscopeError('INVALID_ARGUMENT', 'source and reference Lab spreads differ by more than a factor of 1e6');
  }
  const stain = kernels.exports;
  const memory = kernels.memory;
  const mark = memory.mark();
  try {
    const coefficientsPtr = memory.allocCopy(coefficients);
    const outputPtr = memory.alloc(byteLength);
    stain.reinhardApply(resident.ptr, outputPtr, resident.width * resident.height, resident.channels, coefficientsPtr);
    output.set(memory.u8(outputPtr, byteLength));
  } finally {
    memory.release(mark);
  }
}

function checkReinhardFit(fit: ReinhardFit, label: string): void {
  const triples = [fit?.labMean, fit?.labStd];
  if (!triples.every((t) => Array.isArray(t) && t.length === 3 && t.every(Number.isFinite)) || !fit.labStd.every((s) => s >= 0)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `${label} must be { labMean: [L, a, b], labStd: [L, a, b] } of finite numbers, std >= 0`);
  }
}
