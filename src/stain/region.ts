import { SmearscopeError } from '../errors.js';
import type { ResidentFrame } from '../kernels/resident-frame.js';

/** A rectangle of a frame, in pixels, top-left origin. */
export interface PixelRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Which pixels a stain fit reads: a region of a resident frame, sampled every `pixelStride` pixels. */
export interface SampledRegion {
  /** Byte offset of the region's top-left pixel in kernel memory. */
  origin: number;
  /** Byte pitch of one frame row. */
  rowBytes: number;
  channels: 3 | 4;
  /** Region size in pixels. */
  columns: number;
  rows: number;
  /** Sample every pixelStride-th pixel of every pixelStride-th row (1 = all pixels). */
  pixelStride: number;
  /** How many pixels the sampling visits. */
  sampledPixels: number;
}

/**
 * Validates `region` (default: the whole frame) and `pixelStride` (default 1) against the frame;
 * throws INVALID_ARGUMENT saying what is wrong.
 */
export function sampleRegion(resident: ResidentFrame, region: PixelRegion | undefined, pixelStride = 1): SampledRegion {
  const { x, y, width, height } = region ?? { x: 0, y: 0, width: resident.width, height: resident.height };
  const integers = [x, y, width, height].every(Number.isInteger);
  if (!integers || x < 0 || y < 0 || width < 1 || height < 1 || x + width > resident.width || y + height > resident.height) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `region ${JSON.stringify(region)} must be whole pixels inside the ${resident.width} x ${resident.height} frame`,
    );
  }
  if (!Number.isInteger(pixelStride) || pixelStride < 1 || pixelStride > 4096) {
    throw new SmearscopeError('INVALID_ARGUMENT', `pixelStride must be an integer from 1 to 4096, got ${pixelStride}`);
  }
  const rowBytes = resident.width * resident.channels;
  return {
    origin: resident.ptr + y * rowBytes + x * resident.channels,
    rowBytes,
    channels: resident.channels,
    columns: width,
    rows: height,
    pixelStride,
    sampledPixels: Math.ceil(width / pixelStride) * Math.ceil(height / pixelStride),
  };
}
