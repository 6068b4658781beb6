// Synthetic stained frames for the stain tests: pixels drawn from the Beer-Lambert model the
// Macenko method assumes (OD = h * C_h + e * C_e + noise), plus the degenerate frames the
// kernels must survive (1 x 1, all white, all black, one colour, pure noise).

import type { Frame } from '../../src/frame.js';
import { randomInt } from '../support/random.js';

export type Vector3 = [number, number, number];

/** A random unit vector with positive components (a plausible stain direction in OD space). */
export function randomStainVector(random: () => number): Vector3 {
  const v: Vector3 = [0.1 + random(), 0.1 + random(), 0.1 + random()];
  const length = Math.hypot(...v);
  return [v[0] / length, v[1] / length, v[2] / length];
}

/**
 * A width x height frame of two stains: a `backgroundFraction` of pixels near the background
 * intensity, the rest mixtures of `stains` with random concentrations and a little OD noise.
 */
export function stainedFrame(
  random: () => number,
  width: number,
  height: number,
  channels: 3 | 4,
  stains: [Vector3, Vector3] = [randomStainVector(random), randomStainVector(random)],
  backgroundFraction = 0.3,
  backgroundIntensity = 240,
): Frame {
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    const background = random() < backgroundFraction;
    const h = background ? 0 : random() < 0.7 ? 0.2 + 1.5 * random() : 0.05 * random();
    const e = background ? 0 : 0.1 + 1.2 * random();
    for (let c = 0; c < 3; c++) {
      const od = h * stains[0][c] + e * stains[1][c] + 0.03 * (random() - 0.5);
      pixels[i * channels + c] = Math.min(255, Math.max(0, Math.round(backgroundIntensity * Math.exp(-od) - 1)));
    }
    if (channels === 4) pixels[i * channels + 3] = randomInt(random, 0, 255);
  }
  return { width, height, channels, pixels };
}

/** Uniform random bytes. */
export function noiseFrame(random: () => number, width: number, height: number, channels: 3 | 4): Frame {
  const pixels = Uint8Array.from({ length: width * height * channels }, () => randomInt(random, 0, 255));
  return { width, height, channels, pixels };
}

/** Every pixel the same colour (alpha 255). */
export function solidFrame(width: number, height: number, channels: 3 | 4, rgb: Vector3): Frame {
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    pixels.set(rgb, i * channels);
    if (channels === 4) pixels[i * channels + 3] = 255;
  }
  return { width, height, channels, pixels };
}
