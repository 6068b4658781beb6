// Localization quality (issue 3, "Correctness"): how well localizeCells finds leukocytes on real
// BCCD blood frames (WBC boxes), on the frames of three labs of txl-pbc-dev (localization-sources.ts)
// and on bone-marrow mosaics with known centres. Run by
// test/node/localization-quality.test.ts (floors) and printed by localization-quality-main.ts.
//
// BCCD protocol: every frame of bccd/JPEGImages; per frame the Macenko fit (pixel stride 2) and
// localizeCells twice: at BCCD's pixel size (given), and at the frame's own erythrocyte scale
// estimate (estimateScale, as the pipeline does for a frame without micronsPerPixel; a frame
// whose estimate is refused counts as no cells there). A cell centre inside a WBC box (VOC pixel
// coordinates, inclusive) is a hit, one hit per box, boxes matched in file order to the first
// unused cell (cells come strongest first); cells left unmatched are false positives. A frame
// whose fit fails counts as no cells. Beside: the annotated RBC boxes' size, for the estimates.
// Mosaic protocol: generateMosaic seeds, each true centre matched (in order) to the nearest unused
// cell within half a patch; recall and the median centre error in % of the patch side.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SmearscopeError } from '../src/errors.js';
import { decodeImage } from '../src/io/decode.js';
import { instantiateKernels, type KernelInstance } from '../src/kernels/load.js';
import type { CellLocation } from '../src/localize/cells.js';
import { localizeCells } from '../src/localize/localize-cells.js';
import { placeFrame } from '../src/kernels/resident-frame.js';
import { estimateScale } from '../src/scale/estimate.js';
import { fitFrame, matchBoxes, wbcHits, PATCH_MICRONS, type Box, type WbcHits } from './localization-match.js';
import { measureSource, TXL_SOURCES, type SourceQuality } from './localization-sources.js';
import { generateMosaic } from './mosaic.js';
import { percentile } from './stats.js';

/**
 * BCCD's pixel size, um/px: 7.5 um over the erythrocyte diameter, which this script measures two
 * ways: the median annotated RBC box (round, inside the frame) is 104 px (0.072), the median of
 * the per-frame estimates 96 px (0.078; the boxes are drawn a little loose). 0.075 lies between.
 */
export const BCCD_MICRONS_PER_PIXEL = 0.075;
export interface LocalizationQualityOptions {
  /** Folder holding bccd/ and bm-matek-7/ (default ../shared/data, from the repository root). */
  dataDir?: string;
  /** Only the first this many BCCD frames, sorted by name (default all). */
  bccdFrames?: number;
  /** Mosaic seeds (default 1..6; each a 2452 x 2056 frame of 24 crops). */
  mosaicSeeds?: number[];
  /** txl-pbc-dev: every this many frames of each source (default 1, all; 0 skips the sources). */
  txlFrameStep?: number;
}

export interface LocalizationQuality {
  /** At BCCD_MICRONS_PER_PIXEL on every frame. */
  bccd: WbcHits & {
    /** WBC boxes over the frames measured. */
    boxes: number;
    frames: number;
    /** Frames whose stain fit failed (counted as no cells). */
    fitFailures: number;
    micronsPerPixel: number;
    /** Each frame at its own erythrocyte scale estimate (refused frames: no cells). */
    withEstimatedScale: WbcHits;
    /** Per-frame erythrocyte scale estimates, um/px: median and quartiles over the frames that gave one. */
    estimatedScale: { median: number; lowerQuartile: number; upperQuartile: number; frames: number; refused: number };
    /** Median erythrocyte diameter, px: of the per-frame estimates, and of the annotated RBC boxes
     * (round ones, clear of the frame edge). */
    erythrocyteDiameterPx: { estimated: number; annotated: number };
  };
  /** Per source of txl-pbc-dev (localization-sources.ts), at the given, per-frame, auto and run scale. */
  sources: SourceQuality[];
  mosaics: {
    recall: number;
    /** Median distance of matched cells from the true centre, % of the patch side. */
    centreErrorMedianPercent: number;
    /** True cells over all mosaics, and how many of them were found. */
    cells: number;
    found: number;
    /** Located cells matched to no true cell. */
    extraCells: number;
    frames: number;
  };
}

