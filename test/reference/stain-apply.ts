// Plain float64 references of the whole-frame stain kernels: Macenko normalization (with an
// optional Tellez-style jitter) and concentration maps, pixel by pixel straight from the
// definition (ARCHITECTURE.md, "Macenko stain estimation", step 5). Tests and benchmarks only.

import type { Frame } from '../../src/frame.js';
import { referenceOpticalDensity } from './stain-macenko.js';

export interface ReferenceStain {
  stainMatrix: [[number, number, number], [number, number, number]];
  maxC: [number, number];
}

export interface ReferenceJitter {
  scale: [number, number];
  shift: [number, number];
}

/** Least-squares concentrations [h, e] of one OD vector on the two stain vectors. */
export function referenceConcentration(stain: ReferenceStain, od: number[]): [number, number] {
  const [h, e] = stain.stainMatrix;
  const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const hh = dot(h, h);
  const he = dot(h, e);
  const ee = dot(e, e);
  const determinant = hh * ee - he * he;
  const hOd = dot(h, od);
  const eOd = dot(e, od);
  return [(ee * hOd - he * eOd) / determinant, (hh * eOd - he * hOd) / determinant];
}

/**
 * The frame normalized from `source` to `reference`: C' = C * maxC_ref / maxC_src, then
 * (jitter) C'' = scale * C' + shift, I' = min(255, Io * exp(-Ref^T C'')), rounded;
 * alpha copied. Returns new pixels in the frame's layout.
 */
export function referenceNormalize(
  frame: Frame,
  source: ReferenceStain,
  reference: ReferenceStain,
  backgroundIntensity = 240,
  jitter?: ReferenceJitter,
): Uint8Array {
  const out = new Uint8Array(frame.pixels.length);
  for (let i = 0; i < frame.width * frame.height; i++) {
    const at = i * frame.channels;
    const od = [0, 1, 2].map((c) => referenceOpticalDensity(frame.pixels[at + c], backgroundIntensity));
    const concentration = referenceConcentration(source, od).map((c, s) => {
      const normalized = (c * reference.maxC[s]) / source.maxC[s];
      return jitter ? jitter.scale[s] * normalized + jitter.shift[s] : normalized;
    });
    for (let c = 0; c < 3; c++) {
      const odOut = reference.stainMatrix[0][c] * concentration[0] + reference.stainMatrix[1][c] * concentration[1];
      out[at + c] = Math.round(Math.min(255, backgroundIntensity * Math.exp(-odOut)));
    }
    if (frame.channels === 4) out[at + 3] = frame.pixels[at + 3];
  }
  return out;
}

/** Concentration maps, planar: all h (row-major), then all e. */
export function referenceConcentrationMaps(frame: Frame, stain: ReferenceStain, backgroundIntensity = 240): Float64Array {
  const pixelCount = frame.width * frame.height;
  const out = new Float64Array(2 * pixelCount);
  for (let i = 0; i < pixelCount; i++) {
    const od = [0, 1, 2].map((c) => referenceOpticalDensity(frame.pixels[i * frame.channels + c], backgroundIntensity));
    const [h, e] = referenceConcentration(stain, od);
    out[i] = h;
    out[pixelCount + i] = e;
  }
  return out;
}
