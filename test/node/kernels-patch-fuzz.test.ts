// Fuzzing writePatches: 10,000 random calls on small random frames with canaries around every
// kernel buffer (the wrapper checks them after each kernel call), outputs never NaN; and invalid
// parameters rejected with a typed INVALID_ARGUMENT error.
import { describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import { floatsPerPatch, patchInsideFrame, writePatches, type PatchSpec } from '../../src/patch/write-patches.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { mulberry32, randomInt } from '../support/random.js';

const CALLS = 10_000;

function randomFrame(rng: () => number): Frame {
  const width = randomInt(rng, 1, 24);
  const height = randomInt(rng, 1, 24);
  const channels = rng() < 0.5 ? 3 : 4;
  const pixels = new Uint8Array(width * height * channels).map(() => randomInt(rng, 0, 255));
  return { width, height, channels, pixels };
}

function randomSpec(rng: () => number): PatchSpec {
  const micronsPerPixel = 0.01 + rng() * 2;
  return {
    // Crop sides from a fraction of a pixel to far larger than the frame.
    patchMicrons: micronsPerPixel * 10 ** (rng() * 4 - 1.5),
    micronsPerPixel,
    inputWidth: randomInt(rng, 1, 13),
    inputHeight: randomInt(rng, 1, 13),
    mean: [rng() * 2 - 0.5, rng(), rng()],
    std: [1e-6 + rng(), 0.01 + rng() * 5, 1e-3 + rng()],
    border: (['reflect', 'constant', 'skip'] as const)[randomInt(rng, 0, 2)],
    constantRgb: [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)],
    // Any finite map within the bound, including ones that saturate at 255 or underflow to 0.
    stain: rng() < 0.5 ? undefined : new Float32Array(9).map(() => (rng() * 2 - 1) * 10 ** (rng() * 4 - 2)),
    backgroundIntensity: rng() < 0.3 ? undefined : 1 + rng() * 254,
  };
}

describe('writePatches fuzz', () => {
  it(`survives ${CALLS} random calls: no stray write, no NaN, skipped slots untouched, exactly those patchInsideFrame rejects`, async () => {
    const kernels = await instantiateKernels({ canaryBytes: 64 });
    const rng = mulberry32(424242);
    let frame = randomFrame(rng);
    let resident = placeFrame(kernels, frame);
    let written = 0;
    let skipped = 0;
    const insideMismatches: unknown[] = [];
    for (let call = 0; call < CALLS; call++) {
      if (call % 50 === 0) {
        kernels.memory.release(0);
        frame = randomFrame(rng);
        resident = placeFrame(kernels, frame);
      }
      const spec = randomSpec(rng);
      const spread = 10 ** (rng() * 5); // centres from near the frame to far outside it
      const centres = Array.from({ length: randomInt(rng, 1, 4) }, () => ({
        x: (rng() * 2 - 0.5) * frame.width * (rng() < 0.9 ? 1 : spread),
        y: (rng() * 2 - 0.5) * frame.height * (rng() < 0.9 ? 1 : spread),
      }));
      const slots = centres.length + randomInt(rng, 0, 2);
      const firstSlot = randomInt(rng, 0, slots - centres.length);
      const batch = new Float32Array(slots * floatsPerPatch(spec)).fill(NaN);
      const result = writePatches(kernels, resident, centres, spec, batch, firstSlot);
      kernels.memory.checkCanaries(); // the frame's canaries too
      const slotFloats = floatsPerPatch(spec);
      for (let slot = 0; slot < slots; slot++) {
        const values = batch.subarray(slot * slotFloats, (slot + 1) * slotFloats);
        const index = slot - firstSlot;
        const isWritten = index >= 0 && index < centres.length && result[index];
        // Written slots hold finite values only; every other slot still holds the NaN we put there.
        if (!values.every((v) => (isWritten ? Number.isFinite(v) : Number.isNaN(v)))) {
          throw new Error(
            `call ${call}: slot ${slot} (written ${isWritten}) ${JSON.stringify({ spec, centres, frame: [frame.width, frame.height, frame.channels] })}`,
          );
        }
      }
      for (const w of result) w ? written++ : skipped++;
      // The stream's own test (planned batches skip cells before any kernel runs) agrees with the kernel.
      centres.forEach((centre, i) => {
        const expected = spec.border !== 'skip' || patchInsideFrame(centre, spec, frame.width, frame.height);
        if (result[i] !== expected) insideMismatches.push({ call, centre, spec: { ...spec }, frame: [frame.width, frame.height] });
      });
    }
    expect(insideMismatches.slice(0, 3)).toEqual([]);
    // The random parameters exercise both outcomes.
    expect(written).toBeGreaterThan(CALLS / 2);
    expect(skipped).toBeGreaterThan(CALLS / 20);
  });
});