/** Measures both protocols with one kernel instance (about 10 s of one core for the full sets). */
export async function measureLocalization(options: LocalizationQualityOptions = {}): Promise<LocalizationQuality> {
  const dataDir = options.dataDir ?? '../shared/data';
  const kernels = await instantiateKernels();
  return {
    bccd: await measureBccd(kernels, join(dataDir, 'bccd'), options.bccdFrames),
    sources: await measureSources(kernels, join(dataDir, 'txl-pbc-dev'), options.txlFrameStep ?? 1),
    mosaics: await measureMosaics(kernels, join(dataDir, 'bm-matek-7'), options.mosaicSeeds ?? [1, 2, 3, 4, 5, 6]),
  };
}

async function measureSources(kernels: KernelInstance, txlDir: string, frameStep: number): Promise<SourceQuality[]> {
  const sources: SourceQuality[] = [];
  if (frameStep === 0) return sources;
  for (const source of TXL_SOURCES) sources.push(await measureSource(kernels, join(txlDir, source), frameStep));
  return sources;
}

async function measureBccd(kernels: KernelInstance, bccdDir: string, frameLimit?: number): Promise<LocalizationQuality['bccd']> {
  const boxesByImage = await readWbcBoxes(join(bccdDir, 'wbc_boxes_with_subtype.csv'));
  const imageDir = join(bccdDir, 'JPEGImages');
  const names = (await readdir(imageDir))
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .slice(0, frameLimit);
  const given = { hits: 0, cells: 0 };
  const estimated = { hits: 0, cells: 0 };
  let boxes = 0;
  let fitFailures = 0;
  let refused = 0;
  const scales: number[] = [];
  const diametersPx: number[] = [];
  for (const name of names) {
    const frame = await decodeImage(await readFile(join(imageDir, name)), name);
    const frameBoxes = boxesByImage.get(name) ?? [];
    boxes += frameBoxes.length;
    const mark = kernels.memory.mark();
    try {
      const resident = placeFrame(kernels, frame);
      const fit = fitFrame(kernels, resident);
      if (!fit) {
        fitFailures++;
        continue;
      }
      const locate = (micronsPerPixel: number) =>
        localizeCells(kernels, resident, fit, { micronsPerPixel, patchMicrons: PATCH_MICRONS }).cells;
      const cells = locate(BCCD_MICRONS_PER_PIXEL);
      given.hits += matchBoxes(frameBoxes, cells);
      given.cells += cells.length;
      try {
        const scale = estimateScale(kernels, resident, fit);
        scales.push(scale.micronsPerPixel);
        diametersPx.push(scale.erythrocyteDiameterPx);
        const cellsAtEstimate = locate(scale.micronsPerPixel);
        estimated.hits += matchBoxes(frameBoxes, cellsAtEstimate);
        estimated.cells += cellsAtEstimate.length;
      } catch (error) {
        if (!(error instanceof SmearscopeError && error.code === 'INVALID_FRAME')) throw error;
        refused++;
      }
    } finally {
      kernels.memory.release(mark);
    }
  }
  const sorted = scales.sort((a, b) => a - b);
  const median = (values: number[]) =>
    values.length
      ? percentile(
          values.sort((a, b) => a - b),
          50,
        )
      : NaN;
  return {
    ...wbcHits(given.hits, given.cells, boxes),
    boxes,
    frames: names.length,
    fitFailures,
    micronsPerPixel: BCCD_MICRONS_PER_PIXEL,
    withEstimatedScale: wbcHits(estimated.hits, estimated.cells, boxes),
    estimatedScale: {
      median: median(sorted),
      lowerQuartile: sorted.length ? percentile(sorted, 25) : NaN,
      upperQuartile: sorted.length ? percentile(sorted, 75) : NaN,
      frames: sorted.length,
      refused,
    },
    erythrocyteDiameterPx: { estimated: median(diametersPx), annotated: median(await readRoundRbcDiameters(join(bccdDir, 'Annotations'))) },
  };
}

