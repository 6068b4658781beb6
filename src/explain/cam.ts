import { SmearscopeError } from '../errors.js';

/** A small heatmap over the model's last feature map, row-major. */
export interface CamMap {
  /** height x width values; in [0, 1] when normalized. */
  values: Float32Array;
  width: number;
  height: number;
}

/** Shape of one cell's last feature map [channels, height, width] (the model's NCHW minus N). */
export interface FeatureMapShape {
  channels: number;
  height: number;
  width: number;
}

export interface CamOptions {
  /** Keep only evidence for the class (negative sums set to 0) before normalizing. Default true. */
  relu?: boolean;
  /** Scale to [0, 1]: by the maximum after ReLU, min-max without. Default true. */
  normalize?: boolean;
}

/**
 * Class activation map (Zhou et al., CVPR 2016) of cell `cellIndex` for class `classIndex`:
 * cam[y][x] = sum_k w[classIndex][k] * F[k][y][x], F being the cell's slice of `featureMaps`
 * ([N, C, h, w] float32, read only) and w the card's classifier weights [classes][C]. The bias
 * only adds a constant and is left out.
 *
 * For a network that ends in global average pooling and one linear layer this is also its
 * Grad-CAM: the gradient of logit c with respect to F[k][y][x] is w[c][k] / (h * w) everywhere,
 * so Grad-CAM's channel weights are w[c][k] up to one positive factor that normalization removes.
 *
 * Returns a new CamMap (h x w floats, owned by the caller). A map with no positive (relu) or no
 * varying (min-max) values normalizes to all zeros.
 */
export function computeCam(
  featureMaps: Float32Array,
  cellIndex: number,
  shape: FeatureMapShape,
  classifierWeights: ReadonlyArray<ArrayLike<number>>,
  classIndex: number,
  options: CamOptions = {},
): CamMap {
  const { channels, height, width } = shape;
  const { relu = true, normalize = true } = options;
  if (![channels, height, width].every((n) => Number.isInteger(n) && n > 0)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `feature map shape must be positive integers, got ${channels} x ${height} x ${width}`);
  }
  const plane = height * width;
  const offset = cellIndex * channels * plane;
  if (!Number.isInteger(cellIndex) || cellIndex < 0 || offset + channels * plane > featureMaps.length) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `cell ${cellIndex} of shape ${channels}x${height}x${width} is outside a feature buffer of ${featureMaps.length} values`,
    );
  }
  const weights = classifierWeights[classIndex];
  if (!weights || weights.length !== channels) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `classifier weights of class ${classIndex} must have ${channels} entries (one per feature channel), got ${weights?.length ?? 'none'}`,
    );
  }
  const sums = new Float64Array(plane);
  for (let k = 0; k < channels; k++) {
    const weight = weights[k];
    const base = offset + k * plane;
    for (let p = 0; p < plane; p++) sums[p] += weight * featureMaps[base + p];
  }
  const values = new Float32Array(plane);
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < plane; p++) {
    const v = relu && sums[p] < 0 ? 0 : sums[p];
    sums[p] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // With ReLU the floor is 0 by construction, so scale by the maximum; without, stretch min..max.
  const floor = relu ? 0 : min;
  const range = max - floor;
  for (let p = 0; p < plane; p++) {
    values[p] = !normalize ? sums[p] : range > 0 ? (sums[p] - floor) / range : 0;
  }
  return { values, width, height };
}

export interface CamOverlayOptions {
  /** Opacity at map value 1, in [0, 1]; value 0 is fully transparent. Default 0.6. */
  maxAlpha?: number;
}

/**
 * Upsamples a normalized CamMap to the patch size (bilinear, pixel centres aligned, edges
 * clamped) and colours it with the jet colormap; alpha grows with the value so the cell shows
 * through where the map is cold. Returns RGBA8 widthPx x heightPx x 4, row-major, a new buffer
 * owned by the caller (ready for ImageData). Map values are clamped to [0, 1].
 */
export function camOverlay(map: CamMap, widthPx: number, heightPx: number, options: CamOverlayOptions = {}): Uint8ClampedArray {
  const { maxAlpha = 0.6 } = options;
  if (!(Number.isInteger(widthPx) && Number.isInteger(heightPx) && widthPx > 0 && heightPx > 0)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `overlay size must be positive integers, got ${widthPx} x ${heightPx}`);
  }
  if (!(maxAlpha >= 0 && maxAlpha <= 1)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `maxAlpha must lie in [0, 1], got ${maxAlpha}`);
  }
  if (map.values.length !== map.width * map.height || map.values.length === 0) {
    throw new SmearscopeError('INVALID_ARGUMENT', `CAM map holds ${map.values.length} values for ${map.width} x ${map.height}`);
  }
  const rgba = new Uint8ClampedArray(widthPx * heightPx * 4);
  for (let y = 0; y < heightPx; y++) {
    const sy = clamp(((y + 0.5) * map.height) / heightPx - 0.5, 0, map.height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, map.height - 1);
    const fy = sy - y0;
    for (let x = 0; x < widthPx; x++) {
      const sx = clamp(((x + 0.5) * map.width) / widthPx - 0.5, 0, map.width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, map.width - 1);
      const fx = sx - x0;
      const top = map.values[y0 * map.width + x0] * (1 - fx) + map.values[y0 * map.width + x1] * fx;
      const bottom = map.values[y1 * map.width + x0] * (1 - fx) + map.values[y1 * map.width + x1] * fx;
      const value = clamp(top * (1 - fy) + bottom * fy, 0, 1);
      const o = (y * widthPx + x) * 4;
      // jet: blue -> cyan -> yellow -> red
      rgba[o] = 255 * clamp(1.5 - Math.abs(4 * value - 3), 0, 1);
      rgba[o + 1] = 255 * clamp(1.5 - Math.abs(4 * value - 2), 0, 1);
      rgba[o + 2] = 255 * clamp(1.5 - Math.abs(4 * value - 1), 0, 1);
      rgba[o + 3] = 255 * maxAlpha * value;
    }
  }
  return rgba;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : Math.min(value, high);
}
