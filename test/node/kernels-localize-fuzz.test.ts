// Fuzzing localizeCells: 10,000 random calls on small random frames, fits and options with
// canaries around every kernel buffer (the wrapper checks them after its kernels; we check the
// frame's too): no trap, no stray write, no NaN, cells consistent with the options; and invalid
// options and fits rejected with a typed INVALID_ARGUMENT error.
import { describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';
import type { StainReference } from '../../src/stain/reference.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import { binStainChannels, localizationChannels } from '../../src/localize/channels.js';
import { LOCALIZE_DEFAULTS, type LocalizeOptions } from '../../src/localize/geometry.js';
import { localizeCells } from '../../src/localize/localize-cells.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { noiseFrame, randomStainVector, solidFrame, stainedFrame } from '../reference/stain-synthetic.js';
import { mulberry32, randomInt } from '../support/random.js';
import { SMEAR_STAIN } from '../support/synthetic-smear.js';

const CALLS = 10_000;

function randomFrame(rng: () => number): Frame {
  const width = randomInt(rng, 1, 40);
  const height = randomInt(rng, 1, 40);
  const channels = rng() < 0.5 ? 3 : 4;
  const kind = rng();
  if (kind < 0.4) return stainedFrame(rng, width, height, channels);
  if (kind < 0.8) return noiseFrame(rng, width, height, channels);
  return solidFrame(width, height, channels, [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)]);
}

/** Any valid fit: random (possibly red-OD) stain vectors of any length, maxC from tiny to large. */
function randomFit(rng: () => number): StainReference {
  if (rng() < 0.2) return SMEAR_STAIN;
  const scale = () => 10 ** (rng() * 2 - 1);
  const [h, e] = [randomStainVector(rng).map((v) => v * scale()), randomStainVector(rng).map((v) => v * scale())];
  return {
    stainMatrix: [h as [number, number, number], e as [number, number, number]],
    maxC: [10 ** (rng() * 5 - 3), 10 ** (rng() * 5 - 3)],
  };
}

/** Any valid options: the cell from 3 px to far larger than the frame, optional sizes anywhere. */
function randomOptions(rng: () => number): LocalizeOptions {
  const micronsPerPixel = 10 ** (rng() * 4 - 3);
  const cellMicrons = micronsPerPixel * (3 + 10 ** (rng() * 2.5));
  const options: LocalizeOptions = { micronsPerPixel, patchMicrons: cellMicrons * 10 ** (rng() * 2 - 1), cellMicrons };
  if (rng() < 0.5) options.minRatio = rng() < 0.1 ? 1 : 1e-3 + 0.999 * rng();
  if (rng() < 0.5) options.binMicrons = micronsPerPixel * 10 ** (rng() * 2 - 1);
  if (rng() < 0.5) options.strideMicrons = micronsPerPixel * 10 ** (rng() * 2.5 - 1);
  if (rng() < 0.5) options.minDistanceMicrons = cellMicrons * 10 ** (rng() * 2 - 1.5);
  return options;
}

describe('localizeCells fuzz', () => {
  it(`survives ${CALLS} random calls: no stray write, no NaN, cells consistent`, async () => {
    const kernels = await instantiateKernels({ canaryBytes: 64 });
    const rng = mulberry32(8675309);
    let frame = randomFrame(rng);
    let resident = placeFrame(kernels, frame);
    let cells = 0;
    let framesWithCells = 0;
    for (let call = 0; call < CALLS; call++) {
      if (call % 20 === 0) {
        kernels.memory.release(0);
        frame = randomFrame(rng);
        resident = placeFrame(kernels, frame);
      }
      const fit = randomFit(rng);
      const options = randomOptions(rng);
      const localization = localizeCells(kernels, resident, fit, options);
      kernels.memory.checkCanaries(); // the frame's canaries too
      const problem = checkLocalization(localization, frame, options);
      if (problem)
        throw new Error(`call ${call}: ${problem} ${JSON.stringify({ fit, options, frame: [frame.width, frame.height, frame.channels] })}`);
      cells += localization.cells.length;
      if (localization.cells.length > 0) framesWithCells++;
    }
    // The random inputs exercise frames with and without cells.
    expect(framesWithCells).toBeGreaterThan(CALLS / 10);
    expect(framesWithCells).toBeLessThan(CALLS);
    expect(cells).toBeGreaterThan(CALLS / 5);
  });
});

/** What is wrong with a localization, or undefined. */
function checkLocalization(localization: ReturnType<typeof localizeCells>, frame: Frame, options: LocalizeOptions): string | undefined {
  if (!Number.isFinite(localization.threshold)) return `threshold ${localization.threshold}`;
  const { binPx, gridW, gridH, minDistancePx, patchPx } = localization.geometry;
  for (const [i, cell] of localization.cells.entries()) {
    const numbers = [cell.x, cell.y, cell.ratio, ...cell.box];
    if (!numbers.every(Number.isFinite)) return `cell ${i} not finite: ${JSON.stringify(cell)}`;
    // A centre is a mean of bin centres, so it lies within the binned grid.
    if (cell.x < (binPx - 1) / 2 || cell.x > gridW * binPx || cell.y < (binPx - 1) / 2 || cell.y > gridH * binPx)
      return `cell ${i} outside the grid`;
    if (!(cell.ratio > 0 && cell.ratio <= 1 && cell.ratio >= (options.minRatio ?? LOCALIZE_DEFAULTS.minRatio) * (1 - 1e-12)))
      return `cell ${i} ratio ${cell.ratio}`;
    if (Math.abs(cell.box[2] - cell.box[0] - patchPx) > 1e-6 * patchPx || Math.abs(cell.box[3] - cell.box[1] - patchPx) > 1e-6 * patchPx)
      return `cell ${i} box`;
    const leaves = cell.box[0] < -0.5 || cell.box[1] < -0.5 || cell.box[2] > frame.width - 0.5 || cell.box[3] > frame.height - 0.5;
    if (leaves !== cell.crossesBorder) return `cell ${i} crossesBorder ${cell.crossesBorder}`;
    for (const other of localization.cells.slice(0, i)) {
      if (Math.hypot(other.x - cell.x, other.y - cell.y) < minDistancePx * (1 - 1e-12)) return `cells closer than minDistance`;
    }
  }
  return undefined;
}

