import { SmearscopeError, type SmearscopeErrorCode } from '../errors.js';
import type { CellThresholds } from './scheme-types.js';

/**
 * Defaults when neither the model card nor the caller sets a threshold.
 * - confidence 0.5: below it the model gives the top class less than even odds, so the cell goes to
 *   review rather than into the count.
 * - blast 0.5 and atypical 0.5: the cell is flagged when the group is more likely than not
 *   (Matek et al. 2019 read P_blast and P_atypical the same way; a screening card may lower them
 *   to trade specificity for sensitivity).
 */
export const DEFAULT_CELL_THRESHOLDS: Readonly<CellThresholds> = Object.freeze({
  confidence: 0.5,
  blast: 0.5,
  atypical: 0.5,
});

/** The threshold keys, of a card's thresholds and a caller's alike (`satisfies` keeps the list exact). */
export const THRESHOLD_KEYS = { confidence: true, blast: true, atypical: true } as const satisfies Record<keyof CellThresholds, true>;

/**
 * `override`'s defined fields over `base`. Each must lie in [0, 1]; otherwise throws with
 * `errorCode` (INVALID_MODEL_CARD for a card, INVALID_ARGUMENT for a caller), naming the field
 * `${source}.${key}` (`source` names the thresholds object, e.g. options.thresholds).
 */
export function mergeThresholds(
  base: Readonly<CellThresholds>,
  override: Partial<CellThresholds> | undefined,
  errorCode: SmearscopeErrorCode,
  source: string,
): CellThresholds {
  const merged: CellThresholds = { ...base };
  if (!override) return merged;
  for (const key of ['confidence', 'blast', 'atypical'] as const) {
    const value = override[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new SmearscopeError(errorCode, `${source}.${key} must be a probability in [0, 1], got ${value}`);
    }
    merged[key] = value;
  }
  return merged;
}
