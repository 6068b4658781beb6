import { beforeAll, describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import { instantiateReinhardKernels, type ReinhardKernels } from '../../src/kernels/load-reinhard.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import {
  drawStainJitter,
  fitMacenko,
  fitReinhard,
  jitterStain,
  normalizeReinhard,
  normalizeStain,
  stainConcentrations,
  type MacenkoOptions,
  type StainReference,
} from '../../src/stain/index.js';
import { referencePercentile } from '../reference/stain-macenko.js';
import { noiseFrame, randomStainVector, solidFrame, stainedFrame } from '../reference/stain-synthetic.js';
import { mulberry32, randomInt } from '../support/random.js';

// Issue 3 fuzzing: >= 10,000 random calls per kernel, canaries after every call, no trap, no
// silent NaN, invalid parameters rejected with a typed error.
const CALLS = 10_000;

let kernels: KernelInstance;
let reinhard: ReinhardKernels;
beforeAll(async () => {
  kernels = await instantiateKernels({ canaryBytes: 64 });
  reinhard = await instantiateReinhardKernels({ canaryBytes: 64 });
});

function randomFrame(random: () => number, maxSide: number): Frame {
  const width = randomInt(random, 1, maxSide);
  const height = randomInt(random, 1, maxSide);
  const channels = random() < 0.5 ? 3 : 4;
  const kind = random();
  if (kind < 0.7) return stainedFrame(random, width, height, channels, undefined, random() * 0.6);
  if (kind < 0.9) return noiseFrame(random, width, height, channels);
  return solidFrame(width, height, channels, [randomInt(random, 0, 255), randomInt(random, 0, 255), randomInt(random, 0, 255)]);
}

function randomReference(random: () => number): StainReference {
  return { stainMatrix: [randomStainVector(random), randomStainVector(random)], maxC: [0.2 + 3 * random(), 0.2 + 3 * random()] };
}

/** Runs `call` with the frame resident, then checks canaries and frees everything. */
function withFrame<T>(
  frame: Frame,
  call: (resident: ReturnType<typeof placeFrame>) => T,
  instance: { memory: KernelInstance['memory'] } = kernels,
): T {
  const mark = instance.memory.mark();
  try {
    return call(placeFrame(instance, frame));
  } finally {
    instance.memory.checkCanaries();
    instance.memory.release(mark);
  }
}

function expectTyped(error: unknown, codes: string[]): void {
  expect(error).toBeInstanceOf(SmearscopeError);
  expect(codes).toContain((error as SmearscopeError).code);
}

