// Preprocess worker: owns one instance of the WASM kernels and turns frames into patch tensors.
import { expose, transfer } from 'comlink';
import { platform } from '#platform';
import '../src/pipeline/error-transfer.js';
import { isEncodedFrame, type EncodedFrame, type Frame } from '../src/frame.js';
import { instantiateKernels } from '../src/kernels/load.js';
import { preprocessFrame, type PreprocessJob } from '../src/pipeline/preprocess-frame.js';
import type { PreprocessWorkerApi } from '../src/pipeline/worker-api.js';

const kernels = instantiateKernels();

const api: PreprocessWorkerApi = {
  async prepare(input, job) {
    const frame = isEncodedFrame(input) ? await decode(input, job) : input;
    const prepared = preprocessFrame(await kernels, frame, job);
    const pixels = isEncodedFrame(input) ? undefined : returnable(input.pixels);
    const buffers = [prepared.patches?.buffer, pixels].filter((buffer): buffer is ArrayBuffer => buffer !== undefined);
    return transfer({ prepared, ...(pixels ? { pixels } : {}) }, buffers);
  },
  crash() {
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

async function decode(input: EncodedFrame, job: PreprocessJob): Promise<Frame> {
  const frame = await platform.decodeImage(input.encoded, input.label ?? 'image', {
    ...(job.maxDecodedPixels !== undefined ? { maxDecodedPixels: job.maxDecodedPixels } : {}),
    ...(input.page !== undefined ? { page: input.page } : {}),
  });
  return {
    ...frame,
    ...(input.micronsPerPixel !== undefined ? { micronsPerPixel: input.micronsPerPixel } : {}),
    ...(input.stageMicrons ? { stageMicrons: input.stageMicrons } : {}),
  };
}

expose(api, platform.parentEndpoint());
