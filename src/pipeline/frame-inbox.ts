import { KERNEL_MEMORY_MAX_BYTES, PAGE_BYTES } from '../kernels/memory.js';

/** A preprocess worker's kernel memory (shared) and where its next frame goes (PreprocessWorkerApi.inbox). */
export interface FrameInbox {
  memory: WebAssembly.Memory;
  ptr: number;
}

/** The kernels may read up to 16 bytes past a frame's last pixel (assembly/patch.ts). */
const READ_PAST_BYTES = 16;

/**
 * The worker's kernel memory at its inbox, `byteLength` bytes (the memory grown first): where the
 * next frame's pixels go. Call only while the worker is between frames (the pool holds its slot).
 * Null where they would not fit (past the kernels' 2 GiB, or the memory cannot grow): send the
 * pixels instead, and the worker reports the error.
 */
export function inboxTarget(inbox: FrameInbox, byteLength: number): Uint8Array | null {
  const end = inbox.ptr + byteLength + READ_PAST_BYTES;
  if (end > KERNEL_MEMORY_MAX_BYTES) return null;
  const short = end - inbox.memory.buffer.byteLength;
  if (short > 0) {
    try {
      inbox.memory.grow(Math.ceil(short / PAGE_BYTES));
    } catch {
      return null;
    }
  }
  return new Uint8Array(inbox.memory.buffer, inbox.ptr, byteLength);
}

/**
 * Writes a frame's pixels straight into a worker's kernel memory at its inbox: the one copy a
 * frame costs on its way to the kernels. False where they would not fit (see inboxTarget).
 */
export function writeFrameInbox(inbox: FrameInbox, pixels: Uint8Array | Uint8ClampedArray): boolean {
  const target = inboxTarget(inbox, pixels.byteLength);
  target?.set(pixels);
  return target !== null;
}