describe('stain kernels under fuzzing (canaries on)', () => {
  it(`Macenko fit: ${CALLS} successful fits (every fit kernel runs each time), finite results, typed failures`, () => {
    const random = mulberry32(101);
    let fits = 0;
    let failures = 0;
    while (fits < CALLS) {
      const frame = randomFrame(random, 40);
      const options: MacenkoOptions = {
        backgroundIntensity: randomInt(random, 200, 256),
        minOpticalDensity: 0.3 * random(),
        anglePercentile: 10 * random(),
        pixelStride: randomInt(random, 1, 2),
      };
      try {
        const fit = withFrame(frame, (resident) => fitMacenko(kernels, resident, options));
        expect([...fit.stainMatrix.flat(), ...fit.maxC].every(Number.isFinite)).toBe(true);
        expect(fit.maxC.every((c) => c > 0)).toBe(true);
        fits++;
      } catch (error) {
        expectTyped(error, ['INVALID_FRAME']);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(100); // blank and one-colour frames were among them
  });

  it(`selectQuantile: ${CALLS} calls equal numpy's linear percentile`, () => {
    const random = mulberry32(102);
    const stain = kernels.exports;
    for (let call = 0; call < CALLS; call++) {
      const count = randomInt(random, 1, 60);
      const values = Float64Array.from({ length: count }, () => (random() < 0.3 ? randomInt(random, -3, 3) : random() * 10 - 5));
      const percent = random() < 0.1 ? [0, 100][randomInt(random, 0, 1)] : 100 * random();
      const mark = kernels.memory.mark();
      const ptr = kernels.memory.allocCopy(values);
      const actual = stain.selectQuantile(ptr, count, ((count - 1) * percent) / 100);
      kernels.memory.checkCanaries();
      kernels.memory.release(mark);
      expect(actual).toBe(referencePercentile(values, percent));
    }
  });

  it(`binIndices: ${CALLS} calls find exactly the bins in range, never past the capacity`, () => {
    const random = mulberry32(103);
    const stain = kernels.exports;
    for (let call = 0; call < CALLS; call++) {
      const count = randomInt(random, 0, 70);
      const bins = Uint16Array.from({ length: count }, () => randomInt(random, 0, random() < 0.5 ? 20 : 65535));
      const lo = randomInt(random, 0, 20);
      const hi = randomInt(random, lo, lo + 10);
      const expected = [...bins.keys()].filter((i) => bins[i] >= lo && bins[i] <= hi);
      const capacity = random() < 0.1 ? Math.max(0, expected.length - 1) : expected.length;
      const mark = kernels.memory.mark();
      const binsPtr = kernels.memory.allocCopy(bins);
      const outPtr = kernels.memory.alloc(capacity * 4);
      const written = stain.binIndices(binsPtr, count, lo, hi, outPtr, capacity);
      kernels.memory.checkCanaries();
      expect(written).toBe(Math.min(capacity, expected.length));
      expect([...kernels.memory.u32(outPtr, written)]).toEqual(expected.slice(0, written));
      kernels.memory.release(mark);
    }
  });

  it(`normalize, jitter and concentration maps: ${CALLS} calls each, in range and finite`, () => {
    const random = mulberry32(104);
    for (let call = 0; call < CALLS; call++) {
      const frame = randomFrame(random, 24);
      const source = randomReference(random);
      const reference = randomReference(random);
      const backgroundIntensity = randomInt(random, 1, 256);
      const output = new Uint8Array(frame.pixels.length);
      const concentrations = new Float32Array(2 * frame.width * frame.height);
      try {
        withFrame(frame, (resident) => {
          normalizeStain(kernels, resident, source, reference, output, { backgroundIntensity });
          jitterStain(kernels, resident, source, drawStainJitter(random), output, { reference, backgroundIntensity });
          stainConcentrations(kernels, resident, source, concentrations, { backgroundIntensity });
        });
      } catch (error) {
        // Nearly parallel random stain vectors are refused; nothing else may fail.
        expectTyped(error, ['INVALID_ARGUMENT']);
        continue;
      }
      expect(concentrations.every(Number.isFinite)).toBe(true);
      if (frame.channels === 4 && !output.every((value, i) => i % 4 !== 3 || value === frame.pixels[i])) {
        expect.fail('alpha was not copied');
      }
    }
  });

  it(`Reinhard fit and transfer: ${CALLS} calls each, finite statistics`, () => {
    const random = mulberry32(105);
    for (let call = 0; call < CALLS; call++) {
      const frame = randomFrame(random, 24);
      const target = {
        labMean: [100 * random(), 40 * random() - 20, 40 * random() - 20],
        labStd: [20 * random(), 10 * random(), 10 * random()],
      } as const;
      const output = new Uint8Array(frame.pixels.length);
      withFrame(
        frame,
        (resident) => {
          const fit = fitReinhard(reinhard, resident, { pixelStride: randomInt(random, 1, 3) });
          expect([...fit.labMean, ...fit.labStd].every(Number.isFinite)).toBe(true);
          try {
            normalizeReinhard(reinhard, resident, fit, { labMean: [...target.labMean], labStd: [...target.labStd] }, output);
          } catch (error) {
            expectTyped(error, ['INVALID_FRAME']); // a one-colour frame has no Lab spread
          }
        },
        reinhard,
      );
    }
  });

  it('random invalid parameters are rejected with INVALID_ARGUMENT, never a trap', () => {
    const random = mulberry32(106);
    const frame = stainedFrame(random, 16, 16, 4);
    const pick = (values: number[]) => values[randomInt(random, 0, values.length - 1)];
    for (let call = 0; call < 1000; call++) {
      const options: MacenkoOptions = [
        () => ({ backgroundIntensity: pick([Number.NaN, -1, 0, 0.5, 257, 1e9, Number.POSITIVE_INFINITY]) }),
        () => ({ minOpticalDensity: pick([Number.NaN, -0.5, 11, Number.NEGATIVE_INFINITY]) }),
        () => ({ anglePercentile: pick([Number.NaN, -1, 50 + 50 * random()]) }),
        () => ({ pixelStride: pick([0, -2, 1.5, 5000, Number.NaN]) }),
        () => ({ region: { x: randomInt(random, 0, 20), y: 0, width: randomInt(random, 17, 30), height: 4 } }),
        () => ({ region: { x: 0, y: pick([-1, 0.5, 13]), width: 4, height: pick([0, 4]) } }),
      ][randomInt(random, 0, 5)]();
      withFrame(frame, (resident) => {
        expect(() => fitMacenko(kernels, resident, options), JSON.stringify(options)).toThrow(
          expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
      });
    }
  });
});
