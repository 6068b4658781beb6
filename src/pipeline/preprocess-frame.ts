import type { FrameStain, FrameTimingsMs } from '../api-types.js';
import { SmearscopeError } from '../errors.js';
import type { Frame } from '../frame.js';
import type { StainReference } from '../stain/reference.js';
import type { KernelInstance } from '../kernels/load.js';
import type { CellLocation } from '../localize/cells.js';
import { localizeCells } from '../localize/localize-cells.js';
import { patchInsideFrame, writePatches, type BorderPolicy, type PatchSpec } from '../patch/write-patches.js';
import { adoptFrame, placeFrame, type InboxFrame, type ResidentFrame } from '../kernels/resident-frame.js';
import { tryEstimateScale, type ScaleEstimate } from '../scale/estimate.js';
import { resolveScale } from '../scale/resolve.js';
import type { ScaleSource } from '../scale/scale-source.js';
import { stainFitStrideFor } from '../stain/fit-stride.js';
import { fitMacenko, stainTransform } from '../stain/index.js';

/** What the preprocess worker needs to know about the model and the caller's wishes. */
export interface PreprocessJob {
  /** Used when the frame carries no micronsPerPixel; else the scale is estimated. */
  micronsPerPixel?: number;
  /** The run's calibration so far (median of its confident estimates), for frames whose own
   * estimate is not confident, and to check a given scale on frames without enough erythrocytes. */
  runMicronsPerPixel?: number;
  /** A given scale that disagrees with the erythrocytes fails the frame (SCALE_MISMATCH) instead
   * of only warning. */
  strictScale?: boolean;
  patchMicrons: number;
  /** Expected leukocyte size for the localizer window. */
  cellMicrons?: number;
  input: { width: number; height: number; mean: [number, number, number]; std: [number, number, number] };
  /** Normalize each frame's stain towards this reference (the card's) before the model. */
  stainReference?: StainReference;
  /** Locate only (the scope has no model): no patches. */
  locateOnly: boolean;
  border: BorderPolicy;
  /** Pixel stride of the Macenko fit (speed); 1 = every pixel; absent: by frame size (stainFitStrideFor). */
  stainFitStride?: number;
  /** The inference worker writes the patches (on its GPU, straight into the session's input):
   * cells are located and checked against the border here, and `patchSpec` says how to cut them. */
  deferPatches?: boolean;
  /** Single-cell images (eval): the patch is centred on the image; no localization. Without a
   * scale the whole image is the patch (stretched to patchMicrons); with one (the frame's or
   * `micronsPerPixel`), the patchMicrons square around the centre, as on a full frame. */
  singleCell?: boolean;
}

export interface PreparedFrame {
  width: number;
  height: number;
  /** The scale used; absent when unknown (no stain fit, so no scale estimate, and none given). */
  micronsPerPixel?: number;
  /** Where micronsPerPixel came from; present exactly when it is. */
  scaleSource?: ScaleSource;
  /** The given scale disagrees with the erythrocytes (text with both values). */
  scaleWarning?: string;
  /** The frame's own erythrocyte estimate (for the run's calibration); absent when refused. */
  scaleEstimate?: ScaleEstimate;
  /** Cells whose patch was written, in patch order. */
  cells: CellLocation[];
  /** Cells found but not classified because the border policy is 'skip'. */
  skippedAtBorder: CellLocation[];
  stain: FrameStain;
  /** [cells.length, 3, H, W] model input; absent with locateOnly, deferPatches or no cells. Transferable. */
  patches?: Float32Array;
  /** With deferPatches and cells: how the inference worker cuts cells[k]'s patch from this frame. */
  patchSpec?: PatchSpec;
  /** With patchSpec, set by the pool: the frame's pixels (a copy the stream owns), for the inference worker. */
  framePixels?: Uint8Array;
  /** Bytes per pixel of the frame (3 or 4), for a frame sent on to the inference worker. */
  channels: 3 | 4;
  /** `localize` includes the scale estimate or check, also given apart as `scaleCheck` (the bench
   * shows where preprocessing's time goes; not part of a FrameResult). */
  timingsMs: Pick<FrameTimingsMs, 'stainFit' | 'localize' | 'patches'> & { scaleCheck?: number };
}

