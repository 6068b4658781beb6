// Scale estimation from erythrocytes (src/scale/estimate.ts, src/scale/discs.ts): the
// distance transform against brute force, hole filling, inscribed discs and the power-diagram cell
// sizes on masks of known geometry (touching and overlapping discs, pale centres, a nucleus, the
// grid border), the area-weighted median by hand, and estimateScale end to end on synthetic
// smears of known pixel size, with its typed refusals.
import { describe, expect, it } from 'vitest';
import { generateMosaic } from '../../bench/mosaic.js';
import { instantiateKernels } from '../../src/kernels/load.js';
import { localizationChannels } from '../../src/localize/channels.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { erythrocyteDiametersInBins, estimateScale, ERYTHROCYTE_MICRONS, scaleBinPx, scaleCheckBand } from '../../src/scale/estimate.js';
import { areaWeightedMedian, fillHoles, inscribedDiscs, powerCellDiameters, squaredDistanceToBackground } from '../../src/scale/discs.js';
import { fitMacenko } from '../../src/stain/index.js';
import { solidFrame } from '../reference/stain-synthetic.js';
import { mulberry32, randomInt } from '../support/random.js';
import { scatterCentres, SMEAR_STAIN, syntheticSmear } from '../support/synthetic-smear.js';

interface Disc {
  x: number;
  y: number;
  radius: number;
  /** Radius of an unset centre (a pale erythrocyte centre). */
  paleRadius?: number;
}

/** A gridW x gridH mask with the discs set (their pale centres unset). */
function discMask(gridW: number, gridH: number, discs: Disc[]): Uint8Array {
  const mask = new Uint8Array(gridW * gridH);
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) {
      for (const disc of discs) {
        const r2 = (x - disc.x) ** 2 + (y - disc.y) ** 2;
        if (r2 <= disc.radius ** 2 && !(disc.paleRadius && r2 <= disc.paleRadius ** 2)) mask[y * gridW + x] = 1;
      }
    }
  }
  return mask;
}

const none = (n: number) => new Uint8Array(n);
/** Equivalent diameter (bins) of a disc painted by discMask: 2 sqrt(set bins / pi). */
function paintedDiameter(radius: number): number {
  const side = 2 * Math.ceil(radius) + 3;
  const bins = discMask(side, side, [{ x: (side - 1) / 2, y: (side - 1) / 2, radius }]).reduce((sum, on) => sum + on, 0);
  return 2 * Math.sqrt(bins / Math.PI);
}
const relativeError = (measured: number, truth: number) => Math.abs(measured / truth - 1);

describe('squaredDistanceToBackground', () => {
  it('equals the brute-force distance to the nearest unset bin (outside the grid unset) on random masks', () => {
    const rng = mulberry32(11);
    for (let trial = 0; trial < 40; trial++) {
      const gridW = trial === 0 ? 1 : randomInt(rng, 1, 30);
      const gridH = trial === 0 ? 1 : randomInt(rng, 1, 30);
      const density = rng();
      const mask = Uint8Array.from({ length: gridW * gridH }, () => (rng() < density ? 1 : 0));
      const distance = squaredDistanceToBackground(mask, gridW, gridH);
      for (let y = 0; y < gridH; y++) {
        for (let x = 0; x < gridW; x++) {
          let best = Infinity;
          for (let by = -1; by <= gridH; by++) {
            for (let bx = -1; bx <= gridW; bx++) {
              const outside = bx < 0 || by < 0 || bx >= gridW || by >= gridH;
              if (outside || !mask[by * gridW + bx]) best = Math.min(best, (bx - x) ** 2 + (by - y) ** 2);
            }
          }
          if (distance[y * gridW + x] !== best) expect([trial, x, y, distance[y * gridW + x]]).toEqual([trial, x, y, best]);
        }
      }
    }
  });
});