describe('localizeCells rejects invalid options and fits with INVALID_ARGUMENT', () => {
  const base: LocalizeOptions = { micronsPerPixel: 0.25, patchMicrons: 25 };
  const invalidOptions: Array<[string, Partial<LocalizeOptions>]> = [
    ['micronsPerPixel 0', { micronsPerPixel: 0 }],
    ['micronsPerPixel negative', { micronsPerPixel: -0.1 }],
    ['micronsPerPixel NaN', { micronsPerPixel: NaN }],
    ['micronsPerPixel Infinity', { micronsPerPixel: Infinity }],
    ['micronsPerPixel a string', { micronsPerPixel: '0.25' as unknown as number }],
    ['a cell smaller than 3 px', { micronsPerPixel: 5 }],
    ['patchMicrons 0', { patchMicrons: 0 }],
    ['patchMicrons NaN', { patchMicrons: NaN }],
    ['cellMicrons negative', { cellMicrons: -12 }],
    ['minRatio 0', { minRatio: 0 }],
    ['minRatio above 1', { minRatio: 1.01 }],
    ['minRatio negative', { minRatio: -0.2 }],
    ['minRatio NaN', { minRatio: NaN }],
    ['binMicrons 0', { binMicrons: 0 }],
    ['strideMicrons NaN', { strideMicrons: NaN }],
    ['minDistanceMicrons negative', { minDistanceMicrons: -1 }],
  ];
  const invalidFits: Array<[string, StainReference]> = [
    [
      'parallel stain vectors',
      {
        stainMatrix: [
          [0.6, 0.7, 0.3],
          [0.6, 0.7, 0.3],
        ],
        maxC: [1, 1],
      },
    ],
    [
      'stain vectors of length 1e-6 (unmixing tables beyond i32)',
      {
        stainMatrix: [
          [6e-7, 7e-7, 3e-7],
          [1e-7, 9e-7, 1e-7],
        ],
        maxC: [1, 1],
      },
    ],
    [
      'a NaN in the stain matrix',
      {
        stainMatrix: [
          [0.6, NaN, 0.3],
          [0.1, 0.9, 0.1],
        ],
        maxC: [1, 1],
      },
    ],
    [
      'an all-zero stain',
      {
        stainMatrix: [
          [0, 0, 0],
          [0.1, 0.9, 0.1],
        ],
        maxC: [1, 1],
      },
    ],
    ['maxC NaN', { stainMatrix: SMEAR_STAIN.stainMatrix, maxC: [NaN, 1] }],
    ['maxC 0', { stainMatrix: SMEAR_STAIN.stainMatrix, maxC: [0, 1] }],
    ['maxC negative', { stainMatrix: SMEAR_STAIN.stainMatrix, maxC: [1, -1] }],
    ['maxC missing', { stainMatrix: SMEAR_STAIN.stainMatrix } as StainReference],
  ];

  let kernels: KernelInstance;
  const frame = stainedFrame(mulberry32(1), 30, 20, 4);
  const expectInvalid = (call: () => unknown) => {
    let error: unknown;
    try {
      call();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SmearscopeError);
    expect((error as SmearscopeError).code).toBe('INVALID_ARGUMENT');
  };

  it.each(invalidOptions)('option: %s', async (_name, change) => {
    kernels ??= await instantiateKernels({ canaryBytes: 64 });
    expectInvalid(() => localizeCells(kernels, placeFrame(kernels, frame), SMEAR_STAIN, { ...base, ...change }));
  });

  it.each(invalidFits)('fit: %s', async (_name, fit) => {
    kernels ??= await instantiateKernels({ canaryBytes: 64 });
    expectInvalid(() => localizeCells(kernels, placeFrame(kernels, frame), fit, base));
  });

  it.each([
    [0, 1],
    [1.5, 1],
    [-2, 1],
    [2, 0],
    [2, NaN],
  ])('binStainChannels binPx %s, sampleStep %s', async (binPx, sampleStep) => {
    kernels ??= await instantiateKernels({ canaryBytes: 64 });
    expectInvalid(() => binStainChannels(kernels, placeFrame(kernels, frame), localizationChannels(SMEAR_STAIN), binPx, sampleStep));
  });

  it('quotes a scale given as a string, so "0.25" does not read as a valid number', async () => {
    kernels ??= await instantiateKernels({ canaryBytes: 64 });
    expect(() =>
      localizeCells(kernels, placeFrame(kernels, frame), SMEAR_STAIN, { ...base, micronsPerPixel: '0.25' as unknown as number }),
    ).toThrow('localize: micronsPerPixel must be a positive number of microns per pixel, got "0.25"');
  });

  it('accepts the base options and fit (so the cases above fail for their own reason)', async () => {
    kernels ??= await instantiateKernels({ canaryBytes: 64 });
    const localization = localizeCells(kernels, placeFrame(kernels, frame), SMEAR_STAIN, base);
    expect(localization.geometry.binPx).toBe(3);
    expect(binStainChannels(kernels, placeFrame(kernels, frame), localizationChannels(SMEAR_STAIN), 3, 2).gridW).toBe(10);
    kernels.memory.checkCanaries();
  });
});