/**
 * One frame through the kernels: stain fit, (scale estimate), localization, then every cell's
 * patch written into one tensor for the model. A Frame is copied into kernel memory; an InboxFrame
 * is already there (written by the pool into this worker's shared memory). Kernel memory,
 * the frame's included, is released before returning.
 */
export function preprocessFrame(kernels: KernelInstance, frame: Frame | InboxFrame, job: PreprocessJob): PreparedFrame {
  const mark = kernels.memory.mark();
  try {
    const resident = 'inboxPtr' in frame ? adoptFrame(kernels, frame) : placeFrame(kernels, frame);
    let t = performance.now();
    const stain: PreparedFrame['stain'] = { normalized: false };
    let fit: StainReference | undefined;
    try {
      fit = fitMacenko(kernels, resident, { pixelStride: job.stainFitStride ?? stainFitStrideFor(frame.width, frame.height) });
      stain.stainMatrix = fit.stainMatrix;
      stain.maxC = fit.maxC;
    } catch (error) {
      if (!(error instanceof SmearscopeError) || error.code !== 'INVALID_FRAME') throw error;
      stain.note = `no stain fit: ${error.message}`;
    }
    const stainFit = performance.now() - t;

    if (job.singleCell) return prepareSingleCell(kernels, resident, frame, job, fit, stain, stainFit);
    if (!fit) {
      // Without a stain fit there is no hematoxylin channel to localize on: an empty frame.
      const given = frame.micronsPerPixel ?? job.micronsPerPixel;
      return {
        width: frame.width,
        height: frame.height,
        channels: frame.channels,
        ...(given !== undefined ? { micronsPerPixel: given, scaleSource: 'given' as const } : {}),
        cells: [],
        skippedAtBorder: [],
        stain,
        timingsMs: { stainFit, localize: 0, patches: 0 },
      };
    }

    t = performance.now();
    const given = frame.micronsPerPixel ?? job.micronsPerPixel;
    const scaleEstimate = tryEstimateScale(kernels, resident, fit, given);
    const scaleCheck = performance.now() - t;
    const scale = resolveScale(given, scaleEstimate, job.runMicronsPerPixel);
    if (scale.scaleWarning && job.strictScale) throw new SmearscopeError('SCALE_MISMATCH', `${scale.scaleWarning} (--strict-scale)`);
    const { micronsPerPixel } = scale;
    const located = localizeCells(kernels, resident, fit, {
      micronsPerPixel,
      patchMicrons: job.patchMicrons,
      ...(job.cellMicrons ? { cellMicrons: job.cellMicrons } : {}),
    }).cells;
    const localize = performance.now() - t;

    const base = {
      width: frame.width,
      height: frame.height,
      channels: frame.channels,
      micronsPerPixel,
      scaleSource: scale.scaleSource,
      ...(scale.scaleWarning ? { scaleWarning: scale.scaleWarning } : {}),
      ...(scaleEstimate ? { scaleEstimate } : {}),
      stain,
    };
    if (job.locateOnly || located.length === 0) {
      return { ...base, cells: located, skippedAtBorder: [], timingsMs: { stainFit, localize, scaleCheck, patches: 0 } };
    }

    t = performance.now();
    const spec = patchSpec(job, micronsPerPixel, fit, stain);
    if (job.deferPatches) {
      const inside = (cell: CellLocation) => spec.border !== 'skip' || patchInsideFrame(cell, spec, frame.width, frame.height);
      return {
        ...base,
        cells: located.filter(inside),
        skippedAtBorder: located.filter((cell) => !inside(cell)),
        // The cells are checked here, in f64; the GPU's own f32 test could differ at the last ulp
        // and leave a slot unwritten, so the cut is told never to skip.
        patchSpec: spec.border === 'skip' ? { ...spec, border: 'reflect' } : spec,
        timingsMs: { stainFit, localize, scaleCheck, patches: performance.now() - t },
      };
    }
    const cellFloats = 3 * job.input.width * job.input.height;
    const patches = new Float32Array(located.length * cellFloats);
    const written = writePatches(kernels, resident, located, spec, patches, 0);
    const cells: CellLocation[] = [];
    const skippedAtBorder: CellLocation[] = [];
    // 'skip' leaves holes; compact the written patches so patch k belongs to cells[k].
    for (let i = 0; i < located.length; i++) {
      if (!written[i]) {
        skippedAtBorder.push(located[i]);
        continue;
      }
      if (cells.length !== i) patches.copyWithin(cells.length * cellFloats, i * cellFloats, (i + 1) * cellFloats);
      cells.push(located[i]);
    }
    return {
      ...base,
      cells,
      skippedAtBorder,
      patches: cells.length === located.length ? patches : patches.slice(0, cells.length * cellFloats),
      timingsMs: { stainFit, localize, scaleCheck, patches: performance.now() - t },
    };
  } finally {
    kernels.memory.release(mark);
  }
}

