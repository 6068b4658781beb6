import { SmearscopeError } from '../errors.js';
import type { KernelInstance } from './load.js';
import type { ResidentFrame } from './resident-frame.js';
import { stainKernels } from './stain-exports.js';
import { sampleRegion, type PixelRegion } from './stain-region.js';

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

/** The kernel accumulates L minus this (see assembly/stain-reinhard.ts). */
const L_SHIFT = 50;

/**
 * Reinhard fit: Lab mean and std of the sampled pixels. Scratch comes from and returns to
 * `kernels.memory`; the frame is only read.
 */
export function fitReinhard(kernels: KernelInstance, resident: ResidentFrame, options: ReinhardOptions = {}): ReinhardFit {
  const sampled = sampleRegion(resident, options.region, options.pixelStride);
  const stain = stainKernels(kernels);
  const memory = kernels.memory;
  const mark = memory.mark();
  try {
    const sumsPtr = memory.alloc(6 * 8);
    stain.reinhardMoments(
      sampled.origin, sampled.rowBytes, sampled.channels, sampled.columns, sampled.rows, sampled.pixelStride, sumsPtr,
    );
    const sums = memory.f64(sumsPtr, 6);
    const count = sampled.sampledPixels;
    const shiftedMean = [0, 1, 2].map((c) => sums[c] / count);
    const labStd = [0, 1, 2].map((c) => Math.sqrt(Math.max(sums[3 + c] / count - shiftedMean[c] ** 2, 0)));
    return {
      labMean: [shiftedMean[0] + L_SHIFT, shiftedMean[1], shiftedMean[2]],
      labStd: labStd as [number, number, number],
    };
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
  kernels: KernelInstance, resident: ResidentFrame, source: ReinhardFit, reference: ReinhardFit,
  output: Uint8Array | Uint8ClampedArray,
): void {
  checkReinhardFit(source, 'source');
  checkReinhardFit(reference, 'reference');
  if (!source.labStd.every((std) => std > 1e-6)) {
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
  const stain = stainKernels(kernels);
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
