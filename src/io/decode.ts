import type { SharpOptions, default as sharpType } from 'sharp';
import { SmearscopeError } from '../errors.js';
import { checkFramePixels, type Frame } from '../frame.js';
import { DEFAULT_MAX_FRAME_PIXELS, type DecodeLimits } from './decode-limits.js';

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
 * Number of pages (TIFF directories) of an image file; 1 for PNG and JPEG. Reads headers only.
 * Throws the same typed errors as decodeImage for files that are not images or are corrupt.
 */
export async function countPages(bytes: Uint8Array, label = 'image'): Promise<number> {
  const format = checkFormat(bytes, label);
  const info = await readHeader(bytes, format, label);
  return info.pages ?? 1;
}

/**
 * Decodes a PNG, JPEG or TIFF file into an RGB8 frame with libvips (sharp; Node only: browsers
 * decode with createImageBitmap, into RGBA8). JPEG pixels equal libjpeg-turbo's, as PIL's and
 * Chromium's do. RGB, not RGBA: the SDK ignores alpha, and every stage reads a quarter fewer bytes
 * (a 2452 x 2056 frame is 15 MB instead of 20; preprocessing ~10 % faster, bench/README.md).
 * The header is checked first: too many pixels, a grayscale source, or a multi-page TIFF without
 * a `page` are typed errors before any pixel memory is allocated. 16-bit sources are scaled to
 * 8 bits. The returned frame owns a fresh pixel buffer; `label` names the source in errors.
 */
export async function decodeImage(bytes: Uint8Array, label = 'image', options: DecodeLimits = {}): Promise<Frame> {
  const format = checkFormat(bytes, label);
  const maxPixels = options.maxFramePixels ?? DEFAULT_MAX_FRAME_PIXELS;
  if (!(maxPixels > 0)) throw new SmearscopeError('INVALID_ARGUMENT', `maxFramePixels must be a positive number, got ${maxPixels}`);
  const file = await readHeader(bytes, format, label);
  const pages = file.pages ?? 1;
  if (options.page === undefined && pages > 1) {
    throw new SmearscopeError(
      'UNSUPPORTED_FORMAT',
      `${label}: the TIFF has ${pages} pages; analyze each as its own frame ` + `({ encoded, page: 0..${pages - 1} }; the CLI does this)`,
    );
  }
  if (options.page !== undefined && !(Number.isInteger(options.page) && options.page >= 0 && options.page < pages)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `${label}: page ${options.page} does not exist (the file has ${pages} page(s), from 0)`);
  }
  // Pages of one TIFF may differ in size and kind: check the page that will be decoded.
  const header = options.page ? await readHeader(bytes, format, label, options.page) : file;
  const { width = 0, height = 0 } = header;
  checkFramePixels(label, width, height, maxPixels);
  if (header.channels !== undefined && header.channels < 3 && header.space !== 'cmyk') {
    throw new SmearscopeError(
      'UNSUPPORTED_FORMAT',
      `${label}: a grayscale image (${header.channels} channel(s)); smearscope needs the ` +
        'colour of stained smears (RGB): save the frame in colour',
    );
  }
  try {
    const { data, info } = await (await open(bytes, options, maxPixels))
      .toColourspace('srgb') // 16-bit and CMYK sources become 8-bit sRGB
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return rgbFrame(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), label);
  } catch (error) {
    throw decodeError(error, format, label);
  }
}

function checkFormat(bytes: Uint8Array, label: string): ImageFormat {
  const format = sniffImageFormat(bytes);
  if (!format) throw new SmearscopeError('UNSUPPORTED_FORMAT', `${label}: not a PNG, JPEG or TIFF file (unrecognized first bytes)`);
  return format;
}

/** sharp (libvips) is loaded on first use: a process that never decodes (Node's main thread) never loads it. */
let sharpModule: Promise<typeof sharpType> | undefined;
async function sharp(input: Uint8Array, options: SharpOptions) {
  sharpModule ??= import('sharp').then((module) => module.default as typeof sharpType);
  return (await sharpModule)(input, options);
}

async function open(bytes: Uint8Array, options: DecodeLimits, maxPixels: number) {
  // failOn 'warning': a truncated or damaged file is an error, never a partly grey frame.
  return sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning', ...(options.page !== undefined ? { page: options.page } : {}) });
}

async function readHeader(bytes: Uint8Array, format: ImageFormat, label: string, page?: number) {
  try {
    // The limit is checked by us (a clearer error), so libvips gets none for the header alone.
    return await (await sharp(bytes, { limitInputPixels: false, ...(page !== undefined ? { page } : {}) })).metadata();
  } catch (error) {
    throw decodeError(error, format, label);
  }
}

function decodeError(error: unknown, format: ImageFormat, label: string): SmearscopeError {
  if (error instanceof SmearscopeError) return error;
  const reason = (error as Error).message.split('\n')[0];
  return new SmearscopeError('DECODE_FAILED', `${label}: the ${format.toUpperCase()} data is corrupt or truncated (${reason})`, {
    cause: error,
  });
}

function rgbFrame(width: number, height: number, pixels: Uint8Array, label: string): Frame {
  if (pixels.length !== width * height * 3) {
    throw new SmearscopeError('DECODE_FAILED', `${label}: decoder returned ${pixels.length} bytes for ${width} x ${height}`);
  }
  return { width, height, channels: 3, pixels, label };
}
