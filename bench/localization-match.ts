// Shared by the localization quality protocols (localization-quality.ts, localization-sources.ts):
// the frame's stain fit as the pipeline makes it, and how located cells are matched to WBC boxes.

import { SmearscopeError } from '../src/errors.js';
import type { CellLocation } from '../src/localize/cells.js';
import type { KernelInstance } from '../src/kernels/load.js';
import type { Frame } from '../src/frame.js';
import { placeFrame, type ResidentFrame } from '../src/kernels/resident-frame.js';
import { fitMacenko, type StainFit } from '../src/stain/index.js';

/** The patch side the localizer reports boxes for, microns (bm-matek-7 crops: 250 px at 0.1 um/px). */
export const PATCH_MICRONS = 25;
/** Macenko pixel stride, as the pipeline fits frames. */
const FIT_PIXEL_STRIDE = 2;

/** A box in pixel coordinates, inclusive. */
export type Box = [xmin: number, ymin: number, xmax: number, ymax: number];

/** Recall and precision of WBC centres against the boxes. */
export interface WbcHits {
  recall: number;
  precision: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
}

export function wbcHits(hits: number, cells: number, boxes: number): WbcHits {
  return { recall: hits / boxes, precision: hits / cells, truePositives: hits, falsePositives: cells - hits, falseNegatives: boxes - hits };
}

/** The frame's Macenko fit, or undefined when the frame cannot be fitted (INVALID_FRAME). */
export function fitFrame(kernels: KernelInstance, resident: ResidentFrame) {
  try {
    return fitMacenko(kernels, resident, { pixelStride: FIT_PIXEL_STRIDE });
  } catch (error) {
    if (error instanceof SmearscopeError && error.code === 'INVALID_FRAME') return undefined;
    throw error;
  }
}

/** Places `frame` in kernel memory, fits its stain and returns `use(resident, fit)`; undefined,
 * without calling `use`, when the fit fails. The kernel memory is released afterwards. */
export function withFittedFrame<T>(
  kernels: KernelInstance,
  frame: Frame,
  use: (resident: ResidentFrame, fit: StainFit) => T,
): T | undefined {
  const mark = kernels.memory.mark();
  try {
    const resident = placeFrame(kernels, frame);
    const fit = fitFrame(kernels, resident);
    return fit ? use(resident, fit) : undefined;
  } finally {
    kernels.memory.release(mark);
  }
}

/** Hits: each box, in order, takes the first unused cell whose centre lies inside it. */
export function matchBoxes(boxes: Box[], cells: CellLocation[]): number {
  const used = new Set<number>();
  for (const [xmin, ymin, xmax, ymax] of boxes) {
    const index = cells.findIndex((cell, i) => !used.has(i) && cell.x >= xmin && cell.x <= xmax && cell.y >= ymin && cell.y <= ymax);
    if (index >= 0) used.add(index);
  }
  return used.size;
}
