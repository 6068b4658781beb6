import { SmearscopeError } from '../errors.js';
import type { KernelInstance } from '../kernels/load.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';
import { BACKGROUND_INTENSITY } from '../stain/background.js';
import type { StainReference } from '../stain/reference.js';
import { checkStainReference, concentrationUnmixing } from '../stain/transform.js';

/** Fixed-point scale of the binned stain channels (concentration x 1000). */
export const CHANNEL_SCALE = 1000;
/** Largest table entry: the kernel adds a pixel's three entries in i32 before widening. */
const MAX_TABLE_ENTRY = 2 ** 29;

/** How each pixel becomes the two integer channels: rows applied to its OD (for localization the
 * least-squares rows of the hematoxylin-like and eosin-like stains), and the hematoxylin scale the
 * threshold bounds refer to. */
export interface LocalizationChannels {
  unmix: [[number, number, number], [number, number, number]];
  /** maxC of the hematoxylin-like channel (its 99th percentile, or a nominal 1 for red OD). */
  hematoxylinMax: number;
  /** 'frame': the frame's Macenko fit; 'red-od': the fit missed the nuclei (see below). */
  source: 'frame' | 'red-od';
  /** The row of the fit's stain matrix the hematoxylin-like channel unmixes (undefined for 'red-od'). */
  nuclearRow?: 0 | 1;
}

/**
 * The channels the mask is made of. Normally the frame's own fit: the least-squares concentration
 * of its nuclear stain. Which row that is comes from colour, not from the fit's order (Macenko's
 * "larger red OD first" suits H&E, but on May-Grunwald-Giemsa marrow a blue-grey smear absorbs
 * more red than the violet nuclei do). Nuclear dyes (hematoxylin, azure) absorb over green and red
 * alike and pass blue; eosin absorbs green only, erythrocytes and background absorb blue strongly,
 * and a blue-grey smear absorbs green hardly more than blue. So the nuclear row is the one with the
 * larger (min(red, green) - blue) / (|red| + |green| + |blue|). When even that row absorbs blue
 * most, Macenko's angle percentiles caught two other colours (erythrocytes and a yellowish
 * background) and missed the nuclei, which are too few pixels to reach them; then the red-channel
 * OD stands in: nuclear stains absorb red, erythrocytes and background hardly do.
 */
export function localizationChannels(fit: StainReference): LocalizationChannels {
  checkStainReference(fit, 'frame stain fit'); // a NaN maxC would reach the kernel as a zero divisor
  const unmix = concentrationUnmixing(fit.stainMatrix, 'frame stain fit');
  const [nuclearLean0, nuclearLean1] = fit.stainMatrix.map(([red, green, blue]) => (Math.min(red, green) - blue) / (Math.abs(red) + Math.abs(green) + Math.abs(blue)));
  const nuclearRow = nuclearLean1 > nuclearLean0 ? 1 : 0;
  const otherRow = 1 - nuclearRow;
  const [red, green, blue] = fit.stainMatrix[nuclearRow];
  if (blue < Math.max(red, green)) {
    return { unmix: [unmix[nuclearRow], unmix[otherRow]], hematoxylinMax: fit.maxC[nuclearRow], source: 'frame', nuclearRow };
  }
  return { unmix: [[1, 0, 0], unmix[1]], hematoxylinMax: 1, source: 'red-od' };
}

/**
 * Per-channel integer lookup tables of the two stains' least-squares concentrations x 1000:
 * 6 x 256 (h from R, G, B; then e from R, G, B). Summing table entries gives the same integer in
 * WASM and in the reference, so masks never differ by a rounding.
 */
export function stainChannelTables(channels: LocalizationChannels, backgroundIntensity = BACKGROUND_INTENSITY): Int32Array {
  const { unmix } = channels;
  const tables = new Int32Array(6 * 256);
  for (let stain = 0; stain < 2; stain++) {
    for (let channel = 0; channel < 3; channel++) {
      for (let v = 0; v < 256; v++) {
        const od = -Math.log((v + 1) / backgroundIntensity);
        const entry = Math.round(unmix[stain][channel] * od * CHANNEL_SCALE);
        if (Math.abs(entry) > MAX_TABLE_ENTRY) {
          throw new SmearscopeError('INVALID_ARGUMENT', 'localize: the frame stain fit does not unmix into i32 concentration units (stain vectors nearly parallel or far from unit length); refit the frame');
        }
        tables[(stain * 3 + channel) * 256 + v] = entry;
      }
    }
  }
  return tables;
}

/**
 * Bins a resident frame into two integer channels (x 1000), `binPx` pixels a side, sampled every
 * `sampleStep` pixels; returns copies. Row 0 of `channels.unmix` gives `hematoxylin`, row 1
 * `secondChannel` (the scale estimate passes green OD). Used by scale estimation.
 */
export function binStainChannels(kernels: KernelInstance, resident: ResidentFrame, channels: LocalizationChannels, binPx: number, sampleStep: number) {
  // The kernel trusts these: a step below 1 would never end its loops.
  for (const [name, value] of [['binPx', binPx], ['sampleStep', sampleStep]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new SmearscopeError('INVALID_ARGUMENT', `binStainChannels: ${name} must be a positive integer, got ${value}`);
  }
  const exports = kernels.exports;
  const gridW = Math.ceil(resident.width / binPx);
  const gridH = Math.ceil(resident.height / binPx);
  const mark = kernels.memory.mark();
  try {
    const lut = kernels.memory.allocCopy(stainChannelTables(channels));
    const h = kernels.memory.alloc(gridW * gridH * 4);
    const second = kernels.memory.alloc(gridW * gridH * 4);
    exports.binStainChannels(resident.ptr, resident.width, resident.height, resident.channels, lut, binPx, sampleStep, h, second);
    kernels.memory.checkCanaries();
    return {
      gridW, gridH,
      hematoxylin: kernels.memory.i32(h, gridW * gridH).slice(),
      secondChannel: kernels.memory.i32(second, gridW * gridH).slice(),
    };
  } finally {
    kernels.memory.release(mark);
  }
}
