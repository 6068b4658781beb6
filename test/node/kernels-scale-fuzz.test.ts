// Fuzzing estimateScale: 10,000 random calls on small random frames and fits with canaries around
// every kernel buffer: no trap, no stray write, and every call either gives a finite positive
// estimate from at least 3 erythrocytes or refuses with INVALID_FRAME, never a NaN; invalid fits
// are rejected with INVALID_ARGUMENT.
import { describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';
import type { StainReference } from '../../src/stain/reference.js';
import { instantiateKernels } from '../../src/kernels/load.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { estimateScale } from '../../src/scale/estimate.js';
import { noiseFrame, randomStainVector, solidFrame, stainedFrame } from '../reference/stain-synthetic.js';
import { mulberry32, randomInt } from '../support/random.js';
import { scatterCentres, SMEAR_STAIN, syntheticSmear } from '../support/synthetic-smear.js';

const CALLS = 10_000;

function randomFrame(rng: () => number): Frame {
  const width = randomInt(rng, 1, 48);
  const height = randomInt(rng, 1, 48);
  const channels = rng() < 0.5 ? 3 : 4;
  const kind = rng();
  if (kind < 0.4) {
    // Erythrocytes 6 to 16 px across, from sparse to overlapping.
    const micronsPerPixel = 7.5 / (6 + 10 * rng());
    const diameterPx = 7.5 / micronsPerPixel;
    const erythrocytes = scatterCentres(rng, width, height, randomInt(rng, 0, 30), (0.8 + rng()) * diameterPx);
    return syntheticSmear(rng, { width, height, channels, micronsPerPixel, erythrocytes });
  }
  if (kind < 0.6) return stainedFrame(rng, width, height, channels);
  if (kind < 0.8) return noiseFrame(rng, width, height, channels);
  return solidFrame(width, height, channels, [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)]);
}

function randomFit(rng: () => number): StainReference {
  if (rng() < 0.4) return SMEAR_STAIN;
  return { stainMatrix: [randomStainVector(rng), randomStainVector(rng)], maxC: [10 ** (rng() * 3 - 2), 10 ** (rng() * 3 - 2)] };
}

describe('estimateScale fuzz', () => {
  it(`survives ${CALLS} random calls: no stray write, an estimate or INVALID_FRAME, never NaN`, async () => {
    const kernels = await instantiateKernels({ canaryBytes: 64 });
    const rng = mulberry32(4242);
    let resident = placeFrame(kernels, randomFrame(rng));
    let estimates = 0;
    for (let call = 0; call < CALLS; call++) {
      if (call % 10 === 0) {
        kernels.memory.release(0);
        resident = placeFrame(kernels, randomFrame(rng));
      }
      const fit = randomFit(rng);
      try {
        const estimate = estimateScale(kernels, resident, fit);
        const ok =
          Number.isFinite(estimate.micronsPerPixel) &&
          estimate.micronsPerPixel > 0 &&
          estimate.erythrocytes >= 3 &&
          estimate.erythrocyteDiameterPx > 0;
        if (!ok) throw new Error(`call ${call}: bad estimate ${JSON.stringify(estimate)}`);
        estimates++;
      } catch (error) {
        if (!(error instanceof SmearscopeError && error.code === 'INVALID_FRAME')) throw error;
      }
      kernels.memory.checkCanaries(); // the frame's canaries too
    }
    // The random inputs reach both outcomes.
    expect(estimates).toBeGreaterThan(CALLS / 20);
    expect(estimates).toBeLessThan(CALLS);
  });

  it.each<[string, StainReference]>([
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
      'a NaN in the stain matrix',
      {
        stainMatrix: [
          [0.6, NaN, 0.3],
          [0.1, 0.9, 0.1],
        ],
        maxC: [1, 1],
      },
    ],
    ['maxC 0', { stainMatrix: SMEAR_STAIN.stainMatrix, maxC: [0, 1] }],
    ['maxC missing', { stainMatrix: SMEAR_STAIN.stainMatrix } as StainReference],
  ])('rejects a fit with %s (INVALID_ARGUMENT)', async (_name, fit) => {
    const kernels = await instantiateKernels();
    const resident = placeFrame(kernels, stainedFrame(mulberry32(2), 30, 20, 4));
    expect(() => estimateScale(kernels, resident, fit)).toThrow(
      expect.objectContaining({ name: 'SmearscopeError', code: 'INVALID_ARGUMENT' }),
    );
  });
});
