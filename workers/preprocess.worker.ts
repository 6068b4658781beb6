// Preprocess worker: owns one instance of the WASM kernels and turns frames into patch tensors.
import { expose, transfer } from 'comlink';
import { platform } from '#platform';
import '../src/pipeline/error-transfer.js';
import { isEncodedFrame, type EncodedFrame, type Frame, type FrameInput } from '../src/frame.js';
import { instantiateKernels } from '../src/kernels/load.js';
import { preprocessFrame, type PreparedFrame, type PreprocessJob } from '../src/pipeline/preprocess-frame.js';

const kernels = instantiateKernels();

const api = {
  /**
   * Prepares one frame. The frame's pixel buffer goes back with the result (transferred) so the
   * pool can reuse it for the next frame; the patch tensor is transferred too.
   */
  async prepare(input: FrameInput, job: PreprocessJob): Promise<{ prepared: PreparedFrame; pixels?: ArrayBuffer }> {
    const frame = isEncodedFrame(input) ? await decode(input) : input;
    const prepared = preprocessFrame(await kernels, frame, job);
    const pixels = isEncodedFrame(input) ? undefined : returnable(input.pixels);
    const buffers = [prepared.patches?.buffer, pixels].filter((buffer): buffer is ArrayBuffer => buffer !== undefined);
    return transfer({ prepared, ...(pixels ? { pixels } : {}) }, buffers);
  },
  /** Dies the way a crash would (an uncaught error outside any call); used by failure tests. */
  crash(): void {
    setTimeout(() => {
      throw new Error('preprocess worker: deliberate crash');
    });
  },
};

/** The buffer under a frame's pixels when it can be handed back (a plain ArrayBuffer). */
function returnable(pixels: unknown): ArrayBuffer | undefined {
  const buffer = (pixels as { buffer?: unknown } | undefined)?.buffer;
  return buffer instanceof ArrayBuffer ? buffer : undefined;
}

async function decode(input: EncodedFrame): Promise<Frame> {
  const frame = await platform.decodeImage(input.encoded, input.label ?? 'image');
  return {
    ...frame,
    ...(input.micronsPerPixel !== undefined ? { micronsPerPixel: input.micronsPerPixel } : {}),
    ...(input.stageMicrons ? { stageMicrons: input.stageMicrons } : {}),
  };
}

export type PreprocessWorkerApi = typeof api;
expose(api, platform.parentEndpoint());
