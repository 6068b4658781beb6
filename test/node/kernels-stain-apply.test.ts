import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import {
  drawStainJitter,
  fitMacenko,
  jitterStain,
  normalizeStain,
  stainConcentrations,
  stainTransform,
  type StainReference,
} from '../../src/stain/index.js';
import { referenceConcentrationMaps, referenceNormalize } from '../reference/stain-apply.js';
import { noiseFrame, randomStainVector, solidFrame, stainedFrame } from '../reference/stain-synthetic.js';
import { bccdFrames } from '../support/frames.js';
import { mulberry32, randomInt } from '../support/random.js';

let kernels: KernelInstance;
beforeAll(async () => {
  kernels = await instantiateKernels({ canaryBytes: 64 });
});

function randomReference(random: () => number): StainReference {
  let h = randomStainVector(random);
  let e = randomStainVector(random);
  if (h[0] < e[0]) [h, e] = [e, h];
  return { stainMatrix: [h, e], maxC: [0.5 + 2 * random(), 0.5 + 2 * random()] };
}

/** Largest per-byte difference and the share of bytes that differ at all. */
function compareBytes(actual: Uint8Array, expected: Uint8Array): { maxDifference: number; differingShare: number } {
  expect(actual.length).toBe(expected.length);
  let maxDifference = 0;
  let differing = 0;
  for (let i = 0; i < actual.length; i++) {
    const difference = Math.abs(actual[i] - expected[i]);
    maxDifference = Math.max(maxDifference, difference);
    if (difference) differing++;
  }
  return { maxDifference, differingShare: differing / actual.length };
}

function alphas(pixels: ArrayLike<number>): number[] {
  return Array.from({ length: pixels.length / 4 }, (_, i) => pixels[4 * i + 3]);
}

function normalized(frame: Frame, source: StainReference, reference: StainReference, backgroundIntensity?: number): Uint8Array {
  const mark = kernels.memory.mark();
  const output = new Uint8Array(frame.pixels.length);
  normalizeStain(kernels, placeFrame(kernels, frame), source, reference, output, { backgroundIntensity });
  kernels.memory.checkCanaries();
  kernels.memory.release(mark);
  return output;
}

