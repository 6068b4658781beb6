import { SmearscopeError } from '../errors.js';
import type { StainReference } from '../inference/model-card-types.js';
import type { KernelInstance } from './load.js';
import { binStainChannels } from './localize.js';
import { otsuBin } from './localize-grid.js';
import type { ResidentFrame } from './resident-frame.js';

/** Typical erythrocyte diameter on a smear, microns. */
export const ERYTHROCYTE_MICRONS = 7.5;
/** Fewer measurable erythrocytes than this and the estimate is refused. */
const MIN_ERYTHROCYTES = 3;

export interface ScaleEstimate {
  micronsPerPixel: number;
  /** Median diameter of the measured erythrocytes, frame pixels. */
  erythrocyteDiameterPx: number;
  /** How many erythrocytes were measured. */
  erythrocytes: number;
  estimated: true;
}

/**
 * Estimates the pixel size from the erythrocytes (about 7.5 um across): the eosin-like channel
 * of the frame's stain fit, binned to ~400 blocks across the longer side, is thresholded (Otsu);
 * round, separate red regions are measured by their bounding box (see
 * erythrocyteDiametersInBins); their area-weighted median diameter gives micronsPerPixel. On a
 * small frame with few free red cells the estimate is rough: pass micronsPerPixel when the
 * scanner's calibration is known. Throws INVALID_FRAME when fewer than
 * 3 erythrocytes can be measured: pass micronsPerPixel for such frames.
 */
export function estimateScale(kernels: KernelInstance, resident: ResidentFrame, fit: StainReference): ScaleEstimate {
  const binPx = Math.max(1, Math.round(Math.max(resident.width, resident.height) / 400));
  const { gridW, gridH, eosin, hematoxylin } = binStainChannels(kernels, resident, fit, binPx, 1);
  const diameters = erythrocyteDiametersInBins(eosin, hematoxylin, gridW, gridH).map((d) => d * binPx);
  if (diameters.length < MIN_ERYTHROCYTES) {
    throw new SmearscopeError(
      'INVALID_FRAME',
      `cannot estimate the scale: only ${diameters.length} separate erythrocytes found (need ${MIN_ERYTHROCYTES}); pass micronsPerPixel`,
    );
  }
  const median = areaWeightedMedian(diameters);
  return { micronsPerPixel: ERYTHROCYTE_MICRONS / median, erythrocyteDiameterPx: median, erythrocytes: diameters.length, estimated: true };
}

/**
 * The median of the diameters weighted by area (diameter squared): specks of debris and platelet
 * fragments that pass the shape tests are many but small, erythrocytes few but large.
 */
export function areaWeightedMedian(diameters: readonly number[]): number {
  const sorted = [...diameters].sort((a, b) => a - b);
  const total = sorted.reduce((sum, d) => sum + d * d, 0);
  let cumulative = 0;
  for (const d of sorted) {
    cumulative += d * d;
    if (cumulative >= total / 2) return d;
  }
  return sorted[sorted.length - 1];
}

/**
 * Diameters (in bins) of the round, separate erythrocytes in binned eosin/hematoxylin channels
 * (concentration x 1000, row-major gridW x gridH): eosin-rich bins (Otsu) that are not nuclei,
 * grouped into connected regions; a region counts as one red cell when it is round (bounding box
 * aspect 0.75..1.33), filled 40..95 % (pale centres leave holes) and clear of the grid border.
 * Pure function over plain arrays (tests use it).
 */
export function erythrocyteDiametersInBins(eosin: ArrayLike<number>, hematoxylin: ArrayLike<number>, gridW: number, gridH: number): number[] {
  const n = gridW * gridH;
  let maxE = 1;
  let maxH = 1;
  for (let i = 0; i < n; i++) {
    maxE = Math.max(maxE, eosin[i]);
    maxH = Math.max(maxH, hematoxylin[i]);
  }
  const histogram = new Float64Array(256);
  const quantized = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const q = Math.min(255, Math.max(0, Math.floor((eosin[i] * 255) / maxE)));
    quantized[i] = q;
    histogram[q]++;
  }
  const threshold = otsuBin(histogram);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = quantized[i] > threshold && hematoxylin[i] < 0.5 * maxH ? 1 : 0;

  const diameters: number[] = [];
  const seen = new Uint8Array(n);
  const stack: number[] = [];
  for (let start = 0; start < n; start++) {
    if (!mask[start] || seen[start]) continue;
    let x0 = gridW, y0 = gridH, x1 = -1, y1 = -1, area = 0;
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % gridW;
      const y = (p - x) / gridW;
      area++;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      for (const q of [x > 0 ? p - 1 : -1, x < gridW - 1 ? p + 1 : -1, y > 0 ? p - gridW : -1, y < gridH - 1 ? p + gridW : -1]) {
        if (q >= 0 && mask[q] && !seen[q]) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    const touchesBorder = x0 === 0 || y0 === 0 || x1 === gridW - 1 || y1 === gridH - 1;
    const fill = area / (w * h);
    if (!touchesBorder && w >= 4 && h >= 4 && w / h >= 0.75 && w / h <= 1 / 0.75 && fill >= 0.4 && fill <= 0.95) diameters.push((w + h) / 2);
  }
  return diameters;
}