/**
 * Diameters ((width + height) / 2, px) of the annotated RBC boxes that are round (aspect 0.8 to
 * 1.25) and clear of the frame edge (so not cut by it), over every VOC file in `annotationDir`.
 */
async function readRoundRbcDiameters(annotationDir: string): Promise<number[]> {
  const diameters: number[] = [];
  for (const file of (await readdir(annotationDir)).filter((name) => name.endsWith('.xml')).sort()) {
    const xml = await readFile(join(annotationDir, file), 'utf8');
    const width = Number(/<width>\s*(\d+)/.exec(xml)?.[1]);
    const height = Number(/<height>\s*(\d+)/.exec(xml)?.[1]);
    for (const object of xml.split('<object>').slice(1)) {
      if (!/<name>\s*RBC\s*</.test(object)) continue;
      const [xmin, ymin, xmax, ymax] = ['xmin', 'ymin', 'xmax', 'ymax'].map((tag) =>
        Number(new RegExp(`<${tag}>\\s*([\\d.]+)`).exec(object)?.[1]),
      );
      const boxW = xmax - xmin;
      const boxH = ymax - ymin;
      const clear = xmin > 1 && ymin > 1 && xmax < width - 1 && ymax < height - 1;
      if (clear && boxH > 0 && boxW / boxH >= 0.8 && boxW / boxH <= 1.25) diameters.push((boxW + boxH) / 2);
    }
  }
  return diameters;
}

/** WBC boxes per image file name from the CSV (columns found by name: image, xmin, ymin, xmax, ymax). */
async function readWbcBoxes(path: string): Promise<Map<string, Box[]>> {
  const [header, ...rows] = (await readFile(path, 'utf8'))
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(','));
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new SmearscopeError('IO_FAILED', `${path}: no column "${name}" in the header`);
    return index;
  };
  const [image, xmin, ymin, xmax, ymax] = ['image', 'xmin', 'ymin', 'xmax', 'ymax'].map(column);
  const boxes = new Map<string, Box[]>();
  for (const row of rows) {
    const box: Box = [Number(row[xmin]), Number(row[ymin]), Number(row[xmax]), Number(row[ymax])];
    if (!box.every(Number.isFinite)) throw new SmearscopeError('IO_FAILED', `${path}: bad box in row ${row.join(',')}`);
    boxes.set(row[image], [...(boxes.get(row[image]) ?? []), box]);
  }
  return boxes;
}

async function measureMosaics(kernels: KernelInstance, cropDir: string, seeds: number[]): Promise<LocalizationQuality['mosaics']> {
  let cells = 0;
  let extraCells = 0;
  const errorsPercent: number[] = [];
  for (const seed of seeds) {
    const mosaic = await generateMosaic({ seed, dataDir: cropDir });
    const patchPx = PATCH_MICRONS / mosaic.micronsPerPixel;
    const mark = kernels.memory.mark();
    let located: CellLocation[] = [];
    try {
      const resident = placeFrame(kernels, mosaic.frame);
      const fit = fitFrame(kernels, resident);
      if (fit)
        located = localizeCells(kernels, resident, fit, { micronsPerPixel: mosaic.micronsPerPixel, patchMicrons: PATCH_MICRONS }).cells;
    } finally {
      kernels.memory.release(mark);
    }
    const used = new Set<number>();
    for (const truth of mosaic.centres) {
      let nearest = -1;
      let nearestPx = Infinity;
      located.forEach((cell, i) => {
        const distancePx = Math.hypot(cell.x - truth.x, cell.y - truth.y);
        if (!used.has(i) && distancePx < nearestPx) {
          nearest = i;
          nearestPx = distancePx;
        }
      });
      if (nearest >= 0 && nearestPx <= patchPx / 2) {
        used.add(nearest);
        errorsPercent.push((100 * nearestPx) / patchPx);
      }
    }
    cells += mosaic.centres.length;
    extraCells += located.length - used.size;
  }
  return {
    recall: errorsPercent.length / cells,
    centreErrorMedianPercent: errorsPercent.length
      ? percentile(
          errorsPercent.sort((a, b) => a - b),
          50,
        )
      : NaN,
    cells,
    found: errorsPercent.length,
    extraCells,
    frames: seeds.length,
  };
}
