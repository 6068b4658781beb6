// Scale estimation from erythrocytes (src/kernels/scale.ts): the region measurement on synthetic
// binned channels of known geometry, the area-weighted median by hand, and estimateScale end to
// end on synthetic smears of known pixel size, and its typed refusal on a blank frame.
import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../../src/kernels/load.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { areaWeightedMedian, erythrocyteDiametersInBins, estimateScale, ERYTHROCYTE_MICRONS } from '../../src/kernels/scale.js';
import { solidFrame } from '../reference/stain-synthetic.js';
import { mulberry32 } from '../support/random.js';
import { scatterCentres, SMEAR_STAIN, syntheticSmear } from '../support/synthetic-smear.js';

/** Binned channels (concentration x 1000) with discs painted in: eosin-rich rims, optionally a
 * pale centre (background-level eosin), and optionally a hematoxylin-rich nucleus. */
interface Disc {
  x: number;
  y: number;
  radiusBins: number;
  paleRadiusBins?: number;
  nucleus?: boolean;
}

function binnedChannels(gridW: number, gridH: number, discs: Disc[], squares: Array<{ x0: number; y0: number; side: number }> = []) {
  const eosin = new Int32Array(gridW * gridH).fill(40); // background: faint eosin
  const hematoxylin = new Int32Array(gridW * gridH); // erythrocytes and background: no hematoxylin
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) {
      for (const disc of discs) {
        const r2 = (x - disc.x) ** 2 + (y - disc.y) ** 2;
        if (r2 > disc.radiusBins ** 2) continue;
        const pale = disc.paleRadiusBins !== undefined && r2 <= disc.paleRadiusBins ** 2;
        eosin[y * gridW + x] = pale ? 60 : 900;
        if (disc.nucleus) hematoxylin[y * gridW + x] = 1500;
      }
      for (const square of squares) {
        if (x >= square.x0 && x < square.x0 + square.side && y >= square.y0 && y < square.y0 + square.side) eosin[y * gridW + x] = 900;
      }
    }
  }
  return { eosin, hematoxylin };
}

/** Bins covered by a disc of radius r at an integer centre, along one axis: 2 floor(r) + 1. */
const discWidthBins = (radiusBins: number) => 2 * Math.floor(radiusBins) + 1;

describe('erythrocyteDiametersInBins', () => {
  it('measures solid round discs by their bounding box', () => {
    const discs: Disc[] = [{ x: 20, y: 20, radiusBins: 6 }, { x: 60, y: 25, radiusBins: 9.5 }, { x: 35, y: 55, radiusBins: 4 }];
    const { eosin, hematoxylin } = binnedChannels(90, 80, discs);
    const diameters = erythrocyteDiametersInBins(eosin, hematoxylin, 90, 80).sort((a, b) => a - b);
    expect(diameters).toEqual(discs.map((d) => discWidthBins(d.radiusBins)).sort((a, b) => a - b));
  });

  it('measures discs with pale centres (a hole in the region) at their full diameter', () => {
    const discs: Disc[] = [{ x: 15, y: 15, radiusBins: 8, paleRadiusBins: 3.5 }, { x: 45, y: 40, radiusBins: 10, paleRadiusBins: 5 }];
    const { eosin, hematoxylin } = binnedChannels(70, 60, discs);
    expect(erythrocyteDiametersInBins(eosin, hematoxylin, 70, 60).sort((a, b) => a - b)).toEqual([17, 21]);
  });

  it('leaves out discs touching the grid border, nuclei, filled squares and specks', () => {
    const kept: Disc = { x: 30, y: 30, radiusBins: 7 };
    const discs: Disc[] = [
      kept,
      { x: 5, y: 40, radiusBins: 5 }, // touches column 0
      { x: 60, y: 55, radiusBins: 6 }, // touches the last row (gridH 60)
      { x: 55, y: 15, radiusBins: 6, nucleus: true }, // a leukocyte: hematoxylin-rich
      { x: 15, y: 15, radiusBins: 1 }, // a speck narrower than 4 bins
    ];
    const { eosin, hematoxylin } = binnedChannels(75, 60, discs, [{ x0: 35, y0: 45, side: 9 }]); // 100 % filled: not round
    expect(erythrocyteDiametersInBins(eosin, hematoxylin, 75, 60)).toEqual([discWidthBins(kept.radiusBins)]);
  });

  it('finds nothing on a flat grid', () => {
    const { eosin, hematoxylin } = binnedChannels(40, 30, []);
    expect(erythrocyteDiametersInBins(eosin, hematoxylin, 40, 30)).toEqual([]);
  });
});

describe('areaWeightedMedian', () => {
  it.each([
    // weights d^2; the first diameter whose cumulative weight reaches half the total
    [[10], 10],
    [[1, 2, 3], 3], // 1, 4, 9 of 14: 5 < 7 <= 14
    [[3, 1, 2], 3], // order does not matter
    [[2, 2, 2, 2], 2],
    [[1, 1, 1, 1, 10], 10], // many specks, one large cell: the cell wins
    [[1, 1, 1, 1, 1, 1, 1, 1, 1, 3], 1], // 9 of 18 reaches half exactly at the ninth 1
    [[4, 5, 6, 7], 6], // 16, 41, 77 of 126: 41 < 63 <= 77
  ])('%j -> %d', (diameters, expected) => {
    expect(areaWeightedMedian(diameters)).toBe(expected);
  });
});

describe('estimateScale', () => {
  it.each([0.2, 0.35])('recovers %d um/px from the erythrocytes of a synthetic smear', async (micronsPerPixel) => {
    const kernels = await instantiateKernels({ canaryBytes: 64 });
    const rng = mulberry32(Math.round(micronsPerPixel * 100));
    const diameterPx = ERYTHROCYTE_MICRONS / micronsPerPixel;
    const leukocyte = { x: 200, y: 150 };
    // Separate red cells with pale centres, clear of the frame edge and of the one leukocyte.
    const clearOfLeukocytePx = (12 / 2 + ERYTHROCYTE_MICRONS / 2) / micronsPerPixel + 2;
    const erythrocytes = scatterCentres(rng, 400, 300, 30, 1.3 * diameterPx, diameterPx)
      .filter((c) => Math.hypot(c.x - leukocyte.x, c.y - leukocyte.y) > clearOfLeukocytePx);
    const leukocytes = [leukocyte];
    const frame = syntheticSmear(rng, { width: 400, height: 300, micronsPerPixel, leukocytes, erythrocytes });
    const estimate = estimateScale(kernels, placeFrame(kernels, frame), SMEAR_STAIN);
    kernels.memory.checkCanaries();
    expect(estimate.estimated).toBe(true);
    expect(estimate.erythrocytes).toBeGreaterThanOrEqual(10);
    // binPx is 1 here, so the bounding box is within a pixel or two of the painted diameter.
    expect(Math.abs(estimate.erythrocyteDiameterPx - diameterPx)).toBeLessThanOrEqual(2);
    expect(Math.abs(estimate.micronsPerPixel / micronsPerPixel - 1)).toBeLessThan(0.06);
  });

  it('refuses a blank frame with INVALID_FRAME', async () => {
    const kernels = await instantiateKernels();
    for (const rgb of [[240, 240, 240], [255, 255, 255], [0, 0, 0]] as const) {
      const resident = placeFrame(kernels, solidFrame(320, 240, 4, [...rgb]));
      expect(() => estimateScale(kernels, resident, SMEAR_STAIN)).toThrow(expect.objectContaining({ name: 'SmearscopeError', code: 'INVALID_FRAME' }));
    }
  });
});
