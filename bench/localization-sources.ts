// Localization quality per source of ../shared/data/txl-pbc-dev (issue 12): frames of three labs
// and microscopes (BCD 416 x 416, PBC / CellaVision DM96 360 x 363, BCCD 640 x 480) with YOLO boxes.
//
// Protocol, per source (a "run" is the frames of one source, as a lab analyzes one slide's frames):
// per frame the Macenko fit (pixel stride 2), then localizeCells at four scales:
// - given: the source's true pixel size, 7.5 um over the median annotated round RBC box (aspect
//   0.8 to 1.25, clear of the frame edge) of the source;
// - frame: the frame's own erythrocyte estimate (estimateScale); a refused frame counts as no cells;
// - auto: what the pipeline does without a given scale: the frame's own estimate when it is
//   confident, else the run's calibration (the median of the run's confident estimates);
// - run: the run's calibration on every frame.
// A cell centre inside a WBC box (class 0; duplicates merged, see parseYolo) is a hit, one hit per
// box (matchBoxes); cells left unmatched are false positives. Every figure is also given for the two halves of each source
// (even and odd positions in name order), so a rule tuned on one half can be checked on the other.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImage } from '../src/io/decode.js';
import type { KernelInstance } from '../src/kernels/load.js';
import type { CellLocation } from '../src/localize/cells.js';
import { localizeCells } from '../src/localize/localize-cells.js';
import { placeFrame } from '../src/kernels/resident-frame.js';
import { calibrateRun, tryEstimateScale, ERYTHROCYTE_MICRONS, type ScaleEstimate } from '../src/scale/estimate.js';
import { matchBoxes, wbcHits, withFittedFrame, PATCH_MICRONS, type Box, type WbcHits } from './localization-match.js';
import { percentile } from './stats.js';

export const TXL_SOURCES = ['bcd', 'pbc', 'bccd'] as const;
export const SCALE_MODES = ['given', 'frame', 'auto', 'run'] as const;
export type ScaleMode = (typeof SCALE_MODES)[number];

/** Hits at one scale mode: over all frames and over each half; frames left without a scale. */
export type ModeHits = WbcHits & { halves: [WbcHits, WbcHits]; refused: number };

export interface SourceQuality {
  source: string;
  frames: number;
  boxes: number;
  /** Frames whose stain fit failed (counted as no cells in every mode). */
  fitFailures: number;
  /** 7.5 um over the median annotated round RBC box of the source, um/px. */
  truthMicronsPerPixel: number;
  /** The run's calibration (calibrateRun over the per-frame estimates), um/px; NaN when none. */
  runMicronsPerPixel: number;
  /** Per-frame estimates over the truth: median and quartiles; how many frames gave one and how
   * many of those were confident. */
  frameScaleRatio: { median: number; lowerQuartile: number; upperQuartile: number; estimates: number; confident: number };
  modes: Record<ScaleMode, ModeHits>;
}

/** Per frame and mode: [hits, cells]; undefined: no scale (refused). */
type Tally = Record<ScaleMode, Array<[number, number] | undefined>>;

/** Measures one source folder (images/ and labels/ of txl-pbc-dev); `frameStep`: every this many
 * frames in name order (default 1, all; 2 keeps the even half). */
