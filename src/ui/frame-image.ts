// What the station shows and stores of an input frame: a decoded bitmap for the screen and an
// encoded image for IndexedDB (the file itself when there is one, else a PNG of the pixels).
import type { EncodedFrame, Frame, FrameInput } from '../index.js';
import { checkFrameInput, checkFramePixels, frameHeader, isWriterFrame, plainFrame, writePixelsFailure } from '../frame.js';
import { DEFAULT_MAX_FRAME_PIXELS } from '../io/decode-limits.js';

export interface FrameImage {
  /** Decodes to the bitmap the overview and the crops are drawn from. */
  bitmap(): Promise<ImageBitmap>;
  /** The encoded image to keep for a reload. */
  blob(): Promise<Blob>;
}

/** Reads an input for the station; for raw frames the pixels are copied now (the SDK may take them). */
export function frameImage(input: FrameInput | Blob): FrameImage {
  if (input instanceof Blob) return fromBlob(input);
  if ((input as EncodedFrame).encoded instanceof Uint8Array)
    return fromBlob(new Blob([(input as EncodedFrame).encoded as Uint8Array<ArrayBuffer>]));
  const frame = input as Frame;
  const rgba = toRgba(frame);
  const image = new ImageData(rgba, frame.width, frame.height);
  return {
    bitmap: () => createImageBitmap(image),
    async blob() {
      const canvas = new OffscreenCanvas(frame.width, frame.height);
      canvas.getContext('2d')!.putImageData(image, 0, 0);
      return canvas.convertToBlob({ type: 'image/png' });
    },
  };
}

function fromBlob(blob: Blob): FrameImage {
  return { bitmap: () => createImageBitmap(blob), blob: async () => blob };
}

/** The input with pixels of its own: the station shows and stores every frame, so a WriterFrame
 * writes into a buffer of the station's (then analyzed as a plain frame); others are returned as
 * they are. A malformed or oversized writer frame is refused (INVALID_FRAME, FRAME_TOO_LARGE) before
 * its buffer is allocated; a writer that throws, IO_FAILED. */
export async function withOwnPixels(
  input: FrameInput | Blob,
  maxFramePixels = DEFAULT_MAX_FRAME_PIXELS,
): Promise<Exclude<FrameInput, { writePixels: unknown }> | Blob> {
  if (input instanceof Blob || !isWriterFrame(input)) return input;
  checkFrameInput(input);
  const label = input.label ?? 'frame';
  checkFramePixels(label, input.width, input.height, maxFramePixels);
  const pixels = new Uint8Array(input.width * input.height * input.channels);
  try {
    await input.writePixels(pixels); // called as a method: a writer may be a class instance
  } catch (error) {
    throw writePixelsFailure(label, error);
  }
  return { ...frameHeader(input), pixels };
}

/** RGBA8 copy of an RGB8 or RGBA8 frame (alpha forced opaque: the SDK ignores it). */
export function toRgba(frame: Frame): Uint8ClampedArray<ArrayBuffer> {
  const n = frame.width * frame.height;
  const rgba = new Uint8ClampedArray(n * 4);
  const source = frame.pixels;
  for (let i = 0, j = 0; i < n; i++, j += frame.channels) {
    rgba[4 * i] = source[j];
    rgba[4 * i + 1] = source[j + 1];
    rgba[4 * i + 2] = source[j + 2];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}

/**
 * What the station queues for analysis: the frame's own fields (plainFrame: a class with getters
 * is read through them, its methods stay behind), `fallbackLabel` when it has no label, and the
 * toolbar's `micronsPerPixel` when it has no scale of its own.
 */
export function stationFrameInput(input: Frame | EncodedFrame, fallbackLabel: string, micronsPerPixel?: number): Frame | EncodedFrame {
  const frame = { ...plainFrame(input), label: input.label ?? fallbackLabel };
  return micronsPerPixel && !frame.micronsPerPixel ? { ...frame, micronsPerPixel } : frame;
}
