// Localization (assembly/localize.ts via src/localize/) against the plain reference
// (test/reference/localize.ts): every intermediate grid must be identical, integer for integer
// (hematoxylin, eosin, histogram, mask, summed-area table, window counts and areas), and so must
// the cells, on random frames, fits and options and on real frames; plus checks against known
// geometry that do not lean on the reference.
import { beforeAll, describe, expect, it } from 'vitest';
import { withoutAlpha } from '../../bench/inputs.js';
import { generateMosaic } from '../../bench/mosaic.js';
import type { Frame } from '../../src/frame.js';
import type { StainReference } from '../../src/stain/reference.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import { binStainChannels, localizationChannels, stainChannelTables, NUCLEAR_CONTRAST } from '../../src/localize/channels.js';
import type { LocalizeOptions } from '../../src/localize/geometry.js';
import { localizeWithStages, type Localization, type LocalizeStages } from '../../src/localize/localize-cells.js';
import { THRESHOLD_BOUNDS } from '../../src/localize/threshold.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { scaleChannels } from '../../src/scale/estimate.js';
import { fitMacenko } from '../../src/stain/index.js';
import { referenceBinChannels, referenceLocalize } from '../reference/localize.js';
import { noiseFrame, randomStainVector, solidFrame, stainedFrame } from '../reference/stain-synthetic.js';
import { BCCD_MICRONS_PER_PIXEL, bccdFrames } from '../support/frames.js';
import { mulberry32, randomInt } from '../support/random.js';
import { scatterCentres, SMEAR_STAIN, syntheticSmear } from '../support/synthetic-smear.js';

const PATCH_MICRONS = 25;

let kernels: KernelInstance;
beforeAll(async () => {
  kernels = await instantiateKernels({ canaryBytes: 64 });
});

function expectSameGrid(name: string, wasm: ArrayLike<number>, reference: ArrayLike<number>): void {
  expect(wasm.length, `${name} length`).toBe(reference.length);
  // One assertion per grid (not per value) keeps large frames fast and the message useful.
  let first = -1;
  for (let i = 0; i < wasm.length && first < 0; i++) if (wasm[i] !== reference[i]) first = i;
  expect(first, `${name} differs first at ${first}: wasm ${wasm[first]}, reference ${reference[first]}`).toBe(-1);
}

/** localizeWithStages and referenceLocalize on the same frame: every stage and the cells agree exactly. */
function localizeBoth(frame: Frame, fit: StainReference, options: LocalizeOptions): Localization {
  const mark = kernels.memory.mark();
  try {
    const resident = placeFrame(kernels, frame);
    const wasm = localizeWithStages(kernels, resident, fit, options);
    kernels.memory.checkCanaries();
    const reference = referenceLocalize(frame, fit, options);
    for (const stage of Object.keys(reference.stages) as Array<keyof LocalizeStages>) {
      expectSameGrid(stage, wasm.stages[stage], reference.stages[stage]);
    }
    expect(wasm.localization).toEqual(reference.localization);
    return wasm.localization;
  } finally {
    kernels.memory.release(mark);
  }
}

/** The frame's own Macenko fit when it has one (stride 2 as the pipeline does), else undefined. */
function frameFit(frame: Frame): StainReference | undefined {
  const mark = kernels.memory.mark();
  try {
    const { stainMatrix, maxC } = fitMacenko(kernels, placeFrame(kernels, frame), { pixelStride: 2 });
    return { stainMatrix, maxC };
  } catch {
    return undefined; // blank or one-colour frames have no fit
  } finally {
    kernels.memory.release(mark);
  }
}

type FrameKind = 'smear' | 'stained' | 'noise' | 'white' | 'black' | 'single colour';
const KINDS: FrameKind[] = ['smear', 'stained', 'noise', 'white', 'black', 'single colour'];

