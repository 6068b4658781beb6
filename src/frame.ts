import { SmearscopeError, type SmearscopeErrorCode } from './errors.js';

/**
 * One scanner frame: 8-bit RGB or RGBA pixels, row-major, top-left origin.
 * `pixels.length` must equal `width * height * channels`. The caller owns `pixels` and keeps them
 * as they were: the scope copies them once on their way to the kernels (unless
 * AnalyzeOptions.transferFrames hands their buffer over; see also WriterFrame, which saves that copy).
 * Any object with these fields will do (a class with getters too); only these fields are read, and
 * nothing else of the object goes to a worker.
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
  checkStageMicrons(frame.stageMicrons);
}

/** Throws INVALID_FRAME unless a stage position is absent or { x, y } in finite microns. */
function checkStageMicrons(stageMicrons: unknown): void {
  if (stageMicrons === undefined) return;
  const { x, y } = (stageMicrons ?? {}) as { x?: unknown; y?: unknown };
  if (typeof stageMicrons !== 'object' || !Number.isFinite(x) || !Number.isFinite(y)) {
    throw new SmearscopeError(
      'INVALID_FRAME',
      `frame.stageMicrons must be { x, y } in microns (finite numbers), got ${JSON.stringify(stageMicrons) ?? String(stageMicrons)}`,
    );
  }
}

/**
 * The one check of a scale, microns per pixel (frames, analyze options, localization, patches):
 * throws `code` naming `label` unless it is a positive finite number.
 */
export function checkMicronsPerPixel(value: unknown, code: SmearscopeErrorCode, label: string): asserts value is number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    // A string is quoted: '0.075' must not read as the number it spells.
    const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
    throw new SmearscopeError(code, `${label} must be a positive number of microns per pixel, got ${got}`);
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

/**
 * A raw frame whose pixels the scope asks for when a preprocess worker is free to take them:
 * `writePixels(target)` writes `width * height * channels` bytes (RGB8 or RGBA8, row-major, no
 * padding) into `target`, which is the worker's kernel memory itself where it is shared (Node,
 * cross-origin isolated pages) and a recycled transfer buffer elsewhere (there the worker copies it
 * into its kernels, as it does a plain Frame's; so do GPU-planned batches, whose pixels travel on
 * to the inference worker). Where memory is shared the scope makes no copy at all: for a source
 * that produces pixels anyway (a camera SDK filling a given buffer, a raw file read with
 * `fs.readSync(fd, target)`, a decoder with an output argument) this saves the frame's one copy
 * (~1-3.5 ms of CPU per 2452 x 2056 RGBA frame on the caller's thread).
 */
export interface WriterFrame {
  width: number;
  height: number;
  /** 3 for RGB8, 4 for RGBA8 (alpha is ignored). */
  channels: 3 | 4;
  /**
   * Writes the frame's pixels into `target` (exactly `width * height * channels` bytes) on the
   * thread that runs the analysis; may return a promise. It is called once per attempt: again when
   * the frame is retried (its worker crashed, or it was refused for its scale before the run was
   * calibrated), so it must be able to write the same pixels twice (a camera that hands out each
   * frame once keeps it until the promise settles). Do not keep `target` after it returns (or its
   * promise settles): the memory is the next frame's. A throw or rejection fails this frame
   * (IO_FAILED, with the message); a returned promise that overruns `frameLimits.decodeMs` fails it
   * with FRAME_TIMEOUT (a synchronous writer cannot be interrupted). After either, or an abort, the
   * memory it was given is never reused (its worker is replaced), so a write still in flight
   * cannot reach another frame's pixels.
   */
  writePixels(target: Uint8Array): void | Promise<void>;
  micronsPerPixel?: number;
  stageMicrons?: { x: number; y: number };
  label?: string;
}

/** What the analysis accepts per frame. */
export type FrameInput = Frame | EncodedFrame | WriterFrame;

export function isEncodedFrame(input: FrameInput): input is EncodedFrame {
  return (input as EncodedFrame).encoded instanceof Uint8Array;
}

export function isWriterFrame(input: FrameInput): input is WriterFrame {
  return typeof (input as WriterFrame).writePixels === 'function';
}

/** A raw frame's header (size, channels, scale, stage position, label): what goes with its pixels
 * to a worker, and nothing else of the caller's object (its own fields and methods, which a post
 * would copy or refuse with DataCloneError; getters, which a copy of the object would drop). */
export function frameHeader(frame: Frame | WriterFrame): Omit<Frame, 'pixels'> {
  const { width, height, channels } = frame;
  return { width, height, channels, ...placementFields(frame) };
}

/** An encoded frame's fields that its decoding worker reads, and nothing else of the caller's
 * object (a method would make the post fail; getters are read here). */