describe('fillHoles', () => {
  it('fills a pale centre but not an opening to the background or a hole cut by the grid border', () => {
    const ring = discMask(60, 40, [{ x: 15, y: 20, radius: 10, paleRadius: 4 }]);
    const filled = fillHoles(ring, 60, 40);
    expect(filled).toEqual(discMask(60, 40, [{ x: 15, y: 20, radius: 10 }]));
    const open = ring.slice();
    for (let x = 15; x < 26; x++) open[20 * 60 + x] = 0; // a slit from the centre out through the rim
    expect(fillHoles(open, 60, 40)).toEqual(open);
    const cut = discMask(30, 30, [{ x: 0, y: 15, radius: 10, paleRadius: 4 }]); // the pale centre reaches column 0
    expect(fillHoles(cut, 30, 30)).toEqual(cut);
  });

  it('equals a flood fill of the background from the grid border on random masks', () => {
    const rng = mulberry32(12);
    for (let trial = 0; trial < 60; trial++) {
      const gridW = trial === 0 ? 1 : randomInt(rng, 1, 40);
      const gridH = trial === 0 ? 1 : randomInt(rng, 1, 40);
      const density = 0.3 + 0.5 * rng(); // dense enough for enclosed holes, and for runs that wind
      const mask = Uint8Array.from({ length: gridW * gridH }, () => (rng() < density ? 1 : 0));
      // Reference: every unset bin reachable from the border through unset bins (4-connected) stays unset.
      const outside = new Uint8Array(gridW * gridH);
      const queue: number[] = [];
      for (let i = 0; i < gridW * gridH; i++) {
        const x = i % gridW;
        const y = Math.floor(i / gridW);
        if (!mask[i] && (x === 0 || y === 0 || x === gridW - 1 || y === gridH - 1)) {
          outside[i] = 1;
          queue.push(i);
        }
      }
      while (queue.length > 0) {
        const i = queue.pop()!;
        const x = i % gridW;
        const neighbours = [x > 0 ? i - 1 : -1, x < gridW - 1 ? i + 1 : -1, i - gridW, i + gridW];
        for (const j of neighbours) {
          if (j < 0 || j >= gridW * gridH || mask[j] || outside[j]) continue;
          outside[j] = 1;
          queue.push(j);
        }
      }
      const expected = outside.map((o) => 1 - o);
      expect([trial, ...fillHoles(mask, gridW, gridH)]).toEqual([trial, ...expected]);
    }
  });
});

describe('inscribedDiscs', () => {
  it('covers a lone disc with one disc at its centre and its radius', () => {
    const discs = inscribedDiscs(discMask(50, 50, [{ x: 24, y: 26, radius: 12 }]), 50, 50);
    // The nearest unset bins are (8, 9) off the centre and its mirrors: sqrt(145), just past 12.
    expect(discs[0]).toEqual({ x: 24, y: 26, radius: Math.sqrt(145) });
    expect(discs.slice(1).every((disc) => disc.radius < 4)).toBe(true); // only slivers besides
  });

  it('finds nothing in an empty mask or one too thin to hold a disc', () => {
    expect(inscribedDiscs(none(100), 10, 10)).toEqual([]);
    const line = new Uint8Array(100);
    for (let x = 0; x < 10; x++) line[50 + x] = 1;
    expect(inscribedDiscs(line, 10, 10)).toEqual([]);
  });
});

describe('powerCellDiameters', () => {
  const radius = 10;
  const truth = paintedDiameter(radius);

  it('measures touching and overlapping discs, with and without pale centres, at their own size', () => {
    const row = (y: number, spacing: number, pale: boolean): Disc[] =>
      [0, 1, 2, 3].map((k) => ({ x: 20 + k * spacing, y, radius, paleRadius: pale ? 4 : undefined }));
    const discs = [...row(20, 21, false), ...row(50, 19, true), ...row(80, 17, false)]; // touching, 10 % and 20 % overlap
    const mask = fillHoles(discMask(110, 100, discs), 110, 100);
    const diameters = powerCellDiameters(mask, none(110 * 100), 110, 100);
    expect(diameters.length).toBe(12);
    for (const d of diameters) expect(relativeError(d, truth)).toBeLessThan(0.08);
    expect(relativeError(areaWeightedMedian(diameters), truth)).toBeLessThan(0.04);
  });

  it('leaves out cells cut by the grid border and cells that are mostly nucleus', () => {
    const kept = { x: 40, y: 30, radius };
    const mask = discMask(100, 60, [kept, { x: 5, y: 30, radius }, { x: 75, y: 30, radius }]);
    const nucleus = discMask(100, 60, [{ x: 75, y: 30, radius: 6 }]);
    const diameters = powerCellDiameters(mask, nucleus, 100, 60);
    expect(diameters.length).toBe(1);
    expect(relativeError(diameters[0], truth)).toBeLessThan(0.05);
  });
});

