import { SmearscopeError } from '../errors.js';
import { CHANNEL_SCALE, type LocalizationChannels } from './channels.js';

/** Largest magnitude the kernels' i32 parameters hold. */
const MAX_I32 = 2 ** 31 - 1;
/** Concentrations are quantized over [0, QUANTIZE_MAX_C x maxC_h] for the Otsu histogram. */
const QUANTIZE_MAX_C = 1.5;
/** The Otsu threshold is clamped to this range, in units of hematoxylinMax (OD for the nuclear
 * contrast): below, erythrocytes, their dark overlaps and background would pass; above, pale
 * lymphocyte nuclei would not. */
export const THRESHOLD_BOUNDS = [0.3, 0.75] as const;

/** Largest value of the quantization (concentration x 1000) for a frame's hematoxylin channel. */
export function quantizeMax(channels: LocalizationChannels): number {
  const maxValue = Math.max(1, Math.round(QUANTIZE_MAX_C * channels.hematoxylinMax * CHANNEL_SCALE));
  // The kernel takes it as i32 (a wrapped value would divide by zero or index out of the histogram).
  if (maxValue > MAX_I32)
    throw new SmearscopeError('INVALID_ARGUMENT', `localize: maxC ${channels.hematoxylinMax} of the frame stain fit is absurdly large`);
  return maxValue;
}

/** The histogram level of a channel value (x 1000), as the kernel's quantizedHistogram computes
 * it: clamp(floor(max(value, 0) * 255 / maxValue), 0, 255). */
export function quantizeLevel(value: number, maxValue: number): number {
  return Math.min(255, Math.floor((Math.max(value, 0) * 255) / maxValue));
}

/** Otsu's threshold on a 256-bin histogram: the bin t maximizing the between-class variance of
 * {<= t} and {> t}; the first such bin on ties. */
export function otsuBin(histogram: ArrayLike<number>): number {
  let total = 0;
  let sumAll = 0;
  for (let i = 0; i < 256; i++) {
    total += histogram[i];
    sumAll += i * histogram[i];
  }
  let best = 0;
  let bestVariance = -1;
  let weightLow = 0;
  let sumLow = 0;
  for (let t = 0; t < 255; t++) {
    weightLow += histogram[t];
    sumLow += t * histogram[t];
    const weightHigh = total - weightLow;
    if (weightLow === 0 || weightHigh === 0) continue;
    const meanLow = sumLow / weightLow;
    const meanHigh = (sumAll - sumLow) / weightHigh;
    const variance = weightLow * weightHigh * (meanLow - meanHigh) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

/**
 * The mask threshold on the raw channel (concentration x 1000; foreground is value > threshold):
 * Otsu's bin, clamped to THRESHOLD_BOUNDS x maxC_h, mapped back from the quantization exactly.
 */
export function maskThreshold(
  histogram: ArrayLike<number>,
  channels: LocalizationChannels,
): { threshold: number; otsuBin: number; clamped: boolean } {
  const maxValue = quantizeMax(channels);
  const otsu = otsuBin(histogram);
  const lowBin = Math.floor((THRESHOLD_BOUNDS[0] * channels.hematoxylinMax * CHANNEL_SCALE * 255) / maxValue);
  const highBin = Math.floor((THRESHOLD_BOUNDS[1] * channels.hematoxylinMax * CHANNEL_SCALE * 255) / maxValue);
  const bin = Math.min(Math.max(otsu, lowBin), highBin);
  // q = floor(v * 255 / maxValue) > bin  <=>  v >= ceil((bin + 1) * maxValue / 255)
  const threshold = Math.ceil(((bin + 1) * maxValue) / 255) - 1;
  return { threshold, otsuBin: otsu, clamped: bin !== otsu };
}
