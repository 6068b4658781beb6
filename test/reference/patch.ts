// Plain float64 reference of the fused patch kernel (assembly/patch.ts), for tests and the
// benchmark's speed-up ratio. Written for clarity, straight from the definition, per output value.

import type { Frame } from '../../src/frame.js';
import type { PatchCentre, PatchSpec } from '../../src/patch/write-patches.js';

export interface ReferencePatches {
  /** centres.length slots of 3 * inputHeight * inputWidth values, NCHW; skipped slots are NaN. */
  patches: Float64Array;
  /** Per centre: true when written, false when skipped by border 'skip'. */
  written: boolean[];
}

/** Every patch of `centres` in `frame` per `spec`, as writePatches defines it. */
export function referencePatches(frame: Frame, centres: readonly PatchCentre[], spec: PatchSpec): ReferencePatches {
  const { inputWidth, inputHeight } = spec;
  const slotValues = 3 * inputWidth * inputHeight;
  const patches = new Float64Array(centres.length * slotValues).fill(NaN);
  const written = centres.map((centre, index) =>
    referencePatch(frame, centre, spec, patches.subarray(index * slotValues, (index + 1) * slotValues)),
  );
  return { patches, written };
}

/** One patch into `out` (3 * inputHeight * inputWidth, NCHW); false when skipped. */
export function referencePatch(frame: Frame, centre: PatchCentre, spec: PatchSpec, out: Float64Array): boolean {
  const { inputWidth, inputHeight } = spec;
  const side = spec.patchMicrons / spec.micronsPerPixel;
  const x0 = centre.x + 0.5 - side * 0.5;
  const y0 = centre.y + 0.5 - side * 0.5;
  const stepX = side / inputWidth;
  const stepY = side / inputHeight;
  const sampleX = (j: number) => x0 + (j + 0.5) * stepX - 0.5;
  const sampleY = (i: number) => y0 + (i + 0.5) * stepY - 0.5;

  if (spec.border === 'skip') {
    for (let j = 0; j < inputWidth; j++) if (sampleX(j) < 0 || sampleX(j) > frame.width - 1) return false;
    for (let i = 0; i < inputHeight; i++) if (sampleY(i) < 0 || sampleY(i) > frame.height - 1) return false;
  }

  const plane = inputWidth * inputHeight;
  for (let i = 0; i < inputHeight; i++) {
    for (let j = 0; j < inputWidth; j++) {
      const sx = sampleX(j);
      const sy = sampleY(i);
      const xLow = Math.floor(sx);
      const yLow = Math.floor(sy);
      const fx = sx - xLow;
      const fy = sy - yLow;
      let rgb = [0, 1, 2].map((c) => {
        const p00 = pixel(frame, xLow, yLow, c, spec);
        const p10 = pixel(frame, xLow + 1, yLow, c, spec);
        const p01 = pixel(frame, xLow, yLow + 1, c, spec);
        const p11 = pixel(frame, xLow + 1, yLow + 1, c, spec);
        return (1 - fy) * ((1 - fx) * p00 + fx * p10) + fy * ((1 - fx) * p01 + fx * p11);
      });
      if (spec.stain) rgb = normalizeStain(rgb, spec.stain, spec.backgroundIntensity ?? 240);
      for (let c = 0; c < 3; c++) {
        out[c * plane + i * inputWidth + j] = (rgb[c] / 255 - spec.mean[c]) / spec.std[c];
      }
    }
  }
  return true;
}

/** Channel c of pixel (x, y), with the border policy for pixels outside the frame. */
function pixel(frame: Frame, x: number, y: number, c: number, spec: PatchSpec): number {
  const inside = x >= 0 && x < frame.width && y >= 0 && y < frame.height;
  if (!inside && spec.border === 'constant') return spec.constantRgb![c];
  // Reflect; 'skip' only samples inside, where an outside tap has weight 0 (mirroring is harmless).
  const mx = mirror(x, frame.width);
  const my = mirror(y, frame.height);
  return frame.pixels[(my * frame.width + mx) * frame.channels + c];
}

/** Half-sample symmetric reflection: ... 1 0 | 0 1 ... n-1 | n-1 n-2 ... */
function mirror(t: number, n: number): number {
  const period = 2 * n;
  const m = ((t % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/** Macenko map of one RGB intensity triple: OD' = M * OD, I' = min(255, Io * exp(-OD')). */
function normalizeStain(rgb: number[], stain: Float32Array, Io: number): number[] {
  const od = rgb.map((v) => -Math.log((v + 1) / Io));
  return [0, 1, 2].map((row) => {
    const mapped = stain[3 * row] * od[0] + stain[3 * row + 1] * od[1] + stain[3 * row + 2] * od[2];
    return Math.min(255, Io * Math.exp(-mapped));
  });
}