function randomFrame(
  rng: () => number,
  kind: FrameKind,
  width: number,
  height: number,
  micronsPerPixel: number,
  cellMicrons: number,
): Frame {
  const channels = rng() < 0.5 ? 3 : 4;
  switch (kind) {
    case 'smear': {
      const cellPx = cellMicrons / micronsPerPixel;
      const leukocytes = scatterCentres(rng, width, height, randomInt(rng, 1, 4), 1.2 * cellPx);
      const erythrocytes = scatterCentres(rng, width, height, randomInt(rng, 0, 12), 0.6 * cellPx, 0, leukocytes);
      return syntheticSmear(rng, {
        width,
        height,
        channels,
        micronsPerPixel,
        leukocytes,
        erythrocytes,
        leukocyteMicrons: cellMicrons,
        nucleusMicrons: (2 / 3) * cellMicrons,
        erythrocyteMicrons: 0.6 * cellMicrons,
      });
    }
    case 'stained':
      return stainedFrame(rng, width, height, channels);
    case 'noise':
      return noiseFrame(rng, width, height, channels);
    case 'white':
      return solidFrame(width, height, channels, [255, 255, 255]);
    case 'black':
      return solidFrame(width, height, channels, [0, 0, 0]);
    case 'single colour':
      return solidFrame(width, height, channels, [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)]);
  }
}

/** A random plausible fit: the smear's stains, two random stain vectors, or the frame's own fit. */
function randomFit(rng: () => number, frame: Frame): StainReference {
  const choice = rng();
  if (choice < 0.3) return frameFit(frame) ?? SMEAR_STAIN;
  if (choice < 0.5) return SMEAR_STAIN;
  return { stainMatrix: [randomStainVector(rng), randomStainVector(rng)], maxC: [0.05 + 3 * rng(), 0.05 + 3 * rng()] };
}

/** Random options: the cell from 3 to 60 px, and sometimes every optional size set too. */
function randomOptions(rng: () => number): LocalizeOptions {
  const micronsPerPixel = 0.05 + 1.5 * rng();
  const cellMicrons = (3 + 57 * rng()) * micronsPerPixel;
  const options: LocalizeOptions = { micronsPerPixel, patchMicrons: (0.5 + 3 * rng()) * cellMicrons, cellMicrons };
  if (rng() < 0.5) {
    options.minRatio = 0.02 + 0.98 * rng();
    options.binMicrons = micronsPerPixel * (0.5 + 6 * rng());
    options.strideMicrons = cellMicrons * (0.05 + 0.5 * rng());
    options.minDistanceMicrons = cellMicrons * (0.1 + 1.5 * rng());
  }
  return options;
}

