import { KERNEL_MEMORY_MAX_BYTES, PAGE_BYTES } from '../kernels/memory.js';

/** A preprocess worker's kernel memory (shared) and where its next frame goes (PreprocessWorkerApi.inbox). */
export interface FrameInbox {
  memory: WebAssembly.Memory;
  ptr: number;
}

/** The kernels may read up to 16 bytes past a frame's last pixel (assembly/patch.ts). */
const READ_PAST_BYTES = 16;

/**
 * Writes a frame's pixels straight into a worker's kernel memory at its inbox, growing the memory
 * first: the one copy a frame costs on its way to the kernels. Call only while the worker is
 * between frames (the pool holds its slot). False where they would not fit (past the kernels'
 * 2 GiB, or the memory cannot grow): send the pixels instead, and the worker reports the error.
 */
export function writeFrameInbox(inbox: FrameInbox, pixels: Uint8Array | Uint8ClampedArray): boolean {
  const end = inbox.ptr + pixels.byteLength + READ_PAST_BYTES;
  if (end > KERNEL_MEMORY_MAX_BYTES) return false;
  const short = end - inbox.memory.buffer.byteLength;
  if (short > 0) {
    try {
      inbox.memory.grow(Math.ceil(short / PAGE_BYTES));
    } catch {
      return false;
    }
  }
  new Uint8Array(inbox.memory.buffer, inbox.ptr, pixels.byteLength).set(pixels);
  return true;
}
