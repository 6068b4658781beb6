// Plain TypeScript reference of the localization kernels (assembly/localize.ts), for the tests and
// the benchmark's speed-up ratio: straight loops from each kernel's definition, exact integers.
// Window counts are summed directly over the mask, not read from the summed-area table, so they
// check the WASM table path independently. The light JS steps (channel tables, geometry, Otsu,
// peaks, NMS, centroids) are the SDK's own, shared from src/localize/.

import type { Frame } from '../../src/frame.js';
import type { StainReference } from '../../src/stain/reference.js';
import { cellsFromCounts } from '../../src/localize/cells.js';
import { localizationChannels, stainChannelTables, CHANNEL_SCALE } from '../../src/localize/channels.js';
import { localizeGeometry, type LocalizeOptions } from '../../src/localize/geometry.js';
import { maskThreshold, quantizeMax } from '../../src/localize/threshold.js';
import type { Localization, LocalizeStages } from '../../src/localize/localize-cells.js';

/**
 * Per block of `binPx` x `binPx` pixels (clipped at the frame edge), the mean over the pixels
 * sampled every `sampleStep` pixels (from the block's first row and column) of the summed table
 * entries of each of the first `channelCount` channels: channel k from tables 3k..3k+2
 * (`tables`: 6 x 256, indexed by the R, G, B byte). Means truncate toward zero. Returns new
 * row-major [gridH x gridW] arrays, one per channel.
 */
export function referenceBinChannels(frame: Frame, tables: Int32Array, binPx: number, sampleStep: number, channelCount: 1 | 2) {
  const gridW = Math.ceil(frame.width / binPx);
  const gridH = Math.ceil(frame.height / binPx);
  const binned = Array.from({ length: channelCount }, () => new Int32Array(gridW * gridH));
  for (let gy = 0; gy < gridH; gy++) {
    for (let gx = 0; gx < gridW; gx++) {
      const sums = [0, 0];
      let count = 0;
      for (let y = gy * binPx; y < Math.min((gy + 1) * binPx, frame.height); y += sampleStep) {
        for (let x = gx * binPx; x < Math.min((gx + 1) * binPx, frame.width); x += sampleStep) {
          const at = (y * frame.width + x) * frame.channels;
          for (let k = 0; k < channelCount; k++) {
            for (let colour = 0; colour < 3; colour++) sums[k] += tables[(3 * k + colour) * 256 + frame.pixels[at + colour]];
          }
          count++;
        }
      }
      for (let k = 0; k < channelCount; k++) binned[k][gy * gridW + gx] = Math.trunc(sums[k] / count);
    }
  }
  return { gridW, gridH, binned };
}

/** 256-bin histogram of clamp(floor(max(v, 0) * 255 / maxValue), 0, 255) over `values`. */
export function referenceQuantizedHistogram(values: ArrayLike<number>, maxValue: number): Uint32Array {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) {
    histogram[Math.min(255, Math.floor((Math.max(values[i], 0) * 255) / maxValue))]++;
  }
  return histogram;
}

/** 1 where value > threshold, else 0. */
export function referenceMask(values: ArrayLike<number>, threshold: number): Uint8Array {
  return Uint8Array.from(values, (value) => (value > threshold ? 1 : 0));
}

/**
 * Summed-area table of a [gridH x gridW] mask, [(gridH + 1) x (gridW + 1)]: entry (y, x) is the
 * number of set bins in rows < y and columns < x (so the first row and column are 0). Built column
 * by column, the transpose of the kernel's row-wise recurrence.
 */
export function referenceSummedArea(mask: ArrayLike<number>, gridW: number, gridH: number): Uint32Array {
  const stride = gridW + 1;
  const table = new Uint32Array(stride * (gridH + 1));
  for (let x = 0; x < gridW; x++) {
    let columnSum = 0;
    for (let y = 0; y < gridH; y++) {
      columnSum += mask[y * gridW + x];
      table[(y + 1) * stride + x + 1] = table[(y + 1) * stride + x] + columnSum;
    }
  }
  return table;
}

/**
 * For every point (i, j) of the stride grid (bin (i * strideBins, j * strideBins)), the number of
 * set mask bins in the `windowBins` square around it, [c - floor(w / 2), c + w - floor(w / 2)) per
 * axis clipped to the grid, counted bin by bin; and the clipped window's area in bins.
 */
export function referenceWindowCounts(mask: ArrayLike<number>, gridW: number, gridH: number, windowBins: number, strideBins: number) {
  const pointsW = Math.ceil(gridW / strideBins);
  const pointsH = Math.ceil(gridH / strideBins);
  const counts = new Uint32Array(pointsW * pointsH);
  const areas = new Uint32Array(pointsW * pointsH);
  const before = Math.floor(windowBins / 2);
  const after = windowBins - before;
  for (let j = 0; j < pointsH; j++) {
    for (let i = 0; i < pointsW; i++) {
      let count = 0;
      let area = 0;
      for (let y = Math.max(j * strideBins - before, 0); y < Math.min(j * strideBins + after, gridH); y++) {
        for (let x = Math.max(i * strideBins - before, 0); x < Math.min(i * strideBins + after, gridW); x++) {
          count += mask[y * gridW + x];
          area++;
        }
      }
      counts[j * pointsW + i] = count;
      areas[j * pointsW + i] = area;
    }
  }
  return { counts, areas };
}

/**
 * `localizeWithStages` (src/localize/) on a plain frame: the same cells and every
 * intermediate grid, computed by the reference kernels above. Throws what the SDK throws for
 * invalid options or fits.
 */
export function referenceLocalize(
  frame: Frame,
  fit: StainReference,
  options: LocalizeOptions,
): { localization: Localization; stages: LocalizeStages } {
  const channels = localizationChannels(fit);
  const geometry = localizeGeometry(frame.width, frame.height, options);
  const { gridW, gridH, binPx, sampleStep, windowBins, strideBins } = geometry;
  const [hematoxylin] = referenceBinChannels(frame, stainChannelTables(channels), binPx, sampleStep, 1).binned;
  const histogram = referenceQuantizedHistogram(hematoxylin, quantizeMax(channels));
  const { threshold, clamped } = maskThreshold(histogram, channels);
  const mask = referenceMask(hematoxylin, threshold);
  const summedArea = referenceSummedArea(mask, gridW, gridH);
  const { counts, areas } = referenceWindowCounts(mask, gridW, gridH, windowBins, strideBins);
  const cells = cellsFromCounts(counts, areas, mask, geometry);
  return {
    localization: { cells, threshold: threshold / CHANNEL_SCALE, thresholdClamped: clamped, channels: channels.source, geometry },
    stages: { hematoxylin, histogram, mask, summedArea, counts, areas },
  };
}
