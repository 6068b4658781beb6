import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
// @ts-expect-error utif ships no types; we use decode/decodeImage/toRGBA8 only.
import UTIF from 'utif';
import { SmearscopeError } from '../errors.js';
import type { Frame } from '../frame.js';

export type ImageFormat = 'png' | 'jpeg' | 'tiff';

/** Recognizes PNG, JPEG and TIFF by their first bytes; undefined for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (
    bytes.length >= 4 &&
    ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 0x2a) || (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[3] === 0x2a))
  ) {
    return 'tiff';
  }
  return undefined;
}

/**
 * Decodes a PNG, JPEG or TIFF file into an RGBA8 frame (Node; browsers decode with
 * createImageBitmap). The returned frame owns a fresh pixel buffer. `label` names the source in
 * error messages.
 */
export function decodeImage(bytes: Uint8Array, label = 'image'): Frame {
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new SmearscopeError('UNSUPPORTED_FORMAT', `${label}: not a PNG, JPEG or TIFF file (unrecognized first bytes)`);
  }
  try {
    switch (format) {
      case 'png': {
        const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        return rgbaFrame(png.width, png.height, new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), label);
      }
      case 'jpeg': {
        const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024, maxResolutionInMP: 200 });
        return rgbaFrame(image.width, image.height, image.data, label);
      }
      case 'tiff': {
        const ifds = UTIF.decode(bytes);
        if (!ifds.length) throw new Error('no image directory');
        UTIF.decodeImage(bytes, ifds[0]);
        const rgba: Uint8Array = UTIF.toRGBA8(ifds[0]);
        return rgbaFrame(ifds[0].width, ifds[0].height, rgba, label);
      }
    }
  } catch (error) {
    if (error instanceof SmearscopeError) throw error;
    throw new SmearscopeError(
      'DECODE_FAILED',
      `${label}: the ${format.toUpperCase()} data is corrupt or truncated (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
}

function rgbaFrame(width: number, height: number, pixels: Uint8Array, label: string): Frame {
  if (pixels.length !== width * height * 4) {
    throw new SmearscopeError('DECODE_FAILED', `${label}: decoder returned ${pixels.length} bytes for ${width} x ${height}`);
  }
  return { width, height, channels: 4, pixels, label };
}
