import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';
import { decodeImage } from '../../src/io/decode.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { fitMacenko, type MacenkoOptions, type StainFit } from '../../src/stain/index.js';
import { referenceMacenkoFit, type ReferenceStainFit } from '../reference/stain-macenko.js';
import { noiseFrame, solidFrame, stainedFrame } from '../reference/stain-synthetic.js';
import { bccdFrames } from '../support/frames.js';
import { mulberry32, randomInt } from '../support/random.js';

// Issue 3 tolerances: stain matrix within 1e-3; maxC we hold to 1e-3 relative; kept pixels exact.
const MATRIX_TOLERANCE = 1e-3;
const MAX_C_RELATIVE_TOLERANCE = 1e-3;

let kernels: KernelInstance;
beforeAll(async () => {
  kernels = await instantiateKernels({ canaryBytes: 64 });
});

/** WASM fit and reference fit of the same frame; both must succeed or both throw INVALID_FRAME. */
function fitBoth(frame: Frame, options: MacenkoOptions = {}): { wasm?: StainFit; reference?: ReferenceStainFit } {
  const mark = kernels.memory.mark();
  const resident = placeFrame(kernels, frame);
  let wasm: StainFit | undefined;
  let reference: ReferenceStainFit | undefined;
  let wasmError: unknown;
  let referenceError: unknown;
  try {
    wasm = fitMacenko(kernels, resident, options);
  } catch (error) {
    wasmError = error;
  }
  kernels.memory.checkCanaries();
  kernels.memory.release(mark);
  try {
    reference = referenceMacenkoFit(frame, options);
  } catch (error) {
    referenceError = error;
  }
  if (wasmError || referenceError) {
    expect(wasmError, `reference: ${String(referenceError)}`).toBeInstanceOf(SmearscopeError);
    expect((wasmError as SmearscopeError).code).toBe('INVALID_FRAME');
    expect((referenceError as SmearscopeError | undefined)?.code, `wasm: ${String(wasmError)}`).toBe('INVALID_FRAME');
  }
  return { wasm, reference };
}

function expectFitsAgree(wasm: StainFit, reference: ReferenceStainFit): void {
  expect(wasm.keptPixels).toBe(reference.keptPixels);
  for (let stain = 0; stain < 2; stain++) {
    for (let channel = 0; channel < 3; channel++) {
      expect(Math.abs(wasm.stainMatrix[stain][channel] - reference.stainMatrix[stain][channel])).toBeLessThan(MATRIX_TOLERANCE);
    }
    expect(Math.abs(wasm.maxC[stain] / reference.maxC[stain] - 1)).toBeLessThan(MAX_C_RELATIVE_TOLERANCE);
  }
}

