import { checkFrame, checkFrameHeader, type Frame } from '../frame.js';
import type { KernelMemory } from './memory.js';

/** A frame copied into the kernels' linear memory; valid until the memory is released past it. */
export interface ResidentFrame {
  /** Byte offset of pixel (0, 0) in linear memory. */
  ptr: number;
  width: number;
  height: number;
  /** Bytes per pixel: 3 (RGB8) or 4 (RGBA8). */
  channels: 3 | 4;
}

/**
 * Copies a frame's pixels into kernel memory (one memcpy) so every kernel of the frame works on
 * it in place. Release with `kernels.memory.release(mark)` taken before this call.
 */
export function placeFrame(kernels: { memory: KernelMemory }, frame: Frame): ResidentFrame {
  checkFrame(frame);
  const ptr = kernels.memory.allocCopy(frame.pixels);
  return { ptr, width: frame.width, height: frame.height, channels: frame.channels };
}

/** A frame without its pixels: they are already in kernel memory at `inboxPtr`, written there by
 * another thread (the preprocess pool, into a worker's shared memory). */
export type InboxFrame = Omit<Frame, 'pixels'> & { inboxPtr: number };

/**
 * A frame whose pixels another thread wrote into kernel memory at `frame.inboxPtr` (the next
 * buffer: nothing may be allocated between that write and this call): reserved in place, no copy.
 * Release as `placeFrame`'s.
 */
export function adoptFrame(kernels: { memory: KernelMemory }, frame: InboxFrame): ResidentFrame {
  checkFrameHeader(frame);
  const { width, height, channels } = frame;
  const ptr = kernels.memory.adopt(frame.inboxPtr, width * height * channels);
  return { ptr, width, height, channels };
}
