import { SmearscopeError } from '../errors.js';
import type { StainReference } from '../stain/reference.js';
import type { StainJitter } from './jitter.js';

/**
 * An OD-space map for assembly/stain-map.ts and stainNormalize: I'_c = min(255, Io * gains[c] *
 * exp(-(transform * OD)_c)). `transform`: 9 f32 row-major (row = output channel R, G, B; column =
 * input OD R, G, B); `gains`: 3 f32. New arrays owned by the caller.
 */
export interface StainMap {
  transform: Float32Array;
  gains: Float32Array;
}

/**
 * The 3x3 OD-space matrix that normalizes pixels stained like `source` to look stained like
 * `reference` (both Macenko fits: stain vectors in OD units per unit concentration, maxC in
 * concentration units). Every Macenko step is linear in OD, so
 *   C = pinv(S_src^T) * OD,   C' = diag(maxC_ref / maxC_src) * C,   OD' = Ref^T * C'
 * collapses to OD' = M * OD with M = Ref^T * diag(maxC_ref / maxC_src) * pinv(S_src^T).
 * Returns M row-major (row = output channel R, G, B; column = input OD R, G, B) as the 9 f32 that
 * assembly/stain-map.ts expects; a new array owned by the caller.
 */
export function stainTransform(source: StainReference, reference: StainReference): Float32Array {
  return stainMap(source, reference).transform;
}

/**
 * The map that normalizes `source` to `reference` and then applies a stain jitter in the
 * reference's concentration space (Tellez et al.): C'' = scale * C' + shift per stain (as the
 * training augmentation in models/train/augment.py does).
 * The shift adds the same OD to every pixel, so it becomes a per-channel gain exp(-Ref^T shift).
 * Without `jitter` the gains are 1 and the transform equals `stainTransform`. Pass the same fit as
 * source and reference to jitter a frame without normalizing it.
 */
export function stainMap(source: StainReference, reference: StainReference, jitter?: StainJitter): StainMap {
  checkStainReference(source, 'source');
  checkStainReference(reference, 'reference');
  const scale = jitter?.scale ?? [1, 1];
  const shift = jitter?.shift ?? [0, 0];
  const unmix = concentrationUnmixing(source.stainMatrix, 'source');
  const transform = new Float32Array(9);
  const gains = new Float32Array(3);
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 3; column++) {
      let sum = 0;
      for (let stain = 0; stain < 2; stain++) {
        const ratio = (reference.maxC[stain] / source.maxC[stain]) * scale[stain];
        sum += reference.stainMatrix[stain][row] * ratio * unmix[stain][column];
      }
      transform[row * 3 + column] = sum;
    }
    const offset = reference.stainMatrix.reduce((sum, vector, stain) => sum + vector[row] * shift[stain], 0);
    gains[row] = Math.exp(-offset);
  }
  // A bound keeps M * OD finite in float32 in the kernel (an infinite entry times OD 0 is NaN).
  if (![...transform, ...gains].every((entry) => Math.abs(entry) < 1e9)) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      'the stain map overflows float32: source and reference maxC (or the jitter) differ by many orders of magnitude',
    );
  }
  return { transform, gains };
}

/**
 * pinv(S^T) = (S S^T)^-1 S for a 2x3 stain matrix S: the 2x3 matrix that maps an OD vector to its
 * least-squares concentrations of the two stains. Throws INVALID_ARGUMENT when the two stain
 * vectors are (nearly) parallel, since the concentrations are then undetermined.
 */
export function concentrationUnmixing(
  stainMatrix: StainReference['stainMatrix'],
  label: string,
): [[number, number, number], [number, number, number]] {
  const [h, e] = stainMatrix;
  const hh = dot(h, h);
  const he = dot(h, e);
  const ee = dot(e, e);
  const determinant = hh * ee - he * he;
  // Relative to the vector lengths: sin^2 of the angle between the stains.
  if (!(determinant > 1e-8 * hh * ee)) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `${label} stain vectors are parallel, so concentrations are undetermined; refit on an image with both stains`,
    );
  }
  const unmix: [[number, number, number], [number, number, number]] = [
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let channel = 0; channel < 3; channel++) {
    unmix[0][channel] = (ee * h[channel] - he * e[channel]) / determinant;
    unmix[1][channel] = (hh * e[channel] - he * h[channel]) / determinant;
  }
  return unmix;
}

/** Throws INVALID_ARGUMENT unless `stain` is a usable Macenko fit (2x3 finite matrix, positive maxC). */
export function checkStainReference(stain: StainReference, label: string): void {
  const matrix = stain?.stainMatrix;
  const rowsOk =
    Array.isArray(matrix) &&
    matrix.length === 2 &&
    matrix.every((row) => Array.isArray(row) && row.length === 3 && row.every(Number.isFinite)) &&
    matrix.every((row) => dot(row, row) > 0);
  if (!rowsOk) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `${label}.stainMatrix must be [[r, g, b], [r, g, b]] of finite numbers, neither row all zero`,
    );
  }
  const maxC = stain.maxC;
  if (!Array.isArray(maxC) || maxC.length !== 2 || !maxC.every((c) => Number.isFinite(c) && c > 0)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `${label}.maxC must be two positive finite numbers [h, e]`);
  }
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
