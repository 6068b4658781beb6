import { SmearscopeError } from '../errors.js';
import type { StainReference } from '../inference/model-card-types.js';
import { checkStainReference, concentrationUnmixing } from './stain-transform.js';

/** One located leukocyte. Positions are frame pixels (pixel (x, y) is centred at (x, y)). */
export interface CellLocation {
  /** Centre: the foreground centroid of the cell's window, then of nucleus-sized windows around it. */
  x: number;
  y: number;
  /** The square of patchMicrons around the centre: [x0, y0, x1, y1], frame pixels. */
  box: [number, number, number, number];
  /** Foreground fraction of the cell-sized window at the centre's grid point, 0..1. */
  ratio: number;
  /** The patch square leaves the frame. */
  crossesBorder: boolean;
}

export interface LocalizeOptions {
  micronsPerPixel: number;
  /** Side of the square cut around each cell for the model, microns. */
  patchMicrons: number;
  /** Expected leukocyte size: the side of the ratio window, microns (default 12). */
  cellMicrons?: number;
  /** A window must be at least this foreground to hold a cell (default 0.15: a round nucleus of
   * 5.2 um fills 0.15 of a 12 um window, so the smallest nuclei, of small lymphocytes and
   * erythroblasts, pass, while a platelet of 2 to 3 um fills 0.02 to 0.05). */
  minRatio?: number;
  /** Two cells are never closer than this, microns (default 0.75 x cellMicrons). */
  minDistanceMicrons?: number;
  /** Spacing of the ratio grid, microns (default cellMicrons / 6). */
  strideMicrons?: number;
  /** Side of the blocks the frame is binned into first, microns (default 0.5). */
  binMicrons?: number;
}

export const LOCALIZE_DEFAULTS = { cellMicrons: 12, minRatio: 0.15, binMicrons: 0.5 } as const;

/** Fixed-point scale of the binned stain channels (concentration x 1000). */
export const CHANNEL_SCALE = 1000;
/** Largest magnitude the kernels' i32 parameters hold. */
const MAX_I32 = 2 ** 31 - 1;
/** Largest table entry: the kernel adds a pixel's three entries in i32 before widening. */
const MAX_TABLE_ENTRY = 2 ** 29;
/** Concentrations are quantized over [0, QUANTIZE_MAX_C x maxC_h] for the Otsu histogram. */
const QUANTIZE_MAX_C = 1.5;
/** The Otsu threshold is clamped to this range, in units of the frame's maxC_h: below, the faint
 * hematoxylin of erythrocytes and background would pass; above, pale lymphocyte nuclei would not. */
export const THRESHOLD_BOUNDS = [0.3, 0.75] as const;
/** Centroid refinement: after the cell window, up to NUCLEUS_STEPS centroids in a window this
 * fraction of the cell's (0.6 x 12 um: a leukocyte nucleus is about 7 um across). */
const NUCLEUS_WINDOW_FRACTION = 0.6;
const NUCLEUS_STEPS = 4;

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

/** Everything sized in bins and grid points, derived from the frame size and the options. */
export interface LocalizeGeometry {
  width: number;
  height: number;
  micronsPerPixel: number;
  binPx: number;
  sampleStep: number;
  gridW: number;
  gridH: number;
  windowBins: number;
  strideBins: number;
  pointsW: number;
  pointsH: number;
  minDistancePx: number;
  patchPx: number;
  minRatio: number;
}

