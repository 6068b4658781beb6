// writePatches (assembly/patch.ts via src/patch/write-patches.ts) against the float64 reference
// (test/reference/patch.ts), plus checks of the geometry that do not lean on the reference.
//
// Tolerances: without stain normalization |wasm - reference| <= 1e-4 on normalized values (std
// >= 0.05 here); with it, <= 0.01 grey levels (|difference| * std * 255), the issue allows 1.
import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { decodeImage } from '../../src/io/decode.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import { floatsPerPatch, writePatches, type BorderPolicy, type PatchCentre, type PatchSpec } from '../../src/patch/write-patches.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { stainTransform, type StainReference } from '../../src/stain/index.js';
import { referencePatches } from '../reference/patch.js';
import { mulberry32, randomInt } from '../support/random.js';

const PLAIN_TOLERANCE = 1e-4;
const STAIN_TOLERANCE_GREY = 0.01;
const SENTINEL = -12345;
const DATA = '../shared/data';

let kernels: KernelInstance;
beforeAll(async () => {
  kernels = await instantiateKernels();
});

/** Runs writePatches on a fresh resident copy of `frame` into a sentinel-filled batch. */
function runWasm(frame: Frame, centres: PatchCentre[], spec: PatchSpec, slots = centres.length, firstSlot = 0) {
  const mark = kernels.memory.mark();
  try {
    const resident = placeFrame(kernels, frame);
    const batch = new Float32Array(slots * floatsPerPatch(spec)).fill(SENTINEL);
    const written = writePatches(kernels, resident, centres, spec, batch, firstSlot);
    return { batch, written };
  } finally {
    kernels.memory.release(mark);
  }
}

/** Largest deviation from the reference: normalized units without stain, grey levels with it. */
function compareWithReference(frame: Frame, centres: PatchCentre[], spec: PatchSpec): number {
  const { batch, written } = runWasm(frame, centres, spec);
  const reference = referencePatches(frame, centres, spec);
  expect(written).toEqual(reference.written);
  const slotFloats = floatsPerPatch(spec);
  const planeFloats = slotFloats / 3;
  let worst = 0;
  for (let k = 0; k < centres.length; k++) {
    for (let v = k * slotFloats; v < (k + 1) * slotFloats; v++) {
      if (!written[k]) {
        expect(batch[v]).toBe(SENTINEL); // skipped slots are left as they were
        continue;
      }
      const difference = Math.abs(batch[v] - reference.patches[v]);
      const channel = Math.floor((v - k * slotFloats) / planeFloats);
      worst = Math.max(worst, spec.stain ? difference * spec.std[channel] * 255 : difference);
    }
  }
  return worst;
}

type FrameKind = 'noise' | 'white' | 'black' | 'single colour' | 'gradient';

function randomFrame(rng: () => number, width: number, height: number, kind: FrameKind): Frame {
  const channels = rng() < 0.5 ? 3 : 4;
  const pixels = new Uint8Array(width * height * channels);
  const colour = [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        const at = (y * width + x) * channels + c;
        if (c === 3)
          pixels[at] = randomInt(rng, 0, 255); // alpha is ignored
        else if (kind === 'noise') pixels[at] = randomInt(rng, 0, 255);
        else if (kind === 'white') pixels[at] = 255;
        else if (kind === 'black') pixels[at] = 0;
        else if (kind === 'single colour') pixels[at] = colour[c];
        else pixels[at] = Math.round((255 * (x + y * (c + 1))) / (width + height * 3));
      }
    }
  }
  return { width, height, channels, pixels };
}

function randomSpec(rng: () => number, frame: Frame, border: BorderPolicy, stain?: Float32Array): PatchSpec {
  const micronsPerPixel = 0.05 + rng();
  const sidePx = 0.3 + rng() * 2 * Math.max(frame.width, frame.height);
  return {
    patchMicrons: sidePx * micronsPerPixel,
    micronsPerPixel,
    inputWidth: randomInt(rng, 1, 37),
    inputHeight: randomInt(rng, 1, 37),
    mean: [rng(), rng(), rng()],
    std: [0.05 + rng(), 0.05 + rng(), 0.05 + rng()],
    border,
    constantRgb: [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)],
    stain,
    backgroundIntensity: rng() < 0.5 ? undefined : 200 + rng() * 55,
  };
}

