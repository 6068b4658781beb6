import type { FrameLimits } from '../api-types.js';
import { checkInteger, checkKnownKeys, checkOptionsObject, checkPositive } from '../check-options.js';
import { DEFAULT_MAX_FRAME_PIXELS } from '../io/decode-limits.js';

/** Generous for a 2452 x 2056 frame on a loaded 2-core machine (~0.2 s decode, ~0.2 s preprocess,
 * ~1 s per batch), short enough that a stuck frame does not hold a scanner's run for long. */
export const DEFAULT_FRAME_LIMITS: Readonly<FrameLimits> = {
  decodeMs: 10_000,
  preprocessMs: 20_000,
  inferenceMs: 30_000,
  maxFramePixels: DEFAULT_MAX_FRAME_PIXELS,
};

const FRAME_LIMIT_KEYS = { decodeMs: true, preprocessMs: true, inferenceMs: true, maxFramePixels: true } as const satisfies Record<
  keyof FrameLimits,
  true
>;

/** The limits with defaults filled in; INVALID_ARGUMENT naming a bad one. */
export function resolveFrameLimits(limits: Partial<FrameLimits> | undefined): FrameLimits {
  checkOptionsObject('frameLimits', limits);
  checkKnownKeys('frameLimits', limits, FRAME_LIMIT_KEYS);
  for (const key of ['decodeMs', 'preprocessMs', 'inferenceMs'] as const) checkPositive(`frameLimits.${key}`, limits?.[key], 3_600_000);
  checkInteger('frameLimits.maxFramePixels', limits?.maxFramePixels, 1, 2 ** 31);
  return { ...DEFAULT_FRAME_LIMITS, ...limits };
}
