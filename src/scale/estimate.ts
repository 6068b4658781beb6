import { SmearscopeError } from '../errors.js';
import type { StainReference } from '../stain/reference.js';
import type { KernelInstance } from '../kernels/load.js';
import { binStainChannels, localizationChannels, type LocalizationChannels } from '../localize/channels.js';
import { maskThreshold, otsuBin, quantizeLevel, quantizeMax } from '../localize/threshold.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';
import { areaWeightedMedian, fillHoles, powerCellDiameters } from './discs.js';

export { areaWeightedMedian } from './discs.js';

/** Typical erythrocyte diameter on a smear, microns. */
export const ERYTHROCYTE_MICRONS = 7.5;
/** Fewer measurable erythrocytes than this and the estimate is refused. */
const MIN_ERYTHROCYTES = 3;
/** Green OD (x 1000) is quantized over [0, 1.5] for its Otsu histogram: erythrocytes absorb well
 * under OD 1.5 in green, so the levels go where background and red cells differ. */
const GREEN_OD_MAX = 1500;
/** The frame is binned to about this many blocks along its longer side before measuring. */
const BINS_PER_LONG_SIDE = 400;
/** With a given scale, a frame's bins may be as coarse as this many per erythrocyte diameter: the
 * inscribed discs and power-cell shares measure a cell of 15 bins across within a few percent, far
 * inside the 25 % a given scale must be off by to be reported. On 150 frames each of BCCD and of
 * txl-pbc-dev's PBC and BCCD at their annotated scale (given x 1 / 0.7 / 1.35 / 2, frames warned),
 * against their field's 2 px bins: BCCD 5 / 126 / 85 / 146 (was 7 / 137 / 77 / 149), PBC 4 / 128 /
 * 87 / 124 (5 / 118 / 72 / 119), txl BCCD 0 / 141 / 92 / 147 (2 / 145 / 91 / 148), at 1-1.6 ms a
 * check instead of 10-16. (At 10 per erythrocyte BCCD's false warnings rose to 16.) */
const BINS_PER_ERYTHROCYTE = 15;
/** ... and on a large frame (field bins of 4 px or more, hundreds of erythrocytes) 10: on 2560 x 1920
 * tilings of BCCD frames within 4 % (median 0.4 %) of the field's 6 px bins. */
const LARGE_FRAME_BINS_PER_ERYTHROCYTE = 10;

/** A given scale this many times too small or more is a slip of units (0.0075 for 0.075 um/px), not a
 * calibration that drifted: the field's bins then take their own look (tryEstimateScale). */
const UNIT_SLIP_FACTOR = 4;

/** A given scale is checked on at most this many pixels: a centred band of whole rows (see
 * scaleCheckBand). */
const MAX_CHECK_PIXELS = 1_310_720;

/** Normal erythrocytes vary about 7 % (SD) in diameter about their mean, and the measured shares
 * of touching cells more: a frame's spread is taken as at least this, relative, so three cells
 * that happen to agree do not claim a tight interval. */
const MIN_RELATIVE_SPREAD = 0.08;
/** An estimate is confident (fit for the run's calibration) from this many erythrocytes on, with a
 * 95 % interval within +-MAX_CONFIDENT_HALF_WIDTH of the estimate. */
const MIN_CONFIDENT_ERYTHROCYTES = 5;
const MAX_CONFIDENT_HALF_WIDTH = 0.1;

export interface ScaleEstimate {
  micronsPerPixel: number;
  /** 95 % interval of micronsPerPixel, [low, high] (from the spread of the measured cells). */
  interval: [number, number];
  /** Area-weighted median diameter of the measured erythrocytes, frame pixels. */
  erythrocyteDiameterPx: number;
  /** How many erythrocytes were measured. */
  erythrocytes: number;
  /** Enough cells and a narrow enough interval for the estimate to stand for the frame (and to
   * enter the run's calibration); else the run's calibration should be preferred. */
  confident: boolean;
  estimated: true;
}

/** The scale of a run of frames (one slide, one microscope): the median of its confident per-frame
 * estimates, with the interval of that median, and how many frames and red cells it rests on. */
