import type { KernelInstance } from '../kernels/load.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';
import type { StainReference } from '../stain/reference.js';
import { cellsFromCounts, type CellLocation } from './cells.js';
import { CHANNEL_SCALE, localizationChannels, stainChannelTables, type LocalizationChannels } from './channels.js';
import { localizeGeometry, type LocalizeGeometry, type LocalizeOptions } from './geometry.js';
import { maskThreshold, quantizeMax } from './threshold.js';

export interface Localization {
  cells: CellLocation[];
  /** Hematoxylin-like concentration above which a bin is foreground (Otsu, clamped). */
  threshold: number;
  /** Otsu's own choice was outside the sane bounds and was clamped. */
  thresholdClamped: boolean;
  /** What the hematoxylin channel was made of (see localizationChannels). */
  channels: LocalizationChannels['source'];
  geometry: LocalizeGeometry;
}

/** Intermediate grids of one localization, copied out for tests and diagnostics. */
export interface LocalizeStages {
  hematoxylin: Int32Array;
  histogram: Uint32Array;
  mask: Uint8Array;
  summedArea: Uint32Array;
  counts: Uint32Array;
  areas: Uint32Array;
}

/**
 * Finds leukocytes in a resident frame by their foreground ratio (ARCHITECTURE.md): the frame is
 * binned (~0.75 um blocks) into an integer hematoxylin-like channel from the frame's stain fit, the
 * hematoxylin channel is thresholded (Otsu, clamped), and a summed-area table gives the foreground
 * fraction of a cell-sized window on a stride grid; its peaks, after NMS and centroid refinement,
 * are the cells. Scratch comes from and returns to kernel memory; the frame is only read.
 */
export function localizeCells(
  kernels: KernelInstance,
  resident: ResidentFrame,
  fit: StainReference,
  options: LocalizeOptions,
): Localization {
  return runLocalize(kernels, resident, fit, options, false).localization;
}

/** `localizeCells` plus copies of every intermediate grid (tests compare them with the reference). */
export function localizeWithStages(kernels: KernelInstance, resident: ResidentFrame, fit: StainReference, options: LocalizeOptions) {
  return runLocalize(kernels, resident, fit, options, true) as { localization: Localization; stages: LocalizeStages };
}

function runLocalize(
  kernels: KernelInstance,
  resident: ResidentFrame,
  frameFit: StainReference,
  options: LocalizeOptions,
  keepStages: boolean,
) {
  const channels = localizationChannels(frameFit);
  const geometry = localizeGeometry(resident.width, resident.height, options);
  const { gridW, gridH, pointsW, pointsH } = geometry;
  const exports = kernels.exports;
  const memory = kernels.memory;
  const bins = gridW * gridH;
  const points = pointsW * pointsH;
  const mark = memory.mark();
  try {
    const lut = memory.allocCopy(stainChannelTables(channels));
    const h = memory.alloc(bins * 4);
    const histogram = memory.alloc(256 * 4);
    const mask = memory.alloc(bins);
    const sat = memory.alloc((gridW + 1) * (gridH + 1) * 4);
    const counts = memory.alloc(points * 4);
    const areas = memory.alloc(points * 4);
    exports.binHematoxylin(resident.ptr, resident.width, resident.height, resident.channels, lut, geometry.binPx, geometry.sampleStep, h);
    exports.quantizedHistogram(h, bins, quantizeMax(channels), histogram);
    const { threshold, clamped } = maskThreshold(memory.u32(histogram, 256), channels);
    exports.maskAndSummedArea(h, gridW, gridH, threshold, mask, sat);
    exports.windowCounts(sat, gridW, gridH, geometry.windowBins, geometry.strideBins, counts, areas);
    memory.checkCanaries();
    const cells = cellsFromCounts(memory.u32(counts, points), memory.u32(areas, points), memory.u8(mask, bins), geometry);
    const localization: Localization = {
      cells,
      threshold: threshold / CHANNEL_SCALE,
      thresholdClamped: clamped,
      channels: channels.source,
      geometry,
    };
    if (!keepStages) return { localization };
    const stages: LocalizeStages = {
      hematoxylin: memory.i32(h, bins).slice(),
      histogram: memory.u32(histogram, 256).slice(),
      mask: memory.u8(mask, bins).slice(),
      summedArea: memory.u32(sat, (gridW + 1) * (gridH + 1)).slice(),
      counts: memory.u32(counts, points).slice(),
      areas: memory.u32(areas, points).slice(),
    };
    return { localization, stages };
  } finally {
    memory.release(mark);
  }
}