export async function measureSource(kernels: KernelInstance, sourceDir: string, frameStep = 1): Promise<SourceQuality> {
  const names = (await readdir(join(sourceDir, 'images')))
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .filter((_, i) => i % frameStep === 0);
  const labels = await Promise.all(names.map((name) => readFile(join(sourceDir, 'labels', name.replace(/\.jpg$/, '.txt')), 'utf8')));
  const tally: Tally = { given: [], frame: [], auto: [], run: [] };
  const estimates: Array<ScaleEstimate | undefined> = [];
  const boxesOf: Box[][] = [];
  const rbcDiameters: number[] = [];
  let fitFailures = 0;
  // Pass 1 needs every frame's size for the truth first: decode once for the labels' pixel units.
  const frames = await Promise.all(names.map(async (name) => decodeImage(await readFile(join(sourceDir, 'images', name)), name)));
  frames.forEach((frame, i) => {
    const parsed = parseYolo(labels[i], frame.width, frame.height);
    boxesOf.push(parsed.wbc);
    rbcDiameters.push(...parsed.roundRbcDiameters);
  });
  const truth = ERYTHROCYTE_MICRONS / median(rbcDiameters);
  const fits = frames.map((frame, i) => {
    const fit = withFittedFrame(kernels, frame, (resident, fit) => {
      const locate = (micronsPerPixel: number) =>
        localizeCells(kernels, resident, fit, { micronsPerPixel, patchMicrons: PATCH_MICRONS }).cells;
      tally.given[i] = count(boxesOf[i], locate(truth));
      estimates[i] = tryEstimateScale(kernels, resident, fit);
      if (estimates[i]) tally.frame[i] = count(boxesOf[i], locate(estimates[i]!.micronsPerPixel));
      return fit;
    });
    if (!fit) fitFailures++;
    return fit;
  });
  const run = calibrateRun(estimates.filter((e): e is ScaleEstimate => e !== undefined));
  frames.forEach((frame, i) => {
    const fit = fits[i];
    if (!fit || !run) return;
    const mark = kernels.memory.mark();
    try {
      const resident = placeFrame(kernels, frame);
      tally.run[i] = count(
        boxesOf[i],
        localizeCells(kernels, resident, fit, { micronsPerPixel: run.micronsPerPixel, patchMicrons: PATCH_MICRONS }).cells,
      );
      tally.auto[i] = estimates[i]?.confident ? tally.frame[i] : tally.run[i];
    } finally {
      kernels.memory.release(mark);
    }
  });
  const ratios = estimates
    .filter((e): e is ScaleEstimate => e !== undefined)
    .map((e) => e.micronsPerPixel / truth)
    .sort((a, b) => a - b);
  const modes = Object.fromEntries(
    SCALE_MODES.map((mode) => [
      mode,
      modeHits(
        tally[mode],
        boxesOf,
        fits.map((fit) => fit !== undefined),
      ),
    ]),
  ) as Record<ScaleMode, ModeHits>;
  return {
    source: sourceDir.split('/').pop()!,
    frames: names.length,
    boxes: boxesOf.reduce((sum, boxes) => sum + boxes.length, 0),
    fitFailures,
    truthMicronsPerPixel: truth,
    runMicronsPerPixel: run?.micronsPerPixel ?? NaN,
    frameScaleRatio: {
      median: median(ratios),
      lowerQuartile: ratios.length ? percentile(ratios, 25) : NaN,
      upperQuartile: ratios.length ? percentile(ratios, 75) : NaN,
      estimates: ratios.length,
      confident: estimates.filter((e) => e?.confident).length,
    },
    modes,
  };
}

function count(boxes: Box[], cells: CellLocation[]): [number, number] {
  return [matchBoxes(boxes, cells), cells.length];
}

function modeHits(perFrame: Array<[number, number] | undefined>, boxesOf: Box[][], fitted: boolean[]): ModeHits {
  const sum = (keep: (i: number) => boolean) => {
    let hits = 0;
    let cells = 0;
    let boxes = 0;
    boxesOf.forEach((frameBoxes, i) => {
      if (!keep(i)) return;
      boxes += frameBoxes.length;
      hits += perFrame[i]?.[0] ?? 0;
      cells += perFrame[i]?.[1] ?? 0;
    });
    return wbcHits(hits, cells, boxes);
  };
  return {
    ...sum(() => true),
    halves: [sum((i) => i % 2 === 0), sum((i) => i % 2 === 1)],
    refused: boxesOf.filter((_, i) => fitted[i] && perFrame[i] === undefined).length,
  };
}

/** WBC boxes (class 0, pixel coordinates; a box more than 60 % inside a larger one is the same
 * cell annotated twice, kept once: 5 such pairs in bcd, 1 in bccd) and the diameters ((w + h) / 2,
 * px) of the round RBC boxes (class 1, aspect 0.8 to 1.25, clear of the frame edge) of a YOLO
 * label file. */
export function parseYolo(text: string, width: number, height: number): { wbc: Box[]; roundRbcDiameters: number[] } {
  const wbc: Box[] = [];
  const roundRbcDiameters: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields.length !== 5 || !fields.every(Number.isFinite)) continue;
    const [cls, cx, cy, w, h] = fields;
    const box: Box = [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height];
    if (cls === 0) wbc.push(box);
    const clear = box[0] > 1 && box[1] > 1 && box[2] < width - 2 && box[3] < height - 2;
    const aspect = (w * width) / (h * height);
    if (cls === 1 && clear && aspect >= 0.8 && aspect <= 1.25) roundRbcDiameters.push((w * width + h * height) / 2);
  }
  return { wbc: withoutDuplicates(wbc), roundRbcDiameters };
}

function withoutDuplicates(boxes: Box[]): Box[] {
  const area = ([x0, y0, x1, y1]: Box) => (x1 - x0) * (y1 - y0);
  const bySize = [...boxes].sort((a, b) => area(b) - area(a));
  const kept: Box[] = [];
  for (const box of bySize) {
    const inside = kept.some((big) => {
      const overlap =
        Math.max(0, Math.min(big[2], box[2]) - Math.max(big[0], box[0])) * Math.max(0, Math.min(big[3], box[3]) - Math.max(big[1], box[1]));
      return overlap > 0.6 * area(box);
    });
    if (!inside) kept.push(box);
  }
  return boxes.filter((box) => kept.includes(box));
}

function median(values: number[]): number {
  return values.length
    ? percentile(
        [...values].sort((a, b) => a - b),
        50,
      )
    : NaN;
}