/** The patch kernel's spec for this job; marks `stain.normalized` when a reference applies. */
function patchSpec(job: PreprocessJob, micronsPerPixel: number, fit: StainReference | undefined, stain: PreparedFrame['stain']) {
  const transform = fit && job.stainReference ? stainTransform(fit, job.stainReference) : undefined;
  stain.normalized = transform !== undefined;
  return {
    patchMicrons: job.patchMicrons,
    micronsPerPixel,
    inputWidth: job.input.width,
    inputHeight: job.input.height,
    mean: job.input.mean,
    std: job.input.std,
    border: job.border,
    ...(transform ? { stain: transform } : {}),
  };
}

/**
 * A single-cell image (as in the training data), the cell at its centre. Without a scale its longer
 * side is the patch; with one the patch is the card's patchMicrons at that scale (reflected where it
 * leaves the image), so crops of another magnification are resampled, not stretched.
 */
function prepareSingleCell(
  kernels: KernelInstance,
  resident: ResidentFrame,
  frame: Omit<Frame, 'pixels'>,
  job: PreprocessJob,
  fit: StainReference | undefined,
  stain: PreparedFrame['stain'],
  stainFit: number,
): PreparedFrame {
  const t = performance.now();
  const given = frame.micronsPerPixel ?? job.micronsPerPixel;
  const micronsPerPixel = given ?? job.patchMicrons / Math.max(frame.width, frame.height);
  // Pixel-index centres (pixel x covers [x - 0.5, x + 0.5]): the image centre is (w - 1) / 2.
  const cell: CellLocation = {
    x: (frame.width - 1) / 2,
    y: (frame.height - 1) / 2,
    box: [0, 0, frame.width, frame.height],
    ratio: 1,
    crossesBorder: false,
  };
  const spec: PatchSpec = { ...patchSpec(job, micronsPerPixel, fit, stain), border: 'reflect' };
  // Deferred: the inference worker cuts the patch from the frame (planned batches).
  let patches: Float32Array | undefined;
  if (!job.deferPatches) {
    patches = new Float32Array(3 * job.input.width * job.input.height);
    writePatches(kernels, resident, [cell], spec, patches, 0);
  }
  return {
    width: frame.width,
    height: frame.height,
    channels: frame.channels,
    micronsPerPixel,
    scaleSource: 'given',
    cells: [cell],
    skippedAtBorder: [],
    stain,
    ...(patches ? { patches } : { patchSpec: spec }),
    timingsMs: { stainFit, localize: 0, patches: performance.now() - t },
  };
}
