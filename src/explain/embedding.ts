import { SmearscopeError } from '../errors.js';

/**
 * 2-D map of a slide's cell embeddings for the UI: principal component analysis by power
 * iteration with deflation.
 *
 * Why PCA and not UMAP/t-SNE: those need a nearest-neighbour graph and a stochastic layout,
 * i.e. a dependency (or a lot of code), seconds of CPU for a few thousand cells, and results that
 * change from run to run and jump when cells are added. PCA is a few matrix-vector products,
 * deterministic in the browser and in Node alike, and its axes are fixed, so new cells can be
 * placed on the same map (projectOntoAxes) while a slide is still being scanned.
 */
export interface EmbeddingProjection {
  /** Cell coordinates, cellCount x componentCount, row-major (cell n = [pc1, pc2, ...]). */
  coordinates: Float32Array;
  componentCount: number;
  featureCount: number;
  /** Unit principal axes, componentCount x featureCount, row-major; the largest entry of each is
   * made positive so the map does not flip between runs. */
  axes: Float32Array;
  /** Feature means subtracted before projecting. */
  mean: Float32Array;
  /** Variance along each axis (eigenvalues of the sample covariance, divisor N - 1). */
  variances: number[];
  /** variances / total variance (0 when all cells are equal). */
  explainedVarianceRatio: number[];
  /** Whether each axis met the tolerance within maxIterations. */
  converged: boolean[];
}

export interface EmbeddingOptions {
  /** Number of axes; default 2. */
  componentCount?: number;
  /** Per axis; default 500. */
  maxIterations?: number;
  /** Stop when 1 - |cos(angle between successive axis estimates)| < this; default 1e-12. */
  tolerance?: number;
}

/**
 * Projects `features` (cellCount x featureCount float32, row-major, e.g. the model's pooled
 * embedding output; read only) onto its principal axes. Cost per iteration is two passes over
 * the features (the covariance matrix is never formed), memory O(featureCount).
 */
export function projectEmbeddings(
  features: Float32Array,
  cellCount: number,
  featureCount: number,
  options: EmbeddingOptions = {},
): EmbeddingProjection {
  const { componentCount = 2, maxIterations = 500, tolerance = 1e-12 } = options;
  if (!(Number.isInteger(cellCount) && cellCount >= 1 && Number.isInteger(featureCount) && featureCount >= 1)) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `cellCount and featureCount must be positive integers, got ${cellCount} and ${featureCount}`,
    );
  }
  if (features.length !== cellCount * featureCount) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `features hold ${features.length} values, ${cellCount} x ${featureCount} needs ${cellCount * featureCount}`,
    );
  }
  if (!(Number.isInteger(componentCount) && componentCount >= 1 && componentCount <= featureCount)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `componentCount must be an integer in [1, ${featureCount}], got ${componentCount}`);
  }
  const mean = new Float64Array(featureCount);
  for (let n = 0; n < cellCount; n++) {
    for (let d = 0; d < featureCount; d++) mean[d] += features[n * featureCount + d];
  }
  for (let d = 0; d < featureCount; d++) mean[d] /= cellCount;
  let totalVariance = 0;
  for (let n = 0; n < cellCount; n++) {
    for (let d = 0; d < featureCount; d++) {
      const centred = features[n * featureCount + d] - mean[d];
      totalVariance += centred * centred;
    }
  }
  const divisor = Math.max(cellCount - 1, 1);
  totalVariance /= divisor;

  // Covariance times a vector without forming the covariance: C v = Xcᵀ (Xc v) / (N - 1).
  const scores = new Float64Array(cellCount);
  const covarianceTimes = (v: Float64Array, out: Float64Array): void => {
    let meanDotV = 0;
    for (let d = 0; d < featureCount; d++) meanDotV += mean[d] * v[d];
    for (let n = 0; n < cellCount; n++) {
      let dot = 0;
      for (let d = 0; d < featureCount; d++) dot += features[n * featureCount + d] * v[d];
      scores[n] = dot - meanDotV;
    }
    out.fill(0);
    for (let n = 0; n < cellCount; n++) {
      const s = scores[n];
      for (let d = 0; d < featureCount; d++) out[d] += features[n * featureCount + d] * s;
    }
    // The centred scores sum to zero, so subtracting the mean's share is not needed here.
    for (let d = 0; d < featureCount; d++) out[d] /= divisor;
  };

  const axes: Float64Array[] = [];
  const variances: number[] = [];
  const converged: boolean[] = [];
  const next = new Float64Array(featureCount);
  for (let component = 0; component < componentCount; component++) {
    const v = startVector(featureCount, component);
    orthogonalize(v, axes);
    normalizeInPlace(v);
    let done = false;
    let eigenvalue = 0;
    for (let iteration = 0; iteration < maxIterations && !done; iteration++) {
      covarianceTimes(v, next);
      // Deflation: remove the axes already found, C' = C - sum_j λ_j a_j a_jᵀ, then re-orthogonalize
      // against them so rounding cannot bring them back.
      for (let j = 0; j < axes.length; j++) {
        const along = dot(axes[j], v) * variances[j];
        for (let d = 0; d < featureCount; d++) next[d] -= along * axes[j][d];
      }
      orthogonalize(next, axes);
      eigenvalue = dot(v, next); // Rayleigh quotient (v is unit)
      const norm = Math.sqrt(dot(next, next));
      if (norm < 1e-300) {
        eigenvalue = 0; // no variance left in the remaining directions
        done = true;
        break;
      }
      const cosine = dot(v, next) / norm;
      for (let d = 0; d < featureCount; d++) v[d] = next[d] / norm;
      done = 1 - Math.abs(cosine) < tolerance;
    }
    fixSign(v);
    axes.push(v);
    variances.push(Math.max(eigenvalue, 0));
    converged.push(done);
  }

  const axesFlat = new Float32Array(componentCount * featureCount);
  axes.forEach((axis, c) => axesFlat.set(axis, c * featureCount));
  const projection: EmbeddingProjection = {
    coordinates: new Float32Array(0),
    componentCount,
    featureCount,
    axes: axesFlat,
    mean: Float32Array.from(mean),
    variances,
    explainedVarianceRatio: variances.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
    converged,
  };
  projection.coordinates = projectOntoAxes(projection, features, cellCount);
  return projection;
}