describe('Macenko fit: WASM vs float64 reference', () => {
  it('agrees on synthetic two-stain frames of random sizes, layouts and parameters', () => {
    const random = mulberry32(1);
    let fitted = 0;
    for (let trial = 0; trial < 40; trial++) {
      const width = randomInt(random, 10, 90);
      const height = randomInt(random, 10, 90);
      const frame = stainedFrame(random, width, height, random() < 0.5 ? 3 : 4);
      const options: MacenkoOptions = {
        backgroundIntensity: randomInt(random, 230, 255),
        minOpticalDensity: 0.05 + 0.2 * random(),
        anglePercentile: [0, 1, 2.5, 10][randomInt(random, 0, 3)],
        pixelStride: randomInt(random, 1, 3),
      };
      const { wasm, reference } = fitBoth(frame, options);
      if (wasm && reference) {
        expectFitsAgree(wasm, reference);
        fitted++;
      }
    }
    expect(fitted).toBeGreaterThan(30);
  });

  it('agrees on mostly-background frames, including ones stained on fewer than 1 % of pixels', () => {
    // The fit lists only pixels with a channel below the kept limit and bounds the background's
    // concentrations; when under 1 % of pixels carry stain, the 99th percentile lies in the
    // background and the fit must fall back to listing every pixel. Both paths against the reference.
    const random = mulberry32(11);
    for (const backgroundFraction of [0.9, 0.97, 0.993, 0.996]) {
      for (const channels of [3, 4] as const) {
        const frame = stainedFrame(random, 320, 240, channels, undefined, backgroundFraction);
        const options: MacenkoOptions = { minOpticalDensity: 0.1 + 0.05 * random() };
        const { wasm, reference } = fitBoth(frame, options);
        expectFitsAgree(wasm!, reference!);
      }
    }
  });

  it('agrees when the background lies among the listed pixels at the 99th percentile', () => {
    // 1.5 % stained, most of it eosin-only, on a background faintly tinted with hematoxylin: the
    // 99th percentile of the hematoxylin concentration lies among the background's tint, above the
    // eosin-only pixels' near-zero values, so the fit must notice and list every pixel.
    const random = mulberry32(13);
    const h: [number, number, number] = [0.65, 0.7, 0.29];
    const e: [number, number, number] = [0.07, 0.99, 0.11];
    const [width, height, channels] = [320, 240, 4] as const;
    const pixels = new Uint8Array(width * height * channels);
    for (let i = 0; i < width * height; i++) {
      const stained = random() < 0.015;
      const cH = stained ? (random() < 0.3 ? 0.3 + random() : 0) : 0.04 * random();
      const cE = stained ? 0.8 + random() : 0;
      for (let c = 0; c < 3; c++) {
        const od = cH * h[c] + cE * e[c] + 0.02 * (random() - 0.5);
        pixels[i * channels + c] = Math.min(255, Math.max(0, Math.round(240 * Math.exp(-od) - 1)));
      }
      pixels[i * channels + 3] = 255;
    }
    const { wasm, reference } = fitBoth({ width, height, channels, pixels }, { minOpticalDensity: 0.05 });
    expectFitsAgree(wasm!, reference!);
  });

  it('the OD table falls monotonically, so its cut-off value decides "OD >= beta" exactly, for any Io and beta', () => {
    // The kept test is a byte compare against the OD table's cut-off: only right if the table falls monotonically.
    const stain = kernels.exports;
    const random = mulberry32(12);
    for (let trial = 0; trial < 200; trial++) {
      const backgroundIntensity = trial < 50 ? randomInt(random, 1, 256) : trial < 150 ? 1 + 255 * random() : 240;
      const beta = Math.fround(random() * (trial % 3 === 0 ? 6 : 0.5));
      stain.prepareOpticalDensity(backgroundIntensity);
      const below = stain.opticalDensityBelow(beta);
      for (let value = 0; value < 256; value++) {
        expect(stain.opticalDensityOf(value) >= beta, `Io ${backgroundIntensity}, beta ${beta}, value ${value}`).toBe(value < below);
      }
    }
  });

  it('agrees on a region of a frame', () => {
    const random = mulberry32(2);
    const frame = stainedFrame(random, 61, 47, 4);
    const region = { x: 7, y: 5, width: 33, height: 29 };
    const { wasm, reference } = fitBoth(frame, { region });
    expectFitsAgree(wasm!, reference!);
    expect(wasm!.keptPixels).toBeLessThanOrEqual(33 * 29);
  });

  it('recovers the stains a synthetic frame was made of, hematoxylin-like (larger red OD) first', () => {
    const random = mulberry32(3);
    const h: [number, number, number] = [0.65, 0.7, 0.29];
    const e: [number, number, number] = [0.07, 0.99, 0.11];
    const { wasm } = fitBoth(stainedFrame(random, 120, 120, 3, [h, e], 0.2));
    const [fittedH, fittedE] = wasm!.stainMatrix;
    // The 1 % / 99 % angle extremes sit near the pure stains; noise keeps it approximate.
    expect(fittedH[0]).toBeGreaterThan(fittedE[0]);
    expect(Math.acos(h[0] * fittedH[0] + h[1] * fittedH[1] + h[2] * fittedH[2])).toBeLessThan(0.15);
    expect(Math.acos(e[0] * fittedE[0] + e[1] * fittedE[1] + e[2] * fittedE[2])).toBeLessThan(0.15);
    for (const vector of wasm!.stainMatrix) expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
  });

  it('agrees or fails alike on noise frames of random and odd sizes', () => {
    const random = mulberry32(4);
    let fitted = 0;
    for (let trial = 0; trial < 20; trial++) {
      const frame = noiseFrame(random, randomInt(random, 1, 41), randomInt(random, 1, 41), random() < 0.5 ? 3 : 4);
      const { wasm, reference } = fitBoth(frame);
      if (wasm && reference) {
        expectFitsAgree(wasm, reference);
        fitted++;
      }
    }
    expect(fitted).toBeGreaterThan(5); // the large ones have enough dark pixels to fit
  });

  it('throws INVALID_FRAME on 1 x 1, all-white, all-black and single-colour frames', () => {
    const frames = [
      solidFrame(1, 1, 4, [90, 40, 120]),
      solidFrame(64, 48, 4, [255, 255, 255]),
      solidFrame(64, 48, 3, [0, 0, 0]),
      solidFrame(33, 17, 3, [120, 60, 150]),
    ];
    for (const frame of frames) {
      const resident = placeFrame(kernels, frame);
      expect(() => fitMacenko(kernels, resident)).toThrow(expect.objectContaining({ code: 'INVALID_FRAME' }));
      kernels.memory.checkCanaries();
      expect(() => referenceMacenkoFit(frame)).toThrow(SmearscopeError);
    }
  });

  it('agrees on real bone-marrow crops and BCCD blood frames', async () => {
    const crops = [];
    for (const name of ['BLA/BLA_00001.jpg', 'EOS/EOS_00004.jpg', 'LYT/LYT_00002.jpg', 'MON/MON_00003.jpg']) {
      const path = `../shared/data/bm-matek-7/${name}`;
      if (existsSync(path)) crops.push(await decodeImage(readFileSync(path), name)); // the shared set is a random 60 %
    }
    const frames = [...crops, ...(await bccdFrames(2))];
    expect(frames.length).toBeGreaterThanOrEqual(4);
    for (const frame of frames) {
      const { wasm, reference } = fitBoth(frame, { pixelStride: frame.width > 300 ? 2 : 1 });
      expectFitsAgree(wasm!, reference!);
    }
  });

  it('skipping the background gives exactly the fit of listing every pixel', async () => {
    // The shortcut must not move maxC by one order statistic (the reference tolerance could not tell).
    const random = mulberry32(14);
    const frames = [
      ...(await bccdFrames(6)),
      ...[0.3, 0.9, 0.97, 0.993, 0.996].map((background) => stainedFrame(random, 320, 240, 4, undefined, background)),
    ];
    let fitted = 0;
    for (const frame of frames) {
      const mark = kernels.memory.mark();
      const resident = placeFrame(kernels, frame);
      for (const pixelStride of [1, 3]) {
        let shortcut: StainFit | string;
        let everyPixel: StainFit | string;
        try {
          shortcut = fitMacenko(kernels, resident, { pixelStride });
        } catch (error) {
          shortcut = String(error);
        }
        try {
          everyPixel = fitMacenko(kernels, resident, { pixelStride, listEveryPixel: true });
        } catch (error) {
          everyPixel = String(error);
        }
        expect(shortcut).toEqual(everyPixel);
        if (typeof shortcut !== 'string') fitted++;
      }
      kernels.memory.checkCanaries();
      kernels.memory.release(mark);
    }
    expect(fitted).toBeGreaterThanOrEqual(18);
  });

  it('rejects invalid parameters with INVALID_ARGUMENT', () => {
    const resident = placeFrame(kernels, stainedFrame(mulberry32(5), 20, 20, 4));
    const invalid: MacenkoOptions[] = [
      { backgroundIntensity: 0 },
      { backgroundIntensity: Number.NaN },
      { minOpticalDensity: -1 },
      { anglePercentile: 50 },
      { pixelStride: 0 },
      { pixelStride: 1.5 },
      { region: { x: 15, y: 0, width: 10, height: 5 } },
      { region: { x: 0, y: 0, width: 0, height: 5 } },
    ];
    for (const options of invalid) {
      expect(() => fitMacenko(kernels, resident, options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });
});
