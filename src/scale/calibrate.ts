import type { Frame } from '../frame.js';
import type { KernelInstance } from '../kernels/load.js';
import { placeFrame } from '../kernels/resident-frame.js';
import { fitMacenko } from '../stain/index.js';
import { SmearscopeError } from '../errors.js';
import { calibrateRun, tryEstimateScale, type RunCalibration, type ScaleEstimate } from './estimate.js';

/** One frame's erythrocyte estimate, or why there is none. */
export type FrameCalibration = { estimate: ScaleEstimate } | { estimate?: undefined; reason: string };

/**
 * The frame's own erythrocyte estimate: stain fit (every `pixelStride`-th pixel), then
 * estimateScale. Kernel memory is released before returning; the frame is only read.
 */
export function calibrateFrame(kernels: KernelInstance, frame: Frame, pixelStride = 2): FrameCalibration {
  const mark = kernels.memory.mark();
  try {
    const resident = placeFrame(kernels, frame);
    let fit;
    try {
      fit = fitMacenko(kernels, resident, { pixelStride });
    } catch (error) {
      if (error instanceof SmearscopeError && error.code === 'INVALID_FRAME') return { reason: `no stain fit: ${error.message}` };
      throw error;
    }
    const estimate = tryEstimateScale(kernels, resident, fit);
    return estimate ? { estimate } : { reason: 'fewer than 3 erythrocytes could be measured' };
  } finally {
    kernels.memory.release(mark);
  }
}

/** The run's calibration over per-frame results (undefined when no frame was confident). */
export function calibrateFrames(results: readonly FrameCalibration[]): RunCalibration | undefined {
  return calibrateRun(results.flatMap((result) => (result.estimate ? [result.estimate] : [])));
}
