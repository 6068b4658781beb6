// Preprocess worker: owns one instance of the WASM kernels and turns frames into patch tensors.
import { expose, transfer } from 'comlink';
import { platform } from '#platform';
import '../src/pipeline/error-transfer.js';
import { SmearscopeError } from '../src/errors.js';
import type { Frame } from '../src/frame.js';
import type { InboxFrame } from '../src/kernels/resident-frame.js';
import { instantiateKernels } from '../src/kernels/load.js';
import { instantiateSharedKernels, kernelMemoryIsShared } from '../src/kernels/load-shared.js';
import { preprocessFrame, type PreparedFrame } from '../src/pipeline/preprocess-frame.js';
import type { PreprocessWorkerApi } from '../src/pipeline/worker-api.js';

// On a shared memory where the realm allows it: the pool then writes frames straight into it.
const kernels = instantiateSharedKernels().then((shared) => shared ?? instantiateKernels());
/** The frame `decode` left for the next `prepare` (one frame at a time per worker). */
let decoded: Frame | undefined;
let stallOnNextDecode = false;

const api: PreprocessWorkerApi = {
  /**
   * Decodes an encoded frame and keeps it here for the next `prepare('decoded', ...)`, so decoding
   * and preprocessing are separate calls, each with its own budget. Frames over `maxFramePixels`
   * are refused (FRAME_TOO_LARGE) from their header, before a decoder allocates their pixels.
   */
  async decode(input, maxFramePixels) {
    decoded = undefined;
    if (stallOnNextDecode) for (;;); // deliberately stuck: nothing short of terminate() ends this
    const label = input.label ?? 'image';
    // Each platform's decoder refuses frames over the limit from their header (FRAME_TOO_LARGE).
    const frame = await platform.decodeImage(input.encoded, label, {
      maxFramePixels,
      ...(input.page !== undefined ? { page: input.page } : {}),
    });
    decoded = {
      ...frame,
      ...(input.micronsPerPixel !== undefined ? { micronsPerPixel: input.micronsPerPixel } : {}),
      ...(input.stageMicrons ? { stageMicrons: input.stageMicrons } : {}),
    };
    return { width: frame.width, height: frame.height };
  },

  /**
   * Prepares one frame ('decoded': the one `decode` left). The frame's pixel buffer goes back with
   * the result (transferred) so the pool can reuse it for the next frame; the patch tensor is
   * transferred too.
   */
  async prepare(input, job) {
    const frame = input === 'decoded' ? decoded : input;
    decoded = undefined;
    if (!frame) throw new SmearscopeError('INVALID_FRAME', 'no decoded frame to prepare');
    if ('inboxPtr' in frame && job.deferPatches) {
      // Its pixels live in kernel memory, free again once prepared: nothing could travel on.
      throw new SmearscopeError('INVALID_ARGUMENT', 'a frame in the inbox cannot have its patches deferred; send its pixels');
    }
    const prepared = preprocessFrame(await kernels, frame, job);
    if ('inboxPtr' in frame) return transferPatches(prepared);
    // deferPatches: the pixels travel on to the inference worker, decoded ones included.
    const pixels =
      job.deferPatches && prepared.patchSpec ? ownBuffer(frame.pixels) : input === 'decoded' ? undefined : returnable(frame.pixels);
    const buffers = [prepared.patches?.buffer, pixels].filter((buffer): buffer is ArrayBuffer => buffer !== undefined);
    return transfer({ prepared, ...(pixels ? { pixels } : {}) }, buffers);
  },
  async inbox() {
    const instance = await kernels;
    // Between frames nothing is allocated, so the next buffer is where a frame is adopted.
    return kernelMemoryIsShared(instance) ? { memory: instance.memory.memory, ptr: instance.memory.nextPtr() } : undefined;
  },
  async ready() {
    await kernels;
  },
  stallOnNextDecode() {
    stallOnNextDecode = true;
  },
  /** Dies the way a crash would (an uncaught error outside any call); used by failure tests. A
   * frame sent along (its pixels transferred) goes down with the worker. */
  crash(_frame?: Frame | InboxFrame) {
    setTimeout(() => {
      throw new Error('preprocess worker: deliberate crash');
    });
  },
};

/** The result, its patch tensor transferred. */
function transferPatches(prepared: PreparedFrame) {
  return transfer({ prepared }, prepared.patches ? [prepared.patches.buffer as ArrayBuffer] : []);
}

/** The buffer under a frame's pixels when it can be handed back (a plain ArrayBuffer). */
function returnable(pixels: unknown): ArrayBuffer | undefined {
  const buffer = (pixels as { buffer?: unknown } | undefined)?.buffer;
  return buffer instanceof ArrayBuffer ? buffer : undefined;
}

/** The pixels as an ArrayBuffer of exactly their bytes (the buffer itself when it is one, else a copy). */
function ownBuffer(pixels: Uint8Array | Uint8ClampedArray): ArrayBuffer {
  const whole = pixels.buffer instanceof ArrayBuffer && pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
  return whole ? (pixels.buffer as ArrayBuffer) : new Uint8Array(pixels).buffer;
}

expose(api, platform.parentEndpoint());
