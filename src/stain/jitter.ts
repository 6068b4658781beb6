import { SmearscopeError } from '../errors.js';

/**
 * One stain jitter draw (Tellez et al., 2018, "H&E stain augmentation"): per stain (h, e) the
 * concentration becomes scale * C + shift, in concentration units (OD per unit stain vector),
 * exactly as the training augmentation of the shipped model (models/train/augment.py).
 */
export interface StainJitter {
  scale: [number, number];
  shift: [number, number];
}

export interface StainJitterOptions {
  /** s1: scale ~ U(1 - s1, 1 + s1) per stain, 0 <= s1 < 1 (default 0.2). */
  scaleRange?: number;
  /** s2: shift ~ U(-s2, s2) per stain, in concentration units, 0 <= s2 <= 1 (default 0.2). */
  shiftRange?: number;
}

export const STAIN_JITTER_DEFAULTS = { scaleRange: 0.2, shiftRange: 0.2 } as const;

/**
 * Draws one jitter from `random` (a seeded PRNG such as `mulberry32(seed)`; four calls advance
 * its state: scale h, scale e, shift h, shift e). Deterministic for a given PRNG state.
 */
export function drawStainJitter(random: () => number, options: StainJitterOptions = {}): StainJitter {
  const { scaleRange, shiftRange } = { ...STAIN_JITTER_DEFAULTS, ...options };
  if (!(scaleRange >= 0 && scaleRange < 1)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `scaleRange must be >= 0 and < 1 (scales stay positive), got ${scaleRange}`);
  }
  if (!(shiftRange >= 0 && shiftRange <= 1)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `shiftRange must be 0..1 (concentration units), got ${shiftRange}`);
  }
  const uniform = (low: number, high: number) => low + (high - low) * random();
  const scale: [number, number] = [uniform(1 - scaleRange, 1 + scaleRange), uniform(1 - scaleRange, 1 + scaleRange)];
  const shift: [number, number] = [uniform(-shiftRange, shiftRange), uniform(-shiftRange, shiftRange)];
  return { scale, shift };
}
