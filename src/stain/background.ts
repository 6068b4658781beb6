import { SmearscopeError } from '../errors.js';

/** Intensity of the empty background (Macenko's Io), grey levels: OD = -ln((I + 1) / background). */
export const BACKGROUND_INTENSITY = 240;

/** The one check of a background intensity (stain fit, normalization, patches): 1..256 grey levels. */
export function checkBackgroundIntensity(backgroundIntensity: number): void {
  if (!(backgroundIntensity >= 1 && backgroundIntensity <= 256)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `backgroundIntensity (Io) must be 1..256 grey levels, got ${backgroundIntensity}`);
  }
}
