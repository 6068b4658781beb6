// Preprocess worker: owns one instance of the WASM kernels and turns frames into patch tensors.
import { expose, transfer } from 'comlink';
import { platform } from '#platform';
import '../src/pipeline/error-transfer.js';
import { isEncodedFrame, type EncodedFrame, type Frame, type FrameInput } from '../src/frame.js';
import { instantiateKernels } from '../src/kernels/load.js';
import { preprocessFrame, type PreparedFrame, type PreprocessJob } from '../src/pipeline/preprocess-frame.js';

const kernels = instantiateKernels();

const api = {
  async prepare(input: FrameInput, job: PreprocessJob): Promise<PreparedFrame> {
    const frame = isEncodedFrame(input) ? await decode(input) : input;
    const prepared = preprocessFrame(await kernels, frame, job);
    return prepared.patches ? transfer(prepared, [prepared.patches.buffer]) : prepared;
  },
  /** Dies the way a crash would (an uncaught error outside any call); used by failure tests. */
  crash(): void {
    setTimeout(() => {
      throw new Error('preprocess worker: deliberate crash');
    });
  },
};

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
