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
 * nuclear contrast and the frame's second stain), and the hematoxylin scale the threshold bounds
 * refer to. */
export interface LocalizationChannels {
  unmix: [[number, number, number], [number, number, number]];
  /** Scale of the nuclear channel the threshold bounds refer to (OD units; 1 for the contrast). */
  hematoxylinMax: number;
  /** 'green-blue': green OD minus blue OD, the nuclear contrast (see localizationChannels). */
  source: 'green-blue';
}

/** The nuclear contrast: OD in green minus OD in blue. */
export const NUCLEAR_CONTRAST: [number, number, number] = [0, 1, -1];

/**
 * The channels the mask is made of: the nuclear contrast, green OD minus blue OD, and the frame
 * fit's second least-squares row (unused by localization). Why not the fit's own nuclear stain:
 * on frames where erythrocytes outnumber nuclei many times (PBC, CellaVision) Macenko's extreme
 * angles catch the erythrocytes, and a fitted "nuclear" channel in which red cells are foreground
 * gave 0.57 precision at the true scale (bench/localization-sources.ts). The contrast holds in
 * every Romanowsky stain for a physical reason: the azure B-DNA complex that makes nuclei violet
 * absorbs green and yellow and passes blue, while haemoglobin (Soret band) and eosin absorb blue
 * at least as much as green, and a grey or yellowish background absorbs both alike. Measured
 * median OD(green) - OD(blue) on txl-pbc-dev: nuclei 0.8 to 1.75, erythrocytes 0.0 to 0.06,
 * background -0.12 to 0; brightness and illumination, common to both channels, cancel.
 */
export function localizationChannels(fit: StainReference): LocalizationChannels {
  checkStainReference(fit, 'frame stain fit'); // a NaN maxC would reach the kernel as a zero divisor
  const unmix = concentrationUnmixing(fit.stainMatrix, 'frame stain fit');
  return { unmix: [NUCLEAR_CONTRAST, unmix[1]], hematoxylinMax: 1, source: 'green-blue' };
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
          throw new SmearscopeError(
            'INVALID_ARGUMENT',
            'localize: the frame stain fit does not unmix into i32 concentration units (stain vectors nearly parallel or far from unit length); refit the frame',
          );
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
export function binStainChannels(
  kernels: KernelInstance,
  resident: ResidentFrame,
  channels: LocalizationChannels,
  binPx: number,
  sampleStep: number,
) {
  // The kernel trusts these: a step below 1 would never end its loops.
  for (const [name, value] of [
    ['binPx', binPx],
    ['sampleStep', sampleStep],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new SmearscopeError('INVALID_ARGUMENT', `binStainChannels: ${name} must be a positive integer, got ${value}`);
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
      gridW,
      gridH,
      hematoxylin: kernels.memory.i32(h, gridW * gridH).slice(),
      secondChannel: kernels.memory.i32(second, gridW * gridH).slice(),
    };
  } finally {
    kernels.memory.release(mark);
  }
}