/** Validates the options (typed errors) and sizes the grids. */
export function localizeGeometry(width: number, height: number, options: LocalizeOptions): LocalizeGeometry {
  const { micronsPerPixel, patchMicrons } = options;
  const cellMicrons = options.cellMicrons ?? LOCALIZE_DEFAULTS.cellMicrons;
  const minRatio = options.minRatio ?? LOCALIZE_DEFAULTS.minRatio;
  const binMicrons = options.binMicrons ?? LOCALIZE_DEFAULTS.binMicrons;
  const minDistanceMicrons = options.minDistanceMicrons ?? 0.75 * cellMicrons;
  const strideMicrons = options.strideMicrons ?? cellMicrons / 6;
  const positive: Array<[string, number]> = [
    ['micronsPerPixel', micronsPerPixel], ['patchMicrons', patchMicrons], ['cellMicrons', cellMicrons],
    ['binMicrons', binMicrons], ['strideMicrons', strideMicrons], ['minDistanceMicrons', minDistanceMicrons],
  ];
  for (const [name, value] of positive) {
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new SmearscopeError('INVALID_ARGUMENT', `localize: ${name} must be a positive number of microns, got ${value}`);
    }
  }
  if (!(minRatio > 0 && minRatio <= 1)) throw new SmearscopeError('INVALID_ARGUMENT', `localize: minRatio must be in (0, 1], got ${minRatio}`);
  const cellPx = cellMicrons / micronsPerPixel;
  if (cellPx < 3) {
    throw new SmearscopeError('INVALID_ARGUMENT', `localize: a ${cellMicrons} um cell is only ${cellPx.toFixed(1)} px at ${micronsPerPixel} um/px; check micronsPerPixel`);
  }
  const binPx = Math.max(1, Math.min(Math.floor(binMicrons / micronsPerPixel), Math.floor(cellPx / 6)));
  const gridW = Math.ceil(width / binPx);
  const gridH = Math.ceil(height / binPx);
  const windowBins = Math.max(1, Math.round(cellPx / binPx));
  const strideBins = Math.max(1, Math.round(strideMicrons / micronsPerPixel / binPx));
  return {
    width, height, micronsPerPixel, binPx,
    sampleStep: binPx >= 4 ? 2 : 1,
    gridW, gridH, windowBins, strideBins,
    pointsW: Math.ceil(gridW / strideBins),
    pointsH: Math.ceil(gridH / strideBins),
    minDistancePx: minDistanceMicrons / micronsPerPixel,
    patchPx: patchMicrons / micronsPerPixel,
    minRatio,
  };
}

/**
 * Per-channel integer lookup tables of the two stains' least-squares concentrations x 1000:
 * 6 x 256 (h from R, G, B; then e from R, G, B). Summing table entries gives the same integer in
 * WASM and in the reference, so masks never differ by a rounding.
 */