/** Centres inside, near the edges of, and well outside the frame. */
function randomCentres(rng: () => number, frame: Frame, count: number): PatchCentre[] {
  return Array.from({ length: count }, () => ({
    x: (rng() * 2 - 0.5) * frame.width,
    y: (rng() * 2 - 0.5) * frame.height,
  }));
}

// Realistic fits: Ruifrok-style hematoxylin/eosin-like vectors and a shifted "scanner" variant.
const REFERENCE_STAIN: StainReference = {
  stainMatrix: [
    [0.65, 0.7, 0.29],
    [0.07, 0.99, 0.11],
  ],
  maxC: [1.9, 1.0],
};
const SOURCE_STAIN: StainReference = {
  stainMatrix: [
    [0.55, 0.75, 0.37],
    [0.15, 0.95, 0.27],
  ],
  maxC: [1.4, 1.3],
};

describe('writePatches vs the float64 reference', () => {
  it('matches on random frames, sizes, centres and specs, every border policy', () => {
    const rng = mulberry32(20240301);
    const kinds: FrameKind[] = ['noise', 'white', 'black', 'single colour', 'gradient'];
    let worstPlain = 0;
    let worstStain = 0;
    for (let trial = 0; trial < 240; trial++) {
      const tiny = trial % 8 === 0;
      const frame = randomFrame(rng, tiny ? 1 : randomInt(rng, 1, 45), tiny ? 1 : randomInt(rng, 1, 45), kinds[trial % kinds.length]);
      const border = (['reflect', 'constant', 'skip'] as const)[trial % 3];
      const stain =
        trial % 2 === 0
          ? undefined
          : rng() < 0.5
            ? stainTransform(SOURCE_STAIN, REFERENCE_STAIN)
            : new Float32Array(9).map(() => rng() * 3 - 1.5);
      const spec = randomSpec(rng, frame, border, stain);
      const worst = compareWithReference(frame, randomCentres(rng, frame, randomInt(rng, 1, 5)), spec);
      if (stain) worstStain = Math.max(worstStain, worst);
      else worstPlain = Math.max(worstPlain, worst);
    }
    expect(worstPlain).toBeLessThanOrEqual(PLAIN_TOLERANCE);
    expect(worstStain).toBeLessThanOrEqual(STAIN_TOLERANCE_GREY);
  });

  it('matches on real bone-marrow crops and a BCCD frame', async () => {
    const files = [
      `${DATA}/bm-matek-7/BLA/BLA_00001.jpg`,
      `${DATA}/bm-matek-7/EOS/${await firstFile(`${DATA}/bm-matek-7/EOS`)}`,
      `${DATA}/bm-matek-7/NGS/${await firstFile(`${DATA}/bm-matek-7/NGS`)}`,
      `${DATA}/bccd/JPEGImages/BloodImage_00000.jpg`,
    ];
    const rng = mulberry32(7);
    const transform = stainTransform(SOURCE_STAIN, REFERENCE_STAIN);
    for (const file of files) {
      const frame = await decodeImage(await readFile(file), file);
      // Centred, off-centre, and across each border.
      const centres: PatchCentre[] = [
        { x: (frame.width - 1) / 2, y: (frame.height - 1) / 2 },
        { x: rng() * frame.width, y: rng() * frame.height },
        { x: 3, y: frame.height - 10 },
        { x: frame.width + 20, y: 40 },
      ];
      for (const [border, stain] of [
        ['reflect', undefined],
        ['constant', transform],
        ['skip', transform],
      ] as const) {
        const spec: PatchSpec = {
          patchMicrons: 25,
          micronsPerPixel: 0.1,
          inputWidth: 96,
          inputHeight: 96,
          mean: [0.8, 0.7, 0.75],
          std: [0.15, 0.2, 0.12],
          border,
          constantRgb: [240, 230, 235],
          stain,
        };
        const worst = compareWithReference(frame, centres, spec);
        expect(worst).toBeLessThanOrEqual(stain ? STAIN_TOLERANCE_GREY : PLAIN_TOLERANCE);
      }
    }
  });
});

