import type { CellDecision } from '../clinical/decide-cell.js';
import type { CamMap } from '../explain/cam.js';
import type { SmearscopeErrorCode } from '../errors.js';
import type { CellLocation } from '../localize/cells.js';
import type { ScaleSource } from '../scale/resolve.js';
import type { PreparedFrame } from './preprocess-frame.js';

/** One located leukocyte and, unless locate-only, its classification. */
export interface CellResult extends CellLocation, Partial<CellDecision> {
  /** Class probabilities by class code (model output order). */
  probs?: Record<string, number>;
  /** The model's embedding of the cell, when requested and the card declares features. */
  features?: Float32Array;
  /** Class activation map of the decided class over the patch (feature-map grid, values 0..1),
   * when requested; `camOverlay` turns it into an RGBA image of the patch size. */
  cam?: CamMap;
}

/** Everything smearscope says about one input frame; `error` set when the frame failed. */
export interface FrameResult {
  /** Position of the frame in the input stream, from 0. */
  index: number;
  label?: string;
  width: number;
  height: number;
  micronsPerPixel: number;
  scaleEstimated: boolean;
  /** Where micronsPerPixel came from (absent for single-cell images and frames without a stain fit). */
  scaleSource?: ScaleSource;
  /** With scaleSource 'frame': the 95 % interval of the frame's erythrocyte estimate, um/px. */
  scaleInterval?: [number, number];
  /** A given scale disagrees with the erythrocytes by more than 25 %; the text has both values. */
  scaleWarning?: string;
  stageMicrons?: { x: number; y: number };
  cells: CellResult[];
  /** Cells found whose patch crossed the frame border under the 'skip' policy. */
  skippedAtBorder: CellLocation[];
  stain?: PreparedFrame['stain'];
  timingsMs: PreparedFrame['timingsMs'] & { inference: number; total: number };
  error?: { code: SmearscopeErrorCode; message: string };
}

export interface AnalyzeProgress {
  framesStarted: number;
  framesDone: number;
  framesFailed: number;
  cellsClassified: number;
}