export function encodedFrameHeader(frame: EncodedFrame): EncodedFrame {
  const { encoded, page } = frame;
  return { encoded, ...(page !== undefined ? { page } : {}), ...placementFields(frame) };
}

/** Scale, stage position (as a plain { x, y }) and label, those present, of any kind of frame. */
function placementFields(
  frame: Pick<Frame, 'micronsPerPixel' | 'stageMicrons' | 'label'>,
): Pick<Frame, 'micronsPerPixel' | 'stageMicrons' | 'label'> {
  const { micronsPerPixel, stageMicrons, label } = frame;
  return {
    ...(micronsPerPixel !== undefined ? { micronsPerPixel } : {}),
    ...(stageMicrons !== undefined ? { stageMicrons: { x: stageMicrons.x, y: stageMicrons.y } } : {}),
    ...(label !== undefined ? { label } : {}),
  };
}

/** A raw or encoded frame as a plain object of its fields (getters read, nothing else of the
 * caller's object): what may be spread, copied or posted. */
export function plainFrame(input: Frame | EncodedFrame): Frame | EncodedFrame {
  return isEncodedFrame(input) ? encodedFrameHeader(input) : { ...frameHeader(input), pixels: input.pixels };
}

/** A WriterFrame's writePixels threw or rejected: IO_FAILED (the frame's source failed; the frame
 * is not retried for it). */
export function writePixelsFailure(label: string, error: unknown): SmearscopeError {
  return new SmearscopeError('IO_FAILED', `${label}: writePixels threw: ${error instanceof Error ? error.message : String(error)}`);
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

/** INVALID_FRAME unless `input` is a well-formed Frame, EncodedFrame or WriterFrame (checked on the
 * caller's thread, before anything is sent to a worker). */
export function checkFrameInput(input: unknown): asserts input is FrameInput {
  const hint = browserObjectHint(input);
  if (hint) throw new SmearscopeError('INVALID_FRAME', `a frame cannot be ${hint}`);
  if (typeof input !== 'object' || input === null) {
    throw new SmearscopeError(
      'INVALID_FRAME',
      'a frame must be an object { width, height, channels, pixels }, { encoded } or ' +
        `{ width, height, channels, writePixels }, got ${input === null ? 'null' : typeof input}`,
    );
  }
  if ('writePixels' in input) {
    const frame = input as WriterFrame & { pixels?: unknown; encoded?: unknown };
    if (typeof frame.writePixels !== 'function') {
      throw new SmearscopeError(
        'INVALID_FRAME',
        `frame.writePixels must be a function (target: Uint8Array) => void, got ${typeof frame.writePixels}`,
      );
    }
    if (frame.pixels !== undefined || frame.encoded !== undefined) {
      throw new SmearscopeError('INVALID_FRAME', 'a frame gives its pixels one way: pixels, encoded or writePixels, not two');
    }
    checkFrameHeader(frame);
    return;
  }
  if ('encoded' in input) {
    const { encoded, micronsPerPixel } = input as EncodedFrame;
    if (!(encoded instanceof Uint8Array)) {
      const hint = browserObjectHint(encoded);
      throw new SmearscopeError('INVALID_FRAME', `frame.encoded must be the image file as a Uint8Array${hint ? `, not ${hint}` : ''}`);
    }
    if (micronsPerPixel !== undefined) checkMicronsPerPixel(micronsPerPixel, 'INVALID_FRAME', 'frame.micronsPerPixel');
    checkStageMicrons((input as EncodedFrame).stageMicrons);
    return;
  }
  checkFrame(input as Frame);
}

/**
 * What a browser object that pages often hold in place of a frame is, and how to make a frame of
 * it; undefined for anything else. By its tag, so it works across realms and in Node (Blob, ArrayBuffer).
 */
function browserObjectHint(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const kind = Object.prototype.toString.call(value).slice(8, -1);
  switch (kind) {
    case 'File':
    case 'Blob':
      return `a ${kind} as such: read its bytes, { encoded: new Uint8Array(await file.arrayBuffer()) }`;
    case 'ArrayBuffer':
    case 'SharedArrayBuffer':
      return `an ${kind}: wrap it, { encoded: new Uint8Array(buffer) } for an image file`;
    case 'ImageData':
      return 'an ImageData as such: pass { width: d.width, height: d.height, channels: 4, pixels: d.data }';
    case 'HTMLImageElement':
    case 'HTMLCanvasElement':
    case 'OffscreenCanvas':
    case 'ImageBitmap':
    case 'VideoFrame':
    case 'HTMLVideoElement':
      return `${kind === 'VideoFrame' ? 'a' : 'an'} ${kind}: draw it on a canvas and pass its getImageData() as { width, height, channels: 4, pixels: data }, or pass the image file's bytes as { encoded }`;
    default:
      return undefined;
  }
}