describe('patch geometry', () => {
  const identity = (side: number, border: BorderPolicy): PatchSpec => ({
    patchMicrons: side,
    micronsPerPixel: 1,
    inputWidth: side,
    inputHeight: side,
    mean: [0, 0, 0],
    std: [1 / 255, 1 / 255, 1 / 255],
    border,
    constantRgb: [1, 2, 3],
  });

  it('copies pixels exactly when the crop side equals the input size', () => {
    const rng = mulberry32(3);
    const frame = randomFrame(rng, 31, 17, 'noise');
    // Side 8: the crop's centre is 3.5 px from its first pixel, so centre (10.5, 6.5) starts at (7, 3).
    const { batch, written } = runWasm(frame, [{ x: 10.5, y: 6.5 }], identity(8, 'skip'));
    expect(written).toEqual([true]);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 8; j++) {
          const expected = frame.pixels[((3 + i) * frame.width + 7 + j) * frame.channels + c];
          expect(batch[c * 64 + i * 8 + j]).toBeCloseTo(expected, 3);
        }
      }
    }
  });

  it('mirrors about the frame edge (pixel -1 = pixel 0) under reflect', () => {
    const frame: Frame = { width: 4, height: 1, channels: 3, pixels: new Uint8Array([10, 0, 0, 20, 0, 0, 30, 0, 0, 40, 0, 0]) };
    // An 8 px identity crop starting at x = -2.
    const { batch } = runWasm(frame, [{ x: 1.5, y: 3.5 }], identity(8, 'reflect'));
    expect(Array.from(batch.subarray(0, 8)).map(Math.round)).toEqual([20, 10, 10, 20, 30, 40, 40, 30]);
  });

  it('fills outside pixels with the constant colour, and skip reports crops that leave the frame', () => {
    const frame = randomFrame(mulberry32(5), 12, 12, 'noise');
    const centres = [
      { x: 100, y: 100 },
      { x: 5.5, y: 5.5 },
      { x: 0, y: 5.5 },
    ];
    const constant = runWasm(frame, centres, identity(4, 'constant'));
    expect(Array.from(constant.batch.subarray(0, 16)).every((v) => Math.abs(v - 1) < 1e-3)).toBe(true);
    expect(Array.from(constant.batch.subarray(32, 48)).every((v) => Math.abs(v - 3) < 1e-3)).toBe(true);
    const skip = runWasm(frame, centres, identity(4, 'skip'));
    expect(skip.written).toEqual([false, true, false]);
  });

  it('samples a whole 250 px crop inside the crop, as training did (models/train/resample.py)', () => {
    const frame = randomFrame(mulberry32(9), 250, 250, 'gradient');
    const spec: PatchSpec = { ...identity(250, 'skip'), inputWidth: 96, inputHeight: 96, patchMicrons: 25, micronsPerPixel: 0.1 };
    // 'skip' writes only when no sample needs a pixel outside the frame, so border policy (and the
    // training script's clamp) cannot matter here.
    expect(runWasm(frame, [{ x: 124.5, y: 124.5 }], spec).written).toEqual([true]);
  });

  it('writes slot firstSlot + i and leaves the other slots untouched', () => {
    const frame = randomFrame(mulberry32(11), 20, 20, 'noise');
    const spec = identity(4, 'reflect');
    const centres = [
      { x: 5, y: 5 },
      { x: 12, y: 9 },
    ];
    const alone = runWasm(frame, centres, spec);
    const offset = runWasm(frame, centres, spec, 5, 2);
    const slotFloats = floatsPerPatch(spec);
    expect(offset.batch.subarray(2 * slotFloats, 4 * slotFloats)).toEqual(alone.batch);
    expect(offset.batch.subarray(0, 2 * slotFloats).every((v) => v === SENTINEL)).toBe(true);
    expect(offset.batch.subarray(4 * slotFloats).every((v) => v === SENTINEL)).toBe(true);
  });
});

async function firstFile(folder: string): Promise<string> {
  return (await readdir(folder)).filter((name) => name.endsWith('.jpg')).sort()[0];
}