/**
 * Places cells (cellCount x featureCount float32, read only) on the axes of an existing
 * projection: (x - mean) · axis for each axis. Returns a new cellCount x componentCount buffer.
 */
export function projectOntoAxes(projection: EmbeddingProjection, features: Float32Array, cellCount: number): Float32Array {
  const { featureCount, componentCount, axes, mean } = projection;
  if (features.length !== cellCount * featureCount) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `features hold ${features.length} values, ${cellCount} x ${featureCount} needs ${cellCount * featureCount}`,
    );
  }
  const coordinates = new Float32Array(cellCount * componentCount);
  for (let n = 0; n < cellCount; n++) {
    for (let c = 0; c < componentCount; c++) {
      let sum = 0;
      for (let d = 0; d < featureCount; d++) sum += (features[n * featureCount + d] - mean[d]) * axes[c * featureCount + d];
      coordinates[n * componentCount + c] = sum;
    }
  }
  return coordinates;
}

/** A fixed pseudo-random start (LCG): deterministic, and almost surely not orthogonal to the
 * wanted axis, which a constant start could be. */
function startVector(length: number, seed: number): Float64Array {
  const v = new Float64Array(length);
  let state = (0x9e3779b9 ^ (seed * 0x85ebca6b)) >>> 0;
  for (let d = 0; d < length; d++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    v[d] = state / 0x100000000 - 0.5;
  }
  return v;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) sum += a[d] * b[d];
  return sum;
}

function orthogonalize(v: Float64Array, axes: readonly Float64Array[]): void {
  for (const axis of axes) {
    const along = dot(axis, v);
    for (let d = 0; d < v.length; d++) v[d] -= along * axis[d];
  }
}

function normalizeInPlace(v: Float64Array): void {
  const norm = Math.sqrt(dot(v, v));
  if (norm > 0) for (let d = 0; d < v.length; d++) v[d] /= norm;
}

function fixSign(v: Float64Array): void {
  let largest = 0;
  for (let d = 1; d < v.length; d++) if (Math.abs(v[d]) > Math.abs(v[largest])) largest = d;
  if (v[largest] < 0) for (let d = 0; d < v.length; d++) v[d] = -v[d];
}