describe('areaWeightedMedian', () => {
  it.each([
    // weights d^2; the first value whose cumulative weight reaches half the total
    [[10], 10],
    [[1, 2, 3], 3], // 1, 4, 9 of 14: 5 < 7 <= 14
    [[3, 1, 2], 3], // order does not matter
    [[2, 2, 2, 2], 2],
    [[1, 1, 1, 1, 10], 10], // many specks, one large cell: the cell wins
    [[1, 1, 1, 1, 1, 1, 1, 1, 1, 3], 1], // 9 of 18 reaches half exactly at the ninth 1
    [[4, 5, 6, 7], 6], // 16, 41, 77 of 126: 41 < 63 <= 77
  ])('%j -> %d', (values, expected) => {
    expect(areaWeightedMedian(values)).toBe(expected);
  });

  it('is NaN for no values', () => {
    expect(areaWeightedMedian([])).toBeNaN();
  });
});

describe('erythrocyteDiametersInBins', () => {
  it('measures the red cells of binned channels and leaves out a leukocyte', () => {
    const gridW = 120;
    const gridH = 90;
    const erythrocytes: Disc[] = [
      { x: 20, y: 20, radius: 9 },
      { x: 38, y: 20, radius: 9 },
      { x: 25, y: 65, radius: 9 },
      { x: 60, y: 70, radius: 9 },
    ];
    const leukocyte = { x: 85, y: 35, radius: 16 };
    const green = new Int32Array(gridW * gridH).fill(60); // background: faint green OD (x 1000)
    const hematoxylin = new Int32Array(gridW * gridH);
    for (let y = 0; y < gridH; y++) {
      for (let x = 0; x < gridW; x++) {
        const i = y * gridW + x;
        const at = (disc: Disc) => (x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.radius ** 2;
        const pale = erythrocytes.some((disc) => (x - disc.x) ** 2 + (y - disc.y) ** 2 <= 9);
        if (erythrocytes.some(at)) green[i] = pale ? 150 : 550;
        if (at(leukocyte)) {
          green[i] = 450; // cytoplasm absorbs green too
          if (at({ ...leukocyte, radius: 10 })) hematoxylin[i] = 1500;
        }
      }
    }
    const channels = localizationChannels(SMEAR_STAIN);
    const diameters = erythrocyteDiametersInBins(green, hematoxylin, channels, gridW, gridH);
    expect(diameters.length).toBe(erythrocytes.length);
    for (const d of diameters) expect(relativeError(d, paintedDiameter(9))).toBeLessThan(0.08);
  });
});

describe('estimateScale', () => {
  it.each([
    [0.2, 1.3],
    [0.35, 1.3],
    [0.25, 0.9], // crowded: neighbours overlap by a tenth of a diameter
  ])('recovers %d um/px from the erythrocytes of a synthetic smear (spacing %d diameters)', async (micronsPerPixel, spacing) => {
    const kernels = await instantiateKernels({ canaryBytes: 64 });
    const rng = mulberry32(Math.round(micronsPerPixel * 100));
    const diameterPx = ERYTHROCYTE_MICRONS / micronsPerPixel;
    const leukocytes = [{ x: 200, y: 150 }];
    const clearOfLeukocytePx = (12 / 2 + ERYTHROCYTE_MICRONS / 2) / micronsPerPixel;
    const erythrocytes = scatterCentres(rng, 400, 300, 60, spacing * diameterPx, 0).filter(
      (c) => Math.hypot(c.x - leukocytes[0].x, c.y - leukocytes[0].y) > clearOfLeukocytePx,
    );
    const frame = syntheticSmear(rng, { width: 400, height: 300, micronsPerPixel, leukocytes, erythrocytes });
    const estimate = estimateScale(kernels, placeFrame(kernels, frame), SMEAR_STAIN);
    kernels.memory.checkCanaries();
    expect(estimate.estimated).toBe(true);
    expect(estimate.erythrocytes).toBeGreaterThanOrEqual(5);
    expect(relativeError(estimate.micronsPerPixel, micronsPerPixel)).toBeLessThan(0.06);
  });

  it('a large frame (2 x 2 samples per bin) recovers its scale, and with the scale given bins coarser and still agrees', async () => {
    // 1800 x 1400 at 0.09 um/px: 5 px bins of the field, 8 px bins per the given scale (10 per 83 px erythrocyte).
    const micronsPerPixel = 0.09;
    const [width, height] = [1800, 1400];
    expect(scaleBinPx(width, height)).toBe(5);
    expect(scaleBinPx(width, height, micronsPerPixel)).toBe(8);
    expect(scaleBinPx(640, 480)).toBe(2); // small frames: the field's bins without a given scale
    expect(scaleBinPx(640, 480, micronsPerPixel)).toBe(5); // given: 15 bins per erythrocyte (83 px)
    const kernels = await instantiateKernels({ canaryBytes: 64 });
    const rng = mulberry32(9);
    const diameterPx = ERYTHROCYTE_MICRONS / micronsPerPixel;
    const erythrocytes = scatterCentres(rng, width, height, 150, 1.3 * diameterPx, 0);
    const frame = syntheticSmear(rng, { width, height, micronsPerPixel, leukocytes: [], erythrocytes });
    const resident = placeFrame(kernels, frame);
    for (const given of [undefined, micronsPerPixel, 2 * micronsPerPixel, micronsPerPixel / 1.25]) {
      const estimate = estimateScale(kernels, resident, SMEAR_STAIN, given);
      expect(estimate.erythrocytes).toBeGreaterThanOrEqual(50);
      expect(relativeError(estimate.micronsPerPixel, micronsPerPixel)).toBeLessThan(0.06);
    }
    // Given half the true size, the bins are 16 px (erythrocytes 5 bins across): still near enough
    // to report the given scale as 2x off.
    const halved = estimateScale(kernels, resident, SMEAR_STAIN, micronsPerPixel / 2);
    expect(relativeError(halved.micronsPerPixel, micronsPerPixel)).toBeLessThan(0.15);
    kernels.memory.checkCanaries();
  });

  it('checks a given scale on a centred band of ~1.3 MP of a large frame, and the whole frame without one', async () => {
    const band = scaleCheckBand({ ptr: 1000, width: 2452, height: 2056, channels: 4 });
    expect(band).toEqual({ ptr: 1000 + 760 * 2452 * 4, width: 2452, height: 535, channels: 4 });
    const small = { ptr: 64, width: 1280, height: 1024, channels: 3 as const };
    expect(scaleCheckBand(small)).toBe(small);
    // Erythrocytes only in the top quarter of a 2400 x 2000 frame at 0.09 um/px: the frame's own
    // estimate (no scale given) finds them; a given scale is checked on the band, where there are none.
    const micronsPerPixel = 0.09;
    const [width, height] = [2400, 2000];
    const kernels = await instantiateKernels({ canaryBytes: 64 });
    const rng = mulberry32(12);
    const diameterPx = ERYTHROCYTE_MICRONS / micronsPerPixel;
    const erythrocytes = scatterCentres(rng, width, 450, 60, 1.3 * diameterPx, 0);
    const frame = syntheticSmear(rng, { width, height, micronsPerPixel, leukocytes: [], erythrocytes });
    const resident = placeFrame(kernels, frame);
    const own = estimateScale(kernels, resident, SMEAR_STAIN);
    expect(own.erythrocytes).toBeGreaterThanOrEqual(20);
    expect(relativeError(own.micronsPerPixel, micronsPerPixel)).toBeLessThan(0.06);
    expect(() => estimateScale(kernels, resident, SMEAR_STAIN, micronsPerPixel)).toThrow(
      expect.objectContaining({ name: 'SmearscopeError', code: 'INVALID_FRAME' }),
    );
    kernels.memory.checkCanaries();
  });

  it('refuses a blank frame with INVALID_FRAME', async () => {
    const kernels = await instantiateKernels();
    for (const rgb of [
      [240, 240, 240],
      [255, 255, 255],
      [0, 0, 0],
    ] as const) {
      const resident = placeFrame(kernels, solidFrame(320, 240, 4, [...rgb]));
      expect(() => estimateScale(kernels, resident, SMEAR_STAIN)).toThrow(
        expect.objectContaining({ name: 'SmearscopeError', code: 'INVALID_FRAME' }),
      );
    }
  });

  it('refuses a mosaic rather than measure its pasted crops (round, but each around a nucleus)', async () => {
    const kernels = await instantiateKernels();
    const mosaic = await generateMosaic({ seed: 3, width: 1231, height: 1027, cells: 8 });
    const resident = placeFrame(kernels, mosaic.frame);
    const fit = fitMacenko(kernels, resident, { pixelStride: 2 });
    expect(() => estimateScale(kernels, resident, fit)).toThrow(expect.objectContaining({ code: 'INVALID_FRAME' }));
  });
});
