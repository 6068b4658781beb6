import { SmearscopeError, type SmearscopeErrorCode } from './errors.js';

/**
 * One scanner frame: 8-bit RGB or RGBA pixels, row-major, top-left origin.
 * `pixels.length` must equal `width * height * channels`. The caller owns `pixels`; when a frame
 * is sent to a worker its buffer is transferred (detached here) unless the caller asks to copy.
 */
export interface Frame {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 3 for RGB8, 4 for RGBA8 (alpha is ignored). */
  channels: 3 | 4;
  pixels: Uint8Array | Uint8ClampedArray;
  /** Physical pixel size; when absent it is estimated from the erythrocytes and reported so. */
  micronsPerPixel?: number;
  /** Optional stage position of the frame's top-left pixel, in microns (for slide deduplication). */
  stageMicrons?: { x: number; y: number };
  /** Free-form label carried into the result (a file name, a tile id). */
  label?: string;
}

/** Throws INVALID_FRAME with the reason when the frame cannot be analyzed. */
export function checkFrame(frame: Frame): void {
  if (!frame || typeof frame !== 'object') {
    throw new SmearscopeError('INVALID_FRAME', 'frame must be an object { width, height, channels, pixels }');
  }
  checkFrameHeader(frame);
  const { width, height, channels, pixels } = frame;
  if (!(pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray)) {
    throw new SmearscopeError('INVALID_FRAME', 'frame.pixels must be a Uint8Array or Uint8ClampedArray');
  }
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw new SmearscopeError(
      'INVALID_FRAME',
      `frame.pixels has ${pixels.length} bytes but ${width} x ${height} x ${channels} needs ${expected}; ` +
        'check width, height and channels (detached buffers have 0 bytes)',
    );
  }
}

/** Throws INVALID_FRAME unless size, channels and scale are valid (a frame's header, pixels aside). */
export function checkFrameHeader(frame: Omit<Frame, 'pixels'>): void {
  const { width, height, channels } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SmearscopeError('INVALID_FRAME', `frame size must be positive integers, got ${width} x ${height}`);
  }
  if (channels !== 3 && channels !== 4) {
    throw new SmearscopeError('INVALID_FRAME', `frame.channels must be 3 (RGB8) or 4 (RGBA8), got ${channels}`);
  }
  if (frame.micronsPerPixel !== undefined) checkMicronsPerPixel(frame.micronsPerPixel, 'INVALID_FRAME', 'frame.micronsPerPixel');
}

/**
 * The one check of a scale, microns per pixel (frames, analyze options, localization, patches):
 * throws `code` naming `label` unless it is a positive finite number.
 */
export function checkMicronsPerPixel(value: unknown, code: SmearscopeErrorCode, label: string): asserts value is number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new SmearscopeError(code, `${label} must be a positive number of microns per pixel, got ${value}`);
  }
}

/**
 * A frame still encoded as PNG, JPEG or TIFF bytes: it is decoded inside a preprocess worker, in
 * parallel, and a file that does not decode becomes that frame's error result.
 */
export interface EncodedFrame {
  encoded: Uint8Array;
  /** Page of a multi-page TIFF, from 0 (required for those: one frame per page). */
  page?: number;
  micronsPerPixel?: number;
  stageMicrons?: { x: number; y: number };
  label?: string;
}

/** What the analysis accepts per frame. */
export type FrameInput = Frame | EncodedFrame;

export function isEncodedFrame(input: FrameInput): input is EncodedFrame {
  return (input as EncodedFrame).encoded instanceof Uint8Array;
}

/** FRAME_TOO_LARGE when a frame of width x height is over `maxFramePixels` (checked before its
 * pixels are decoded or sent anywhere). */
export function checkFramePixels(label: string, width: number, height: number, maxFramePixels: number): void {
  if (width * height > maxFramePixels) {
    throw new SmearscopeError(
      'FRAME_TOO_LARGE',
      `${label}: ${width} x ${height} pixels is over the limit of ${maxFramePixels} ` +
        '(frameLimits.maxFramePixels); split it into tiles or raise the limit',
    );
  }
}

/** INVALID_FRAME unless `input` is a well-formed Frame or an EncodedFrame (checked on the caller's
 * thread, before anything is sent to a worker). */
export function checkFrameInput(input: unknown): asserts input is FrameInput {
  if (typeof input !== 'object' || input === null) {
    throw new SmearscopeError(
      'INVALID_FRAME',
      `a frame must be an object { width, height, channels, pixels } or { encoded }, got ${input === null ? 'null' : typeof input}`,
    );
  }
  if ('encoded' in input) {
    const { encoded, micronsPerPixel } = input as EncodedFrame;
    if (!(encoded instanceof Uint8Array))
      throw new SmearscopeError('INVALID_FRAME', 'frame.encoded must be the image file as a Uint8Array');
    if (micronsPerPixel !== undefined && !(micronsPerPixel > 0 && Number.isFinite(micronsPerPixel))) {
      throw new SmearscopeError('INVALID_FRAME', `frame.micronsPerPixel must be a positive number, got ${micronsPerPixel}`);
    }
    return;
  }
  checkFrame(input as Frame);
}
