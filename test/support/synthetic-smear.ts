// Synthetic blood-smear frames with known geometry, for the localization and scale tests: round
// leukocytes (a dark violet nucleus in faint cytoplasm) and erythrocytes (haemoglobin discs with a
// pale centre) on a bright background, painted with the Beer-Lambert model the stain fit assumes.
// Sizes are physical, so the same smear can be drawn at any pixel size.

import type { Frame } from '../../src/frame.js';
import type { StainReference } from '../../src/stain/reference.js';
import { randomInt } from './random.js';

/** The stains the smear is painted with (unit rows): row 0 the violet nuclear stain, row 1 the
 * erythrocytes' colour, both the median OD measured on BCCD's frames (nuclei 0.55, 0.91, 0.11;
 * erythrocytes 0.28, 0.40, 0.34: haemoglobin absorbs blue as much as green, unlike eosin alone),
 * and plausible maxC for them: a stain fit of such a smear comes out near this. */
export const SMEAR_STAIN: StainReference = {
  stainMatrix: [unit([0.55, 0.91, 0.11]), unit([0.28, 0.4, 0.34])],
  maxC: [1.4, 0.7],
};

export interface SmearOptions {
  width: number;
  height: number;
  channels?: 3 | 4;
  micronsPerPixel: number;
  /** Leukocyte centres, frame pixels. */
  leukocytes?: Array<{ x: number; y: number }>;
  /** Erythrocyte centres, frame pixels. */
  erythrocytes?: Array<{ x: number; y: number }>;
  /** Diameters, microns (defaults: leukocyte 12 with an 8 um nucleus, erythrocyte 7.5). */
  leukocyteMicrons?: number;
  nucleusMicrons?: number;
  erythrocyteMicrons?: number;
  /** Erythrocytes' pale centre as a fraction of their diameter (default 0.4; 0 for none). */
  paleCentreFraction?: number;
  /** Per-pixel OD noise amplitude (default 0.02). */
  noiseOpticalDensity?: number;
  /** Background intensity Io, grey levels (default 240). */
  backgroundIntensity?: number;
}

/**
 * Paints the smear: per pixel the hematoxylin and eosin concentrations of whatever covers it
 * (leukocytes over erythrocytes), OD = C_h * h + C_e * e + noise, I = Io * exp(-OD) - 1.
 */
export function syntheticSmear(rng: () => number, options: SmearOptions): Frame {
  const { width, height, micronsPerPixel, leukocytes = [], erythrocytes = [] } = options;
  const channels = options.channels ?? 3;
  const leukocyteRadiusPx = (options.leukocyteMicrons ?? 12) / micronsPerPixel / 2;
  const nucleusRadiusPx = (options.nucleusMicrons ?? 8) / micronsPerPixel / 2;
  const erythrocyteRadiusPx = (options.erythrocyteMicrons ?? 7.5) / micronsPerPixel / 2;
  const paleRadiusPx = erythrocyteRadiusPx * (options.paleCentreFraction ?? 0.4);
  const noise = options.noiseOpticalDensity ?? 0.02;
  const Io = options.backgroundIntensity ?? 240;
  const [h, e] = SMEAR_STAIN.stainMatrix;
  const pixels = new Uint8Array(width * height * channels);
  const within = (x: number, y: number, centre: { x: number; y: number }, radius: number) =>
    (x - centre.x) ** 2 + (y - centre.y) ** 2 <= radius * radius;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let concentrationH = 0;
      let concentrationE = 0;
      const red = erythrocytes.find((centre) => within(x, y, centre, erythrocyteRadiusPx));
      if (red) concentrationE = within(x, y, red, paleRadiusPx) ? 0.15 : 0.6;
      const white = leukocytes.find((centre) => within(x, y, centre, leukocyteRadiusPx));
      if (white) {
        const inNucleus = within(x, y, white, nucleusRadiusPx);
        concentrationH = inNucleus ? 1.2 : 0.25;
        concentrationE = inNucleus ? 0.1 : 0.2;
      }
      const at = (y * width + x) * channels;
      for (let c = 0; c < 3; c++) {
        const od = concentrationH * h[c] + concentrationE * e[c] + noise * (rng() - 0.5);
        pixels[at + c] = Math.min(255, Math.max(0, Math.round(Io * Math.exp(-od) - 1)));
      }
      if (channels === 4) pixels[at + 3] = randomInt(rng, 0, 255); // alpha is ignored
    }
  }
  return { width, height, channels, pixels, micronsPerPixel };
}

/**
 * Up to `count` random centres at least `spacingPx` apart and from `avoid`, kept `marginPx`
 * inside the frame (dart throwing; fewer when the frame is full).
 */
export function scatterCentres(
  rng: () => number,
  width: number,
  height: number,
  count: number,
  spacingPx: number,
  marginPx = 0,
  avoid: Array<{ x: number; y: number }> = [],
): Array<{ x: number; y: number }> {
  const centres: Array<{ x: number; y: number }> = [];
  for (let attempt = 0; attempt < 200 * count && centres.length < count; attempt++) {
    const candidate = { x: marginPx + rng() * (width - 2 * marginPx), y: marginPx + rng() * (height - 2 * marginPx) };
    const clear = [...centres, ...avoid].every((other) => Math.hypot(other.x - candidate.x, other.y - candidate.y) >= spacingPx);
    if (clear) centres.push(candidate);
  }
  return centres;
}

function unit(v: [number, number, number]): [number, number, number] {
  const length = Math.hypot(...v);
  return [v[0] / length, v[1] / length, v[2] / length];
}