export function stainChannelTables(channels: LocalizationChannels, Io = 240): Int32Array {
  const { unmix } = channels;
  const tables = new Int32Array(6 * 256);
  for (let stain = 0; stain < 2; stain++) {
    for (let channel = 0; channel < 3; channel++) {
      for (let v = 0; v < 256; v++) {
        const od = -Math.log((v + 1) / Io);
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

/** Largest value of the quantization (concentration x 1000) for a frame's hematoxylin channel. */
export function quantizeMax(channels: LocalizationChannels): number {
  const maxValue = Math.max(1, Math.round(QUANTIZE_MAX_C * channels.hematoxylinMax * CHANNEL_SCALE));
  // The kernel takes it as i32 (a wrapped value would divide by zero or index out of the histogram).
  if (maxValue > MAX_I32) throw new SmearscopeError('INVALID_ARGUMENT', `localize: maxC ${channels.hematoxylinMax} of the frame stain fit is absurdly large`);
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
export function maskThreshold(histogram: ArrayLike<number>, channels: LocalizationChannels): { threshold: number; otsuBin: number; clamped: boolean } {
  const maxValue = quantizeMax(channels);
  const otsu = otsuBin(histogram);
  const lowBin = Math.floor((THRESHOLD_BOUNDS[0] * channels.hematoxylinMax * CHANNEL_SCALE * 255) / maxValue);
  const highBin = Math.floor((THRESHOLD_BOUNDS[1] * channels.hematoxylinMax * CHANNEL_SCALE * 255) / maxValue);
  const bin = Math.min(Math.max(otsu, lowBin), highBin);
  // q = floor(v * 255 / maxValue) > bin  <=>  v >= ceil((bin + 1) * maxValue / 255)
  const threshold = Math.ceil(((bin + 1) * maxValue) / 255) - 1;
  return { threshold, otsuBin: otsu, clamped: bin !== otsu };
}

/**
 * Cells from the window counts: local maxima of the foreground ratio above minRatio, strongest
 * first; each centre moved to the foreground centroid of its window and then of nucleus-sized
 * windows (see below); a centre closer than minDistance to a stronger cell's is dropped
 * (non-maximum suppression on the refined centres). Ratios are compared as exact integer cross
 * products, so every implementation of the counts gives the same cells.
 */
export function cellsFromCounts(
  counts: ArrayLike<number>,
  areas: ArrayLike<number>,
  mask: ArrayLike<number>,
  geometry: LocalizeGeometry,
): CellLocation[] {
  const { pointsW, pointsH, strideBins, windowBins, gridW, gridH, binPx, minRatio } = geometry;
  // a > b in ratio: counts[a] * areas[b] > counts[b] * areas[a]
  const compare = (a: number, b: number) => counts[a] * areas[b] - counts[b] * areas[a];
  const peaks: number[] = [];
  for (let j = 0; j < pointsH; j++) {
    for (let i = 0; i < pointsW; i++) {
      const p = j * pointsW + i;
      if (counts[p] === 0 || counts[p] < minRatio * areas[p]) continue;
      let isPeak = true;
      for (let dj = -1; dj <= 1 && isPeak; dj++) {
        for (let di = -1; di <= 1; di++) {
          if (di === 0 && dj === 0) continue;
          const ni = i + di;
          const nj = j + dj;
          if (ni < 0 || nj < 0 || ni >= pointsW || nj >= pointsH) continue;
          const q = nj * pointsW + ni;
          const order = compare(p, q);
          // Plateaus: the first point in raster order wins.
          if (order < 0 || (order === 0 && q < p)) {
            isPeak = false;
            break;
          }
        }
      }
      if (isPeak) peaks.push(p);
    }
  }
  peaks.sort((a, b) => -compare(a, b) || a - b);

  const minDistanceSquared = geometry.minDistancePx ** 2;
  const nucleusBins = Math.max(1, Math.round(NUCLEUS_WINDOW_FRACTION * windowBins));
  const cells: CellLocation[] = [];
  for (const p of peaks) {
    // The peak's cell-sized window first; then nucleus-sized windows, each centred on the last
    // centroid, walk onto this cell's own nucleus: in dense marrow the cell window also holds the
    // edges of neighbouring cells, which would pull a single centroid off the cell.
    // A peak has counts[p] > 0, so its window holds foreground and the centroid exists.
    let [cx, cy] = maskCentroid(mask, gridW, gridH, (p % pointsW) * strideBins, Math.floor(p / pointsW) * strideBins, windowBins)!;
    for (let step = 0; step < NUCLEUS_STEPS; step++) {
      const next = maskCentroid(mask, gridW, gridH, Math.floor(cx + 0.5), Math.floor(cy + 0.5), nucleusBins);
      if (!next || (next[0] === cx && next[1] === cy)) break;
      [cx, cy] = next;
    }
    // Bin b covers pixels [b * binPx, b * binPx + binPx - 1]: its centre is b * binPx + (binPx - 1) / 2.
    const x = cx * binPx + (binPx - 1) / 2;
    const y = cy * binPx + (binPx - 1) / 2;
    if (cells.some((c) => (c.x - x) ** 2 + (c.y - y) ** 2 < minDistanceSquared)) continue;
    const half = geometry.patchPx / 2;
    const box: [number, number, number, number] = [x - half, y - half, x + half, y + half];
    cells.push({
      x, y, box,
      ratio: counts[p] / areas[p],
      crossesBorder: box[0] < -0.5 || box[1] < -0.5 || box[2] > geometry.width - 0.5 || box[3] > geometry.height - 0.5,
    });
  }
  return cells;
}

/**
 * Centroid (in bins) of the set mask bins in the `windowBins` square around bin (cx, cy),
 * [c - floor(w / 2), c + w - floor(w / 2)) per axis, clipped to the grid; undefined when none is set.
 */
function maskCentroid(mask: ArrayLike<number>, gridW: number, gridH: number, cx: number, cy: number, windowBins: number): [number, number] | undefined {
  const before = windowBins >> 1;
  const after = windowBins - before;
  let sumX = 0;
  let sumY = 0;
  let n = 0;
  for (let y = Math.max(cy - before, 0); y < Math.min(cy + after, gridH); y++) {
    for (let x = Math.max(cx - before, 0); x < Math.min(cx + after, gridW); x++) {
      if (mask[y * gridW + x]) {
        sumX += x;
        sumY += y;
        n++;
      }
    }
  }
  return n > 0 ? [sumX / n, sumY / n] : undefined;
}
