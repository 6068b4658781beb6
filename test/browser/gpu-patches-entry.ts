// Bundled by test/browser/gpu-patches.test.ts and loaded in the page: the same patches through the
// WASM kernel (writePatches) and the WGSL shader (createGpuPatchWriter) on random frames, centres
// (inside, at and beyond the borders) and specs, on the page's WebGPU adapter (SwiftShader in tests).
import type { Frame } from '../../src/frame.js';
import { instantiateKernels } from '../../src/kernels/load.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';
import { createGpuPatchWriter } from '../../src/patch/gpu-patches.js';
import { floatsPerPatch, writePatches, type BorderPolicy, type PatchSpec } from '../../src/patch/write-patches.js';
import { stainTransform } from '../../src/stain/transform.js';
import { mulberry32, randomInt } from '../support/random.js';
import { SMEAR_STAIN } from '../support/synthetic-smear.js';

export interface PatchComparison {
  /** The adapter's description; null when the page has no WebGPU adapter (the test then skips). */
  adapter: string | null;
  cases: number;
  cells: number;
  skipped: number;
  /** Largest |GPU - WASM| over every written value, in grey levels (value x std x 255). */
  maxGreyLevels: number;
  /** Centres whose written flag differs between the two. */
  writtenMismatches: number;
  /** With `corruptGpu`, the GPU output was altered on purpose (the fault the test must catch). */
  corrupted: boolean;
}

export async function comparePatches(seed: number, cases: number, corruptGpu = false): Promise<PatchComparison> {
  const adapter = await navigator.gpu?.requestAdapter();
  const none = { cases: 0, cells: 0, skipped: 0, maxGreyLevels: 0, writtenMismatches: 0, corrupted: false };
  if (!adapter) return { adapter: null, ...none };
  const info = adapter.info ?? { vendor: '', architecture: '', description: '' };
  const device = await adapter.requestDevice();
  const writer = createGpuPatchWriter(device);
  const kernels = await instantiateKernels();
  const rng = mulberry32(seed);
  const result: PatchComparison = { adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), ...none };
  try {
    for (let trial = 0; trial < cases; trial++) {
      const width = randomInt(rng, 1, 300);
      const height = randomInt(rng, 1, 300);
      const channels = rng() < 0.5 ? 3 : 4;
      const pixels = new Uint8Array(width * height * channels);
      for (let i = 0; i < pixels.length; i++) pixels[i] = randomInt(rng, 0, 255);
      const frame: Frame = { width, height, channels, pixels };
      const border = (['reflect', 'constant', 'skip'] as BorderPolicy[])[randomInt(rng, 0, 2)];
      const target = {
        stainMatrix: SMEAR_STAIN.stainMatrix,
        maxC: [SMEAR_STAIN.maxC[0] * (0.6 + rng()), SMEAR_STAIN.maxC[1] * (0.6 + rng())],
      };
      const spec: PatchSpec = {
        patchMicrons: 5 + rng() * 30,
        micronsPerPixel: 0.05 + rng() * 0.3,
        inputWidth: randomInt(rng, 1, 48),
        inputHeight: randomInt(rng, 1, 48),
        mean: [rng(), rng(), rng()],
        std: [0.1 + rng(), 0.1 + rng(), 0.1 + rng()],
        border,
        ...(border === 'constant'
          ? { constantRgb: [randomInt(rng, 0, 255), randomInt(rng, 0, 255), randomInt(rng, 0, 255)] as const }
          : {}),
        ...(rng() < 0.6 ? { stain: stainTransform(SMEAR_STAIN, target as typeof SMEAR_STAIN) } : {}),
      };
      const centres = Array.from({ length: randomInt(rng, 1, 6) }, () => ({
        x: -40 + rng() * (width + 80),
        y: -40 + rng() * (height + 80),
      }));
      const slotFloats = floatsPerPatch(spec);
      const firstSlot = randomInt(rng, 0, 2);
      const floats = (firstSlot + centres.length) * slotFloats;
      // Both start from the same sentinel, so a slot one of them leaves untouched compares equal only if both do.
      const cpu = new Float32Array(floats).fill(-1000);
      const mark = kernels.memory.mark();
      const cpuWritten = writePatches(kernels, placeFrame(kernels, frame), centres, spec, cpu, firstSlot);
      kernels.memory.release(mark);

      const output = device.createBuffer({
        size: floats * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(output, 0, new Float32Array(floats).fill(-1000));
      const gpuWritten = await writer.write(frame, centres, spec, output, firstSlot);
      const gpu = await readBuffer(device, output, floats * 4);
      output.destroy();
      if (corruptGpu && !result.corrupted) {
        const at = cpuWritten.indexOf(true);
        if (at >= 0) {
          gpu[(firstSlot + at) * slotFloats] += 2 / (255 * spec.std[0]); // two grey levels on one value
          result.corrupted = true;
        }
      }

      result.cases++;
      result.cells += centres.length;
      result.skipped += cpuWritten.filter((w) => !w).length;
      result.writtenMismatches += cpuWritten.filter((w, i) => w !== gpuWritten[i]).length;
      const plane = spec.inputWidth * spec.inputHeight;
      for (let i = 0; i < floats; i++) {
        const c = Math.floor((i % slotFloats) / plane);
        const grey = Math.abs(gpu[i] - cpu[i]) * spec.std[c] * 255;
        if (!(grey <= result.maxGreyLevels)) result.maxGreyLevels = Number.isNaN(grey) ? Infinity : grey;
      }
    }
  } finally {
    writer.dispose();
    device.destroy();
  }
  return result;
}

async function readBuffer(device: GPUDevice, source: GPUBuffer, byteLength: number): Promise<Float32Array> {
  const readBack = device.createBuffer({ size: byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(source, 0, readBack, 0, byteLength);
  device.queue.submit([encoder.finish()]);
  await readBack.mapAsync(GPUMapMode.READ);
  const values = new Float32Array(readBack.getMappedRange().slice(0));
  readBack.destroy();
  return values;
}