export interface RunCalibration {
  micronsPerPixel: number;
  interval: [number, number];
  frames: number;
  erythrocytes: number;
}

/**
 * Estimates the pixel size from the erythrocytes (about 7.5 um across). The frame (with a given
 * scale to check, at most a band of ~1.3 MP of it: scaleCheckBand) is binned to
 * ~400 blocks along its longer side (see scaleBinPx and scaleSampleStep for large frames and a
 * `givenMicronsPerPixel` only being checked) into two integer channels: the nuclear stain of the frame's
 * fit (as localization uses it) and green OD, which haemoglobin and eosin absorb and a bright
 * background does not. Red-cell bins are green OD above Otsu's threshold and not nuclear; their
 * pale centres are filled, and the touching cells are measured by `powerCellDiameters`; the
 * area-weighted median diameter gives micronsPerPixel. Throws INVALID_FRAME when fewer than 3
 * erythrocytes can be measured (a blank frame, leukocytes only, a mosaic of pasted single-cell
 * crops): pass micronsPerPixel. Plain JS on the binned grid: a few ms for 640 x 480 or a 5 MP frame.
 */
export function estimateScale(
  kernels: KernelInstance,
  resident: ResidentFrame,
  fit: StainReference,
  givenMicronsPerPixel?: number,
  binPx = scaleBinPx(resident.width, resident.height, givenMicronsPerPixel),
): ScaleEstimate {
  const channels = scaleChannels(fit);
  const sampleStep = scaleSampleStep(binPx);
  const measured = givenMicronsPerPixel === undefined ? resident : scaleCheckBand(resident);
  const { gridW, gridH, hematoxylin, secondChannel: greenOd } = binStainChannels(kernels, measured, channels, binPx, sampleStep);
  const diameters = erythrocyteDiametersInBins(greenOd, hematoxylin, channels, gridW, gridH).map((d) => d * binPx);
  if (diameters.length < MIN_ERYTHROCYTES) {
    throw new SmearscopeError(
      'INVALID_FRAME',
      `cannot estimate the scale: only ${diameters.length} erythrocytes could be measured (need ${MIN_ERYTHROCYTES}); pass micronsPerPixel`,
    );
  }
  return scaleFromDiameters(diameters);
}

/**
 * The sampling step inside a bin: from 4 px bins on, 2 x 2 pixels of each bin (floor(binPx / 2)
 * apart) instead of all of them. The bins are there to measure erythrocytes, 14 bins or more
 * across at that size, and a bin's mean green OD over 4 pixels tells red cell from background as
 * well as over 36; the frames the estimate is tuned on (640 x 480 and smaller, 1 to 2 px bins)
 * keep every pixel. Every pixel of a 2452 x 2056 frame cost ~12 of the ~20 ms the estimate took.
 */
export function scaleSampleStep(binPx: number): number {
  return binPx >= 4 ? Math.floor(binPx / 2) : 1;
}

/**
 * Where a given scale is checked: the whole frame up to MAX_CHECK_PIXELS (~1.3 MP; every frame the
 * estimate is tuned on), else a centred band of whole rows of that many pixels (a view of the
 * resident frame, no copy): 2452 x 535 of a 2452 x 2056 frame, 53 um tall at 0.1 um/px, where a
 * smear's monolayer holds a hundred erythrocytes or more. Measuring them is the costliest step of
 * preprocessing a frame full of red cells (16 ms on a 2560 x 1920 tiling of BCCD frames, 4 ms in
 * the band), and a given scale only needs to be caught when it is 25 % off. Without a given scale
 * the estimate is the frame's scale and measures the whole frame.
 */
export function scaleCheckBand(resident: ResidentFrame): ResidentFrame {
  if (resident.width * resident.height <= MAX_CHECK_PIXELS) return resident;
  const rows = Math.ceil(MAX_CHECK_PIXELS / resident.width);
  const top = Math.floor((resident.height - rows) / 2);
  return { ...resident, ptr: resident.ptr + top * resident.width * resident.channels, height: rows };
}

