import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../../src/frame.js';
import { instantiateReinhardKernels, type ReinhardKernels } from '../../src/kernels/load-reinhard.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { fitReinhard, normalizeReinhard, type ReinhardFit } from '../../src/stain/index.js';
import { referenceReinhardApply, referenceReinhardFit, referenceRgbToLab } from '../reference/reinhard.js';
import { noiseFrame, solidFrame, stainedFrame } from '../reference/stain-synthetic.js';
import { bccdFrames } from '../support/frames.js';
import { mulberry32, randomInt } from '../support/random.js';

let kernels: ReinhardKernels;
beforeAll(async () => {
  kernels = await instantiateReinhardKernels({ canaryBytes: 64 });
});

function fitted(frame: Frame, pixelStride = 1): ReinhardFit {
  const mark = kernels.memory.mark();
  const fit = fitReinhard(kernels, placeFrame(kernels, frame), { pixelStride });
  kernels.memory.checkCanaries();
  kernels.memory.release(mark);
  return fit;
}

function expectMomentsAgree(actual: ReinhardFit, expected: ReinhardFit): void {
  for (let c = 0; c < 3; c++) {
    expect(Math.abs(actual.labMean[c] - expected.labMean[c])).toBeLessThan(1e-3);
    expect(Math.abs(actual.labStd[c] - expected.labStd[c])).toBeLessThan(1e-3 * Math.max(1, expected.labStd[c]));
  }
}

describe('Reinhard (CIE Lab): WASM vs float64 reference', () => {
  it('Lab moments agree on random frames, including 1 x 1, odd sizes and solid colours', () => {
    const random = mulberry32(41);
    const frames: Frame[] = [solidFrame(1, 1, 4, [12, 200, 99]), solidFrame(9, 7, 3, [255, 255, 255]), solidFrame(3, 3, 4, [0, 0, 0])];
    for (let trial = 0; trial < 12; trial++) {
      const make = random() < 0.5 ? stainedFrame : noiseFrame;
      frames.push(make(random, randomInt(random, 1, 60), randomInt(random, 1, 60), random() < 0.5 ? 3 : 4));
    }
    for (const frame of frames) {
      const stride = randomInt(random, 1, 3);
      expectMomentsAgree(fitted(frame, stride), referenceReinhardFit(frame, stride));
    }
  });

  it('the reference Lab of pure white is L 100, a 0, b 0 (the D65 white point)', () => {
    const [L, a, b] = referenceRgbToLab(255, 255, 255);
    // skimage's matrix rows sum to the white point only to about 1e-5, hence a* of -0.0025.
    expect(L).toBeCloseTo(100, 3);
    expect(a).toBeCloseTo(0, 2);
    expect(b).toBeCloseTo(0, 2);
  });

  it('transfer is within 1 grey level of the reference on random and real frames', async () => {
    const random = mulberry32(42);
    const [blood] = await bccdFrames(1);
    const target = fitted(stainedFrame(random, 40, 40, 3));
    const frames: Frame[] = [blood];
    for (let trial = 0; trial < 10; trial++) {
      frames.push(stainedFrame(random, randomInt(random, 2, 50), randomInt(random, 2, 50), random() < 0.5 ? 3 : 4));
    }
    for (const frame of frames) {
      const source = fitted(frame);
      const mark = kernels.memory.mark();
      const output = new Uint8Array(frame.pixels.length);
      normalizeReinhard(kernels, placeFrame(kernels, frame), source, target, output);
      kernels.memory.checkCanaries();
      kernels.memory.release(mark);
      const expected = referenceReinhardApply(frame, source, target);
      let differing = 0;
      let maxDifference = 0;
      for (let i = 0; i < output.length; i++) {
        maxDifference = Math.max(maxDifference, Math.abs(output[i] - expected[i]));
        if (output[i] !== expected[i]) differing++;
      }
      expect(maxDifference).toBeLessThanOrEqual(1);
      expect(differing / output.length).toBeLessThan(0.01);
      if (frame.channels === 4) {
        const alphas = (pixels: ArrayLike<number>) => Array.from({ length: pixels.length / 4 }, (_, i) => pixels[4 * i + 3]);
        expect(alphas(output)).toEqual(alphas(frame.pixels));
      }
    }
  });

  it('moves the Lab statistics onto the target', () => {
    const random = mulberry32(43);
    const frame = stainedFrame(random, 80, 60, 4);
    const target: ReinhardFit = { labMean: [70, 12, -8], labStd: [10, 6, 7] };
    const output = new Uint8Array(frame.pixels.length);
    normalizeReinhard(kernels, placeFrame(kernels, frame), fitted(frame), target, output);
    const after = referenceReinhardFit({ ...frame, pixels: output });
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(after.labMean[c] - target.labMean[c])).toBeLessThan(1.5); // 8-bit rounding and gamut clipping
      expect(Math.abs(after.labStd[c] / target.labStd[c] - 1)).toBeLessThan(0.15);
    }
  });

  it('rejects a single-colour source (INVALID_FRAME) and malformed fits (INVALID_ARGUMENT)', () => {
    const frame = solidFrame(5, 5, 3, [100, 50, 150]);
    const resident = placeFrame(kernels, frame);
    const output = new Uint8Array(frame.pixels.length);
    const target: ReinhardFit = { labMean: [70, 12, -8], labStd: [10, 6, 7] };
    expect(() => normalizeReinhard(kernels, resident, fitReinhard(kernels, resident), target, output)).toThrow(
      expect.objectContaining({ code: 'INVALID_FRAME' }),
    );
    const bad = [
      { labMean: [70, 12], labStd: [10, 6, 7] },
      { labMean: [70, 12, -8], labStd: [10, -6, 7] },
    ] as unknown as ReinhardFit[];
    for (const fit of bad) {
      expect(() => normalizeReinhard(kernels, resident, target, fit, output)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(() => normalizeReinhard(kernels, resident, target, target, new Uint8Array(3))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
