import { SmearscopeError } from '../errors.js';
import type { StainReference } from '../stain/reference.js';
import type { KernelInstance } from '../kernels/load.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';
import { MACENKO_DEFAULTS, checkMacenkoOptions } from './macenko-fit.js';
import type { StainJitter } from './jitter.js';
import { concentrationUnmixing, stainMap, type StainMap } from './transform.js';

export interface StainApplyOptions {
  /** Io: intensity of the empty background, in grey levels, 1..256 (default 240, as for the fit). */
  backgroundIntensity?: number;
}

/**
 * Normalizes a resident frame stained like `source` (its Macenko fit) to look stained like
 * `reference` (e.g. a model card's stainReference), writing the pixels to `output` (caller-owned,
 * same length and channel layout as the frame; alpha copied). The frame is only read.
 */
export function normalizeStain(
  kernels: KernelInstance,
  resident: ResidentFrame,
  source: StainReference,
  reference: StainReference,
  output: Uint8Array | Uint8ClampedArray,
  options: StainApplyOptions = {},
): void {
  applyStainMap(kernels, resident, stainMap(source, reference), output, options);
}

/**
 * Stain jitter for test-time augmentation: `jitter` (from `drawStainJitter`) applied to the
 * frame's concentrations; with `reference` the frame is normalized to it first, in the same pass.
 * Writes to `output` as `normalizeStain` does.
 */
export function jitterStain(
  kernels: KernelInstance,
  resident: ResidentFrame,
  source: StainReference,
  jitter: StainJitter,
  output: Uint8Array | Uint8ClampedArray,
  options: StainApplyOptions & { reference?: StainReference } = {},
): void {
  checkJitter(jitter);
  applyStainMap(kernels, resident, stainMap(source, options.reference ?? source, jitter), output, options);
}

/** Runs stainNormalize with `map` over the whole frame into `output`. */
export function applyStainMap(
  kernels: KernelInstance,
  resident: ResidentFrame,
  map: StainMap,
  output: Uint8Array | Uint8ClampedArray,
  options: StainApplyOptions = {},
): void {
  const backgroundIntensity = checkedBackground(options);
  const byteLength = resident.width * resident.height * resident.channels;
  if (!(output instanceof Uint8Array || output instanceof Uint8ClampedArray) || output.length !== byteLength) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `output must be a Uint8Array of ${byteLength} bytes (${resident.width} x ${resident.height} x ${resident.channels}), ` +
        `got ${output?.length ?? 'none'}`,
    );
  }
  const stain = kernels.exports;
  const memory = kernels.memory;
  const mark = memory.mark();
  try {
    const transformPtr = memory.allocCopy(map.transform);
    const gainsPtr = memory.allocCopy(map.gains);
    const outputPtr = memory.alloc(byteLength);
    stain.prepareOpticalDensity(backgroundIntensity);
    stain.stainNormalize(
      resident.ptr,
      outputPtr,
      resident.width * resident.height,
      resident.channels,
      transformPtr,
      gainsPtr,
      backgroundIntensity,
    );
    output.set(memory.u8(outputPtr, byteLength));
  } finally {
    memory.release(mark);
  }
}

/**
 * Per-pixel least-squares concentrations of the two stains of `fit`: 2 x height x width f32,
 * planar (all h, then all e), row-major. Written into `output` when given (caller-owned, exactly
 * 2 * width * height floats), else into a new array; returns it.
 */
export function stainConcentrations(
  kernels: KernelInstance,
  resident: ResidentFrame,
  fit: StainReference,
  output?: Float32Array,
  options: StainApplyOptions = {},
): Float32Array {
  const backgroundIntensity = checkedBackground(options);
  const pixelCount = resident.width * resident.height;
  const result = output ?? new Float32Array(2 * pixelCount);
  if (!(result instanceof Float32Array) || result.length !== 2 * pixelCount) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `output must be a Float32Array of 2 x ${resident.width} x ${resident.height} = ${2 * pixelCount} floats`,
    );
  }
  const unmix = concentrationUnmixing(fit.stainMatrix, 'fit');
  const stain = kernels.exports;
  const memory = kernels.memory;
  const mark = memory.mark();
  try {
    const unmixPtr = memory.allocCopy(new Float32Array([...unmix[0], ...unmix[1]]));
    const outputPtr = memory.alloc(2 * pixelCount * 4);
    stain.prepareOpticalDensity(backgroundIntensity);
    stain.stainConcentrationMaps(resident.ptr, pixelCount, resident.channels, unmixPtr, outputPtr);
    result.set(memory.f32(outputPtr, 2 * pixelCount));
    return result;
  } finally {
    memory.release(mark);
  }
}

function checkedBackground(options: StainApplyOptions): number {
  const backgroundIntensity = options.backgroundIntensity ?? MACENKO_DEFAULTS.backgroundIntensity;
  checkMacenkoOptions(backgroundIntensity, MACENKO_DEFAULTS.minOpticalDensity, MACENKO_DEFAULTS.anglePercentile);
  return backgroundIntensity;
}

function checkJitter(jitter: StainJitter): void {
  const pairs = [jitter?.scale, jitter?.shift];
  if (!pairs.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every(Number.isFinite))) {
    throw new SmearscopeError('INVALID_ARGUMENT', 'jitter must be { scale: [h, e], shift: [h, e] } of finite numbers');
  }
  if (!jitter.scale.every((s) => s > 0)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `jitter scales must be positive, got ${jitter.scale}`);
  }
}