/**
 * Side of the estimate's bins, frame pixels: about BINS_PER_LONG_SIDE along the longer side. A
 * frame whose scale is given, so only checked, is binned no finer than BINS_PER_ERYTHROCYTE per
 * erythrocyte at that scale (a 640 x 480 BCCD frame at 0.075 um/px: 6 px instead of 2, a ninth of
 * the bins), a large frame no finer than LARGE_FRAME_BINS_PER_ERYTHROCYTE (2452 x 2056 at 0.086
 * um/px: 8 px instead of 6); a given scale that is wrong by the factor that matters still leaves
 * its erythrocytes 8 bins across or more. Without a given scale the field's bins measure the frame.
 */
export function scaleBinPx(width: number, height: number, givenMicronsPerPixel?: number): number {
  const fieldBinPx = Math.max(1, Math.round(Math.max(width, height) / BINS_PER_LONG_SIDE));
  if (givenMicronsPerPixel === undefined) return fieldBinPx;
  const perErythrocyte = fieldBinPx >= 4 ? LARGE_FRAME_BINS_PER_ERYTHROCYTE : BINS_PER_ERYTHROCYTE;
  return Math.max(fieldBinPx, Math.floor(ERYTHROCYTE_MICRONS / givenMicronsPerPixel / perErythrocyte));
}

/**
 * `estimateScale`, or undefined where it throws INVALID_FRAME (too few erythrocytes). A given scale
 * is checked at the coarse bins it allows (scaleBinPx); where those find too few erythrocytes and
 * are twice the field's own bins or more, the check is repeated at the field's bins (kept when it
 * says the given scale is UNIT_SLIP_FACTOR too small or more), since a given scale far too small (a unit slip: 0.0075
 * for 0.075 um/px) asks for bins as large as the real red cells and would otherwise pass unchecked.
 */
export function tryEstimateScale(
  kernels: KernelInstance,
  resident: ResidentFrame,
  fit: StainReference,
  givenMicronsPerPixel?: number,
): ScaleEstimate | undefined {
  const attempt = (binPx?: number) => {
    try {
      return estimateScale(kernels, resident, fit, givenMicronsPerPixel, binPx);
    } catch (error) {
      if (error instanceof SmearscopeError && error.code === 'INVALID_FRAME') return undefined;
      throw error;
    }
  };
  const estimate = attempt();
  if (estimate || givenMicronsPerPixel === undefined) return estimate;
  // Only where the given scale's bins are twice the field's or more: a frame whose bins barely
  // differ (2452 x 2056 at 0.086 um/px: 8 px against 6) would pay a second measurement for nothing.
  const fieldBinPx = scaleBinPx(resident.width, resident.height);
  if (scaleBinPx(resident.width, resident.height, givenMicronsPerPixel) < 2 * fieldBinPx) return undefined;
  const fine = attempt(fieldBinPx);
  // Only what this second look is for: an estimate that puts the given scale UNIT_SLIP_FACTOR or more
  // too small. (Single-cell crops analyzed as frames still get more false warnings from it: bm-matek-7
  // crops given 0.1 um/px, 180 of 210 warned against 156 without it; such crops belong in singleCell.)
  return fine && fine.micronsPerPixel >= UNIT_SLIP_FACTOR * givenMicronsPerPixel ? fine : undefined;
}

/**
 * The estimate from erythrocyte diameters (px): 7.5 um over their area-weighted median. The
 * interval is that of a median, +-1.96 x 1.2533 x spread / sqrt(n), where the spread is the
 * diameters' robust relative SD (1.4826 x MAD / median), at least MIN_RELATIVE_SPREAD.
 */
export function scaleFromDiameters(diameters: readonly number[]): ScaleEstimate {
  const median = areaWeightedMedian(diameters);
  const sorted = [...diameters].sort((a, b) => a - b);
  const deviations = sorted.map((d) => Math.abs(d - median)).sort((a, b) => a - b);
  const mad = deviations[Math.floor((deviations.length - 1) / 2)];
  const spread = Math.max(MIN_RELATIVE_SPREAD, (1.4826 * mad) / median);
  const halfWidth = (1.96 * 1.2533 * spread) / Math.sqrt(diameters.length);
  const micronsPerPixel = ERYTHROCYTE_MICRONS / median;
  return {
    micronsPerPixel,
    interval: [micronsPerPixel / (1 + halfWidth), micronsPerPixel / Math.max(1 - halfWidth, 0.5)],
    erythrocyteDiameterPx: median,
    erythrocytes: diameters.length,
    confident: diameters.length >= MIN_CONFIDENT_ERYTHROCYTES && halfWidth <= MAX_CONFIDENT_HALF_WIDTH,
    estimated: true,
  };
}