describe('localization: WASM stages vs the reference, exactly', () => {
  it('agrees on random frames of random sizes (incl. 1 x 1 and odd), fits and options, RGB and RGBA', () => {
    const rng = mulberry32(31337);
    const sources = new Set<string>();
    const clamped = new Set<boolean>();
    let cells = 0;
    for (let trial = 0; trial < 180; trial++) {
      const kind = KINDS[trial % KINDS.length];
      const options = randomOptions(rng);
      const tiny = trial % 10 === 0;
      const width = tiny ? 1 : randomInt(rng, 1, 160);
      const height = tiny ? 1 : randomInt(rng, 1, 140);
      const frame = randomFrame(rng, kind, width, height, options.micronsPerPixel, options.cellMicrons!);
      const localization = localizeBoth(frame, randomFit(rng, frame), options);
      sources.add(localization.channels);
      clamped.add(localization.thresholdClamped);
      cells += localization.cells.length;
    }
    // The random inputs reach clamped and free thresholds, and real cells.
    expect([...sources]).toEqual(['green-blue']);
    expect([...clamped].sort()).toEqual([false, true]);
    expect(cells).toBeGreaterThan(100);
  });

  it("binStainChannels (the scale estimate's binning) agrees for any block size and sampling step", () => {
    const rng = mulberry32(77);
    for (let trial = 0; trial < 60; trial++) {
      const frame = stainedFrame(rng, randomInt(rng, 1, 70), randomInt(rng, 1, 70), rng() < 0.5 ? 3 : 4);
      const fit = randomFit(rng, frame);
      const binPx = randomInt(rng, 1, 12);
      const sampleStep = randomInt(rng, 1, 4);
      // The scale estimate's channels (nuclear stain, green OD) or localization's (both weigh red
      // by zero in the first row, so the kernel skips the red lookups), or localization's swapped,
      // which weighs red in both rows (the kernel's loop with red lookups).
      const choice = rng();
      const localization = localizationChannels(fit);
      const channels =
        choice < 1 / 3
          ? scaleChannels(fit)
          : choice < 2 / 3
            ? localization
            : { ...localization, unmix: [localization.unmix[1], localization.unmix[0]] as typeof localization.unmix };
      const mark = kernels.memory.mark();
      const wasm = binStainChannels(kernels, placeFrame(kernels, frame), channels, binPx, sampleStep);
      kernels.memory.release(mark);
      const reference = referenceBinChannels(frame, stainChannelTables(channels), binPx, sampleStep, 2);
      expect([wasm.gridW, wasm.gridH]).toEqual([reference.gridW, reference.gridH]);
      expectSameGrid('hematoxylin', wasm.hematoxylin, reference.binned[0]);
      expectSameGrid('second channel', wasm.secondChannel, reference.binned[1]);
    }
  });

  it('agrees on a dark frame binned into one block of a million pixels (block sums beyond i32)', () => {
    // 0.0005 um/px (a unit slip) with 0.5 um bins gives 1000 px bins, sampled 2 x 2.
    const frame = solidFrame(1000, 1000, 3, [0, 0, 0]);
    const localization = localizeBoth(frame, SMEAR_STAIN, { micronsPerPixel: 0.0005, patchMicrons: PATCH_MICRONS, binMicrons: 0.5 });
    expect(localization.geometry.binPx).toBe(1000);
    // Every pixel of that block: a million samples of ~10,000 each, a sum the kernel must keep in i64.
    const channels = scaleChannels(SMEAR_STAIN);
    const mark = kernels.memory.mark();
    const wasm = binStainChannels(kernels, placeFrame(kernels, frame), channels, 1000, 1);
    kernels.memory.release(mark);
    const reference = referenceBinChannels(frame, stainChannelTables(channels), 1000, 1, 2);
    expect(Math.abs(reference.binned[1][0]) * 1e6).toBeGreaterThan(2 ** 31);
    expectSameGrid('hematoxylin', wasm.hematoxylin, reference.binned[0]);
    expectSameGrid('second channel', wasm.secondChannel, reference.binned[1]);
  });

  it('agrees on real BCCD frames (RGBA and RGB) with their own stain fits', async () => {
    for (const frame of await bccdFrames(4)) {
      const fit = frameFit(frame);
      expect(fit, frame.label).toBeDefined();
      const options = { micronsPerPixel: BCCD_MICRONS_PER_PIXEL, patchMicrons: PATCH_MICRONS };
      const rgba = localizeBoth(frame, fit!, options);
      expect(rgba.cells.length, frame.label).toBeGreaterThan(0);
      const rgb = localizeBoth(withoutAlpha(frame), fit!, options);
      expect(rgb.cells).toEqual(rgba.cells);
    }
  });

  it('agrees on a bone-marrow mosaic of odd size', async () => {
    const mosaic = await generateMosaic({ seed: 7, width: 1231, height: 1027, cells: 8 });
    const fit = frameFit(mosaic.frame);
    const localization = localizeBoth(mosaic.frame, fit!, { micronsPerPixel: mosaic.micronsPerPixel, patchMicrons: PATCH_MICRONS });
    expect(localization.cells.length).toBeGreaterThan(4);
  });
});

