// Plain float64 reference of the Macenko stain fit, written straight from the definition
// (ARCHITECTURE.md, "Macenko stain estimation"; the widely used numpy implementation): every OD
// vector in an array, np.cov, a closed-form 3x3 eigen-decomposition, a full sort for each
// percentile. Tests and benchmarks only; deliberately shares no code with src/kernels.

import { SmearscopeError } from '../../src/errors.js';
import type { Frame } from '../../src/frame.js';

export interface ReferenceMacenkoOptions {
  backgroundIntensity?: number;
  minOpticalDensity?: number;
  anglePercentile?: number;
  pixelStride?: number;
  region?: { x: number; y: number; width: number; height: number };
}

export interface ReferenceStainFit {
  stainMatrix: [[number, number, number], [number, number, number]];
  maxC: [number, number];
  keptPixels: number;
}

type Vector3 = [number, number, number];

/** OD = -ln((I + 1) / Io) of one channel value. */
export function referenceOpticalDensity(value: number, backgroundIntensity: number): number {
  return -Math.log((value + 1) / backgroundIntensity);
}

/** The sampled pixels' OD vectors (region, stride), in row-major order. */
export function sampledOpticalDensities(
  frame: Frame,
  backgroundIntensity: number,
  pixelStride = 1,
  region = { x: 0, y: 0, width: frame.width, height: frame.height },
): Vector3[] {
  const ods: Vector3[] = [];
  for (let y = region.y; y < region.y + region.height; y += pixelStride) {
    for (let x = region.x; x < region.x + region.width; x += pixelStride) {
      const i = (y * frame.width + x) * frame.channels;
      ods.push([
        referenceOpticalDensity(frame.pixels[i], backgroundIntensity),
        referenceOpticalDensity(frame.pixels[i + 1], backgroundIntensity),
        referenceOpticalDensity(frame.pixels[i + 2], backgroundIntensity),
      ]);
    }
  }
  return ods;
}

/** numpy.percentile(values, percent) with the default 'linear' method. */
export function referencePercentile(values: Float64Array, percent: number): number {
  const sorted = values.slice().sort();
  const position = ((sorted.length - 1) * percent) / 100;
  const k = Math.floor(position);
  const t = position - k;
  if (k + 1 >= sorted.length) return sorted[k];
  const a = sorted[k];
  const b = sorted[k + 1];
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

export function referenceMacenkoFit(frame: Frame, options: ReferenceMacenkoOptions = {}): ReferenceStainFit {
  const Io = options.backgroundIntensity ?? 240;
  const beta = options.minOpticalDensity ?? 0.15;
  const alpha = options.anglePercentile ?? 1;
  const all = sampledOpticalDensities(frame, Io, options.pixelStride ?? 1, options.region);
  const kept = all.filter((od) => od[0] >= beta && od[1] >= beta && od[2] >= beta);
  if (kept.length < 100) throw new SmearscopeError('INVALID_FRAME', 'too little stained tissue for a stain fit');

  // np.cov of the kept OD vectors (rows = channels, ddof 1).
  const mean = [0, 1, 2].map((c) => kept.reduce((sum, od) => sum + od[c], 0) / kept.length);
  const covariance = [0, 1, 2].map((i) =>
    [0, 1, 2].map((j) => kept.reduce((sum, od) => sum + (od[i] - mean[i]) * (od[j] - mean[j]), 0) / (kept.length - 1)),
  );
  const [largest, second] = closedFormEigen(covariance);
  const v1 = positive(largest);
  const v2 = positive(second);

  const phi = Float64Array.from(kept, (od) => Math.atan2(dot(od, v2), dot(od, v1)));
  const phiLow = referencePercentile(phi, alpha);
  const phiHigh = referencePercentile(phi, 100 - alpha);
  if (phiHigh - phiLow < 1e-3) throw new SmearscopeError('INVALID_FRAME', 'stains cannot be separated');
  const low = v1.map((v, i) => Math.cos(phiLow) * v + Math.sin(phiLow) * v2[i]) as Vector3;
  const high = v1.map((v, i) => Math.cos(phiHigh) * v + Math.sin(phiHigh) * v2[i]) as Vector3;
  const [h, e] = low[0] > high[0] ? [positive(low), positive(high)] : [positive(high), positive(low)];

  // Least squares C = argmin |[h e] C - OD| for every sampled pixel (normal equations, Cramer's rule).
  const hh = dot(h, h);
  const he = dot(h, e);
  const ee = dot(e, e);
  const determinant = hh * ee - he * he;
  const concentrationH = new Float64Array(all.length);
  const concentrationE = new Float64Array(all.length);
  all.forEach((od, i) => {
    const hOd = dot(h, od);
    const eOd = dot(e, od);
    concentrationH[i] = (ee * hOd - he * eOd) / determinant;
    concentrationE[i] = (hh * eOd - he * hOd) / determinant;
  });
  const maxC: [number, number] = [referencePercentile(concentrationH, 99), referencePercentile(concentrationE, 99)];
  if (!(maxC[0] > 0 && maxC[1] > 0)) throw new SmearscopeError('INVALID_FRAME', 'one stain is absent');
  return { stainMatrix: [h, e], maxC, keptPixels: kept.length };
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function positive(v: readonly number[]): Vector3 {
  const sign = v[0] + v[1] + v[2] < 0 ? -1 : 1;
  return [sign * v[0], sign * v[1], sign * v[2]];
}

/**
 * Eigenvectors of the two largest eigenvalues of a symmetric 3x3 matrix: eigenvalues by the
 * trigonometric formula (Smith 1961), each eigenvector as the longest cross product of two rows
 * of A - lambda I.
 */
function closedFormEigen(a: number[][]): [Vector3, Vector3] {
  const offDiagonal = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
  let values: number[];
  if (offDiagonal === 0) {
    values = [a[0][0], a[1][1], a[2][2]].sort((x, y) => y - x);
  } else {
    const q = (a[0][0] + a[1][1] + a[2][2]) / 3;
    const p = Math.sqrt(((a[0][0] - q) ** 2 + (a[1][1] - q) ** 2 + (a[2][2] - q) ** 2 + 2 * offDiagonal) / 6);
    const b = a.map((row, i) => row.map((value, j) => (value - (i === j ? q : 0)) / p));
    const determinant =
      b[0][0] * (b[1][1] * b[2][2] - b[1][2] * b[2][1]) -
      b[0][1] * (b[1][0] * b[2][2] - b[1][2] * b[2][0]) +
      b[0][2] * (b[1][0] * b[2][1] - b[1][1] * b[2][0]);
    const angle = Math.acos(Math.min(1, Math.max(-1, determinant / 2))) / 3;
    const largest = q + 2 * p * Math.cos(angle);
    const smallest = q + 2 * p * Math.cos(angle + (2 * Math.PI) / 3);
    values = [largest, 3 * q - largest - smallest, smallest];
  }
  return [eigenvector(a, values[0]), eigenvector(a, values[1])];
}

function eigenvector(a: number[][], value: number): Vector3 {
  const rows = a.map((row, i) => row.map((x, j) => x - (i === j ? value : 0)));
  const candidates = [cross(rows[0], rows[1]), cross(rows[0], rows[2]), cross(rows[1], rows[2])];
  const best = candidates.reduce((x, y) => (dot(y, y) > dot(x, x) ? y : x));
  const length = Math.sqrt(dot(best, best));
  return [best[0] / length, best[1] / length, best[2] / length];
}

function cross(a: number[], b: number[]): Vector3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