/**
 * The run's calibration from its frames' estimates: the median micronsPerPixel of the confident
 * ones (undefined when none is), its 95 % interval the distribution-free one of a median (order
 * statistics n/2 -+ 0.98 sqrt(n)), widened to the median frame's own interval when fewer frames
 * leave it wider.
 */
export function calibrateRun(estimates: readonly ScaleEstimate[]): RunCalibration | undefined {
  const confident = estimates.filter((e) => e.confident).sort((a, b) => a.micronsPerPixel - b.micronsPerPixel);
  const n = confident.length;
  if (n === 0) return undefined;
  const values = confident.map((e) => e.micronsPerPixel);
  const micronsPerPixel = n % 2 ? values[(n - 1) / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  const middle = confident[Math.floor((n - 1) / 2)];
  const lowRank = Math.max(0, Math.floor(n / 2 - 0.98 * Math.sqrt(n)));
  const highRank = Math.min(n - 1, Math.ceil(n / 2 + 0.98 * Math.sqrt(n)) - 1);
  const orderInterval: [number, number] = [values[lowRank], values[highRank]];
  const ownWidth = (middle.interval[1] - middle.interval[0]) / Math.sqrt(n);
  const interval: [number, number] =
    orderInterval[1] - orderInterval[0] >= ownWidth ? orderInterval : [micronsPerPixel - ownWidth / 2, micronsPerPixel + ownWidth / 2];
  return { micronsPerPixel, interval, frames: n, erythrocytes: confident.reduce((sum, e) => sum + e.erythrocytes, 0) };
}

/** Localization's nuclear channel, and green OD as the second channel. */
export function scaleChannels(fit: StainReference): LocalizationChannels {
  const localization = localizationChannels(fit);
  return { ...localization, unmix: [localization.unmix[0], [0, 1, 0]] };
}

/**
 * Diameters (in bins) of the erythrocytes in binned channels (x 1000, row-major gridW x gridH):
 * nuclear bins are those localization would mask (its clamped Otsu threshold on `hematoxylin`);
 * red-cell bins are the other bins whose green OD is above Otsu's threshold over those other bins
 * (background against erythrocytes; nuclei, far darker, would pull it up). Pale centres are
 * filled, then powerCellDiameters measures the cells clear of the grid border that are not
 * leukocytes (a nucleus filled in as a hole). Pure function over plain arrays (tests use it).
 */
export function erythrocyteDiametersInBins(
  greenOd: ArrayLike<number>,
  hematoxylin: ArrayLike<number>,
  channels: LocalizationChannels,
  gridW: number,
  gridH: number,
): number[] {
  const n = gridW * gridH;
  const hematoxylinHistogram = new Uint32Array(256);
  const hematoxylinMax = quantizeMax(channels);
  for (let i = 0; i < n; i++) hematoxylinHistogram[quantizeLevel(hematoxylin[i], hematoxylinMax)]++;
  const nuclearThreshold = maskThreshold(hematoxylinHistogram, channels).threshold;
  const greenHistogram = new Uint32Array(256);
  const nucleus = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (hematoxylin[i] > nuclearThreshold) nucleus[i] = 1;
    else greenHistogram[quantizeLevel(greenOd[i], GREEN_OD_MAX)]++;
  }
  // quantizeLevel(v) > greenBin  <=>  v > greenThreshold (integer v; as maskThreshold maps its bin).
  const greenThreshold = Math.ceil(((otsuBin(greenHistogram) + 1) * GREEN_OD_MAX) / 255) - 1;
  const red = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (!nucleus[i] && greenOd[i] > greenThreshold) red[i] = 1;
  return powerCellDiameters(fillHoles(red, gridW, gridH), nucleus, gridW, gridH);
}