describe('localizationChannels: the nuclear contrast', () => {
  // Median pixel colours measured on txl-pbc-dev (nuclei: the darkest 15 % of each WBC box;
  // erythrocytes: the body of each RBC box; background: outside every box), as RGB.
  const colours: Array<[string, [number, number, number], [number, number, number], [number, number, number]]> = [
    ['BCD (Wright)', [122, 75, 204], [170, 148, 156], [187, 187, 181]],
    ['PBC (May-Grunwald-Giemsa, CellaVision)', [72, 23, 138], [203, 165, 167], [254, 228, 202]],
    ['BCCD (Giemsa)', [138, 96, 215], [182, 160, 170], [196, 198, 192]],
  ];
  const contrast = (rgb: [number, number, number]) => {
    const od = rgb.map((v) => -Math.log((v + 1) / 240));
    return NUCLEAR_CONTRAST.reduce((sum, w, i) => sum + w * od[i], 0);
  };
  it.each(colours)(
    '%s: nuclei lie above the threshold bounds, erythrocytes and background below',
    (_name, nucleus, erythrocyte, background) => {
      const channels = localizationChannels(SMEAR_STAIN);
      expect(channels.unmix[0]).toEqual(NUCLEAR_CONTRAST);
      expect(contrast(nucleus)).toBeGreaterThan(THRESHOLD_BOUNDS[1] * channels.hematoxylinMax);
      expect(contrast(erythrocyte)).toBeLessThan(THRESHOLD_BOUNDS[0] * channels.hematoxylinMax);
      expect(contrast(background)).toBeLessThan(THRESHOLD_BOUNDS[0] * channels.hematoxylinMax);
    },
  );
});

describe('localization on a synthetic smear of known geometry', () => {
  const micronsPerPixel = 0.25;
  const leukocytes = [
    { x: 100.3, y: 90.7 },
    { x: 255, y: 180 },
    { x: 30, y: 200 },
  ];

  it('finds each leukocyte at its centre, flags the patch that leaves the frame, and ignores erythrocytes', () => {
    const rng = mulberry32(5);
    const erythrocytes = scatterCentres(rng, 300, 240, 25, 32, 0, leukocytes);
    const frame = syntheticSmear(rng, { width: 300, height: 240, micronsPerPixel, leukocytes, erythrocytes });
    const { cells } = localizeBoth(frame, SMEAR_STAIN, { micronsPerPixel, patchMicrons: PATCH_MICRONS });
    expect(cells.length).toBe(leukocytes.length);
    const patchPx = PATCH_MICRONS / micronsPerPixel;
    for (const truth of leukocytes) {
      const cell = cells.find((c) => Math.hypot(c.x - truth.x, c.y - truth.y) < 24)!;
      expect(cell, JSON.stringify(truth)).toBeDefined();
      // The nucleus centroid on 3 px bins (0.75 um): within half a bin of the true centre inside the frame.
      // Near the border the clipped window (smaller area, higher ratio) wins the peak and cuts
      // the far side of the nucleus off, pulling the centroid a little towards the border.
      const nearBorder = truth.x < 48;
      expect(Math.hypot(cell.x - truth.x, cell.y - truth.y)).toBeLessThan(nearBorder ? 3 : 1.5);
      expect(cell.box[2] - cell.box[0]).toBeCloseTo(patchPx, 9);
      const half = patchPx / 2;
      expect(cell.crossesBorder).toBe(truth.x - half < 0 || truth.y - half < 0 || truth.x + half > 300 || truth.y + half > 240);
      expect(cell.ratio).toBeGreaterThan(0.2);
      expect(cell.ratio).toBeLessThanOrEqual(1);
    }
    expect(cells.filter((c) => c.crossesBorder).length).toBe(2); // (255, 180) and (30, 200)
  });

  it('finds nothing in a smear of erythrocytes only', () => {
    const rng = mulberry32(6);
    const frame = syntheticSmear(rng, { width: 200, height: 150, micronsPerPixel, erythrocytes: scatterCentres(rng, 200, 150, 20, 32) });
    expect(localizeBoth(frame, SMEAR_STAIN, { micronsPerPixel, patchMicrons: PATCH_MICRONS }).cells).toEqual([]);
  });
});
