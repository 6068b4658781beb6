import { checkInteger, checkOptionsObject, checkPositive } from '../check-options.js';

/** Per-frame budgets: each stage of a frame is bounded, and a frame over a budget fails with
 * FRAME_TIMEOUT (its worker is replaced) or FRAME_TOO_LARGE while the stream goes on. */
export interface FrameLimits {
  /** Decoding one encoded frame (in a preprocess worker), ms. Default 10,000. */
  decodeMs: number;
  /** Stain fit, localization and patches of one frame, ms. Default 20,000. */
  preprocessMs: number;
  /** One inference batch, ms (the frames of a batch over it fail). Default 30,000. */
  inferenceMs: number;
  /** Pixels of one frame (width x height), checked before decoding or sending. Default 100 MP. */
  maxFramePixels: number;
}

/** Generous for a 2452 x 2056 frame on a loaded 2-core machine (~0.2 s decode, ~0.2 s preprocess,
 * ~1 s per batch), short enough that a stuck frame does not hold a scanner's run for long. */
export const DEFAULT_FRAME_LIMITS: Readonly<FrameLimits> = { decodeMs: 10_000, preprocessMs: 20_000, inferenceMs: 30_000, maxFramePixels: 100e6 };

/** The limits with defaults filled in; INVALID_ARGUMENT naming a bad one. */
export function resolveFrameLimits(limits: Partial<FrameLimits> | undefined): FrameLimits {
  checkOptionsObject('frameLimits', limits);
  for (const key of ['decodeMs', 'preprocessMs', 'inferenceMs'] as const) checkPositive(`frameLimits.${key}`, limits?.[key], 3_600_000);
  checkInteger('frameLimits.maxFramePixels', limits?.maxFramePixels, 1, 2 ** 31);
  return { ...DEFAULT_FRAME_LIMITS, ...limits };
}