describe('Macenko normalize: WASM vs float64 reference', () => {
  it('is within 1 grey level on frames of random sizes and contents (1 x 1, odd, white, black, one colour, noise)', () => {
    const random = mulberry32(11);
    const frames: Frame[] = [
      solidFrame(1, 1, 4, [200, 100, 150]),
      solidFrame(5, 3, 3, [255, 255, 255]),
      solidFrame(7, 9, 4, [0, 0, 0]),
      solidFrame(13, 1, 3, [130, 70, 160]),
      noiseFrame(random, 31, 17, 4),
      noiseFrame(random, 2, 45, 3),
    ];
    for (let trial = 0; trial < 20; trial++) {
      frames.push(stainedFrame(random, randomInt(random, 1, 70), randomInt(random, 1, 70), random() < 0.5 ? 3 : 4));
    }
    let bytes = 0;
    let differing = 0;
    for (const frame of frames) {
      const source = randomReference(random);
      const reference = randomReference(random);
      const backgroundIntensity = randomInt(random, 220, 256);
      const wasm = normalized(frame, source, reference, backgroundIntensity);
      const expected = referenceNormalize(frame, source, reference, backgroundIntensity);
      const { maxDifference, differingShare } = compareBytes(wasm, expected);
      expect(maxDifference).toBeLessThanOrEqual(1);
      if (frame.channels === 4) expect(alphas(wasm)).toEqual(alphas(frame.pixels));
      bytes += wasm.length;
      differing += differingShare * wasm.length;
    }
    expect(differing / bytes).toBeLessThan(0.01); // off-by-one only at rounding boundaries
  });

  it("is within 1 grey level on real BCCD frames normalized to another frame's fit", async () => {
    const [first, second] = await bccdFrames(2);
    const mark = kernels.memory.mark();
    const sourceFit = fitMacenko(kernels, placeFrame(kernels, first), { pixelStride: 2 });
    const referenceFit = fitMacenko(kernels, placeFrame(kernels, second), { pixelStride: 2 });
    kernels.memory.release(mark);
    const { maxDifference, differingShare } = compareBytes(
      normalized(first, sourceFit, referenceFit),
      referenceNormalize(first, sourceFit, referenceFit),
    );
    expect(maxDifference).toBeLessThanOrEqual(1);
    expect(differingShare).toBeLessThan(0.01);
  });

  it('maps a frame to its own fit by projecting OD onto the stain plane', () => {
    const reference = randomReference(mulberry32(12));
    const m = stainTransform(reference, reference);
    const [h, e] = reference.stainMatrix;
    for (const vector of [h, e]) {
      for (let row = 0; row < 3; row++) {
        const mapped = m[row * 3] * vector[0] + m[row * 3 + 1] * vector[1] + m[row * 3 + 2] * vector[2];
        expect(mapped).toBeCloseTo(vector[row], 5);
      }
    }
  });

  it('rejects bad outputs and bad stain references with INVALID_ARGUMENT (a source must have two distinct stains)', () => {
    const random = mulberry32(13);
    const frame = stainedFrame(random, 8, 8, 4);
    const resident = placeFrame(kernels, frame);
    const good = randomReference(random);
    const parallel: StainReference = { stainMatrix: [good.stainMatrix[0], good.stainMatrix[0]], maxC: [1, 1] };
    const cases: Array<() => void> = [
      () => normalizeStain(kernels, resident, good, good, new Uint8Array(frame.pixels.length - 1)),
      () => normalizeStain(kernels, resident, parallel, good, new Uint8Array(frame.pixels.length)),
      () => normalizeStain(kernels, resident, { ...good, maxC: [Number.NaN, 1] }, good, new Uint8Array(frame.pixels.length)),
      () => normalizeStain(kernels, resident, { ...good, maxC: [0, 1] }, good, new Uint8Array(frame.pixels.length)),
      () => normalizeStain(kernels, resident, good, good, new Uint8Array(frame.pixels.length), { backgroundIntensity: 300 }),
      () => stainTransform({ ...good, maxC: [1e-30, 1] }, good),
    ];
    cases.forEach((run, i) => expect(run, `case ${i}`).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' })));
  });
});

describe('stain jitter', () => {
  it('matches the float64 reference (jittered concentrations) within 1 grey level', () => {
    const random = mulberry32(21);
    for (let trial = 0; trial < 10; trial++) {
      const frame = stainedFrame(random, randomInt(random, 1, 50), randomInt(random, 1, 50), random() < 0.5 ? 3 : 4);
      const source = randomReference(random);
      const reference = random() < 0.5 ? randomReference(random) : undefined;
      const jitter = drawStainJitter(random);
      const mark = kernels.memory.mark();
      const output = new Uint8Array(frame.pixels.length);
      jitterStain(kernels, placeFrame(kernels, frame), source, jitter, output, { reference });
      kernels.memory.checkCanaries();
      kernels.memory.release(mark);
      const expected = referenceNormalize(frame, source, reference ?? source, 240, jitter);
      expect(compareBytes(output, expected).maxDifference).toBeLessThanOrEqual(1);
    }
  });

  it('draws within U(1 - s1, 1 + s1) and U(-s2, s2), deterministically per seed', () => {
    const draws = Array.from({ length: 200 }, (_, seed) => drawStainJitter(mulberry32(seed), { scaleRange: 0.1, shiftRange: 0.3 }));
    for (const { scale, shift } of draws) {
      for (const s of scale) expect(Math.abs(s - 1)).toBeLessThanOrEqual(0.1);
      for (const s of shift) expect(Math.abs(s)).toBeLessThanOrEqual(0.3);
    }
    expect(Math.max(...draws.map((d) => d.shift[0]))).toBeGreaterThan(0.25); // the range is used
    expect(drawStainJitter(mulberry32(7))).toEqual(drawStainJitter(mulberry32(7)));
    expect(drawStainJitter(mulberry32(7))).not.toEqual(drawStainJitter(mulberry32(8)));
    const defaults = drawStainJitter(mulberry32(9));
    expect(Math.abs(defaults.scale[0] - 1)).toBeLessThanOrEqual(0.2);
  });

  it('rejects invalid ranges and jitters', () => {
    expect(() => drawStainJitter(mulberry32(1), { scaleRange: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => drawStainJitter(mulberry32(1), { shiftRange: -0.1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const frame = stainedFrame(mulberry32(2), 4, 4, 3);
    const source = randomReference(mulberry32(3));
    const resident = placeFrame(kernels, frame);
    const output = new Uint8Array(frame.pixels.length);
    expect(() => jitterStain(kernels, resident, source, { scale: [0, 1], shift: [0, 0] }, output)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => jitterStain(kernels, resident, source, { scale: [1, 1], shift: [Number.NaN, 0] }, output)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('concentration maps', () => {
  it('match the float64 reference within 1e-5 on random frames', () => {
    const random = mulberry32(31);
    for (let trial = 0; trial < 10; trial++) {
      const frame =
        trial === 0 ? solidFrame(1, 1, 3, [255, 0, 128]) : stainedFrame(random, randomInt(random, 1, 60), randomInt(random, 1, 60), 4);
      const fit = randomReference(random);
      const mark = kernels.memory.mark();
      const output = new Float32Array(2 * frame.width * frame.height);
      const returned = stainConcentrations(kernels, placeFrame(kernels, frame), fit, output);
      kernels.memory.checkCanaries();
      kernels.memory.release(mark);
      expect(returned).toBe(output);
      const expected = referenceConcentrationMaps(frame, fit);
      for (let i = 0; i < expected.length; i++) {
        expect(Math.abs(output[i] - expected[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected[i])));
      }
    }
  });

  it('rejects an output of the wrong size', () => {
    const frame = stainedFrame(mulberry32(32), 6, 5, 3);
    expect(() => stainConcentrations(kernels, placeFrame(kernels, frame), randomReference(mulberry32(1)), new Float32Array(59))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
