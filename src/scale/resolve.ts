import { SmearscopeError } from '../errors.js';
import type { ScaleEstimate } from './estimate.js';
import type { ScaleSource } from './scale-source.js';

/** A given scale and the erythrocytes' may differ by this factor before a warning (issue 12: 25 %;
 * a frame's own estimate scatters about 10 % on BCCD, the quartiles of the sources 5 to 10 %). */
export const SCALE_WARNING_FACTOR = 1.25;

export interface ResolvedScale {
  micronsPerPixel: number;
  scaleSource: ScaleSource;
  /** Set when a given scale disagrees with the erythrocytes by more than SCALE_WARNING_FACTOR. */
  scaleWarning?: string;
}

/**
 * The frame's scale. Given: used as is, but checked against the frame's erythrocytes (its own
 * estimate, else the run's calibration); a disagreement beyond SCALE_WARNING_FACTOR either way,
 * outside the estimate's 95 % interval, gives `scaleWarning` with both values. Not given: the frame's own estimate when confident, else
 * the run's calibration, else the frame's own uncertain estimate; with none of them the frame is
 * refused (INVALID_FRAME). All values um/px; `runMicronsPerPixel` undefined when the run has none.
 */
export function resolveScale(
  given: number | undefined,
  estimate: ScaleEstimate | undefined,
  runMicronsPerPixel: number | undefined,
): ResolvedScale {
  if (given !== undefined) {
    const evidence = estimate
      ? { value: estimate.micronsPerPixel, interval: estimate.interval, what: `the frame's ${estimate.erythrocytes} erythrocytes` }
      : runMicronsPerPixel !== undefined
        ? { value: runMicronsPerPixel, interval: [runMicronsPerPixel, runMicronsPerPixel], what: "the run's erythrocyte calibration" }
        : undefined;
    // Beyond the factor, and outside the estimate's own 95 % interval: a few red cells that
    // happen to be small do not contradict a right scale.
    const outside = evidence && (given < evidence.interval[0] || given > evidence.interval[1]);
    if (evidence && outside && Math.max(given / evidence.value, evidence.value / given) > SCALE_WARNING_FACTOR) {
      return {
        micronsPerPixel: given,
        scaleSource: 'given',
        scaleWarning:
          `the given scale ${formatScale(given)} um/px disagrees with ${evidence.what}, which say ${formatScale(evidence.value)} um/px ` +
          `(${(given / evidence.value).toFixed(2)}x): cell sizes, counts and flags may be wrong; check micronsPerPixel`,
      };
    }
    return { micronsPerPixel: given, scaleSource: 'given' };
  }
  if (estimate?.confident) return { micronsPerPixel: estimate.micronsPerPixel, scaleSource: 'frame' };
  if (runMicronsPerPixel !== undefined) return { micronsPerPixel: runMicronsPerPixel, scaleSource: 'run' };
  if (estimate) return { micronsPerPixel: estimate.micronsPerPixel, scaleSource: 'frame' };
  throw new SmearscopeError('INVALID_FRAME', `${NO_SCALE_YET}; pass micronsPerPixel (smearscope calibrate <frames...> measures it)`);
}

/** How resolveScale refuses a frame that a run's calibration would have scaled. */
const NO_SCALE_YET = 'cannot estimate the scale: too few erythrocytes could be measured in this frame and the run has no calibration yet';

/** The frame was refused only because the run had no calibration yet. It crosses worker boundaries as its
 * message (code and message are what comlink keeps), so the match allows a prefix; pipeline-scale-order
 * tests it end to end. */
export function needsRunCalibration(error: SmearscopeError): boolean {
  return error.code === 'INVALID_FRAME' && error.message.includes(NO_SCALE_YET);
}

/** A scale to 4 significant digits. */
export function formatScale(micronsPerPixel: number): string {
  return Number(micronsPerPixel.toPrecision(4)).toString();
}