describe('writePatches rejects invalid parameters with INVALID_ARGUMENT', () => {
  const base: PatchSpec = {
    patchMicrons: 25,
    micronsPerPixel: 0.25,
    inputWidth: 8,
    inputHeight: 6,
    mean: [0.5, 0.5, 0.5],
    std: [0.2, 0.2, 0.2],
    border: 'reflect',
  };
  const slot = floatsPerPatch(base);
  const cases: Array<[string, Partial<PatchSpec> | null, Partial<{ batch: unknown; firstSlot: number; centres: unknown }>]> = [
    ['patchMicrons 0', { patchMicrons: 0 }, {}],
    ['patchMicrons negative', { patchMicrons: -3 }, {}],
    ['patchMicrons NaN', { patchMicrons: NaN }, {}],
    ['micronsPerPixel 0', { micronsPerPixel: 0 }, {}],
    ['micronsPerPixel Infinity', { micronsPerPixel: Infinity }, {}],
    ['side absurdly large', { micronsPerPixel: 1e-9 }, {}],
    ['inputWidth 0', { inputWidth: 0 }, {}],
    ['inputHeight fractional', { inputHeight: 2.5 }, {}],
    ['inputWidth too large', { inputWidth: 5000 }, {}],
    ['mean NaN', { mean: [0.5, NaN, 0.5] }, {}],
    ['mean of two', { mean: [0.5, 0.5] as unknown as [number, number, number] }, {}],
    ['std 0', { std: [0.2, 0, 0.2] }, {}],
    ['std negative', { std: [-0.2, 0.2, 0.2] }, {}],
    ['std NaN', { std: [0.2, 0.2, NaN] }, {}],
    ['border unknown', { border: 'wrap' as PatchSpec['border'] }, {}],
    ['constant without colour', { border: 'constant' }, {}],
    ['constant colour out of range', { border: 'constant', constantRgb: [0, 256, 0] }, {}],
    ['stain of 4', { stain: new Float32Array(4) }, {}],
    ['stain with NaN', { stain: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, NaN]) }, {}],
    ['stain with Infinity', { stain: new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, Infinity]) }, {}],
    ['Io 0', { backgroundIntensity: 0 }, {}],
    ['Io 300', { backgroundIntensity: 300 }, {}],
    [
      'batch too small',
      null,
      {
        batch: new Float32Array(slot),
        centres: [
          { x: 1, y: 1 },
          { x: 2, y: 2 },
        ],
      },
    ],
    ['batch not whole slots', null, { batch: new Float32Array(slot + 1) }],
    ['batch not Float32Array', null, { batch: new Float64Array(slot) }],
    ['slot out of range', null, { firstSlot: 2 }],
    ['slot negative', null, { firstSlot: -1 }],
    ['slot fractional', null, { firstSlot: 0.5 }],
    ['centre NaN', null, { centres: [{ x: NaN, y: 1 }] }],
    ['centre Infinity', null, { centres: [{ x: 1, y: -Infinity }] }],
    ['centre far away', null, { centres: [{ x: 1e9, y: 1 }] }],
    ['centre missing y', null, { centres: [{ x: 1 }] }],
  ];

  it.each(cases)('%s', async (_name, specChange, callChange) => {
    const kernels: KernelInstance = await instantiateKernels();
    const frame: Frame = { width: 5, height: 4, channels: 4, pixels: new Uint8Array(80) };
    const resident = placeFrame(kernels, frame);
    const spec = { ...base, ...specChange };
    const batch = (callChange.batch ?? new Float32Array(2 * slot)) as Float32Array;
    const centres = (callChange.centres ?? [{ x: 2, y: 2 }]) as Array<{ x: number; y: number }>;
    let error: unknown;
    try {
      writePatches(kernels, resident, centres, spec, batch, callChange.firstSlot ?? 0);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SmearscopeError);
    expect((error as SmearscopeError).code).toBe('INVALID_ARGUMENT');
  });

  it('accepts the base parameters (so the cases above fail for their own reason)', async () => {
    const kernels = await instantiateKernels();
    const resident = placeFrame(kernels, { width: 5, height: 4, channels: 4, pixels: new Uint8Array(80) });
    expect(writePatches(kernels, resident, [{ x: 2, y: 2 }], base, new Float32Array(2 * slot), 0)).toEqual([true]);
  });
});
