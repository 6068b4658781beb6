// Inference worker: owns the ONNX Runtime session of one device. Runs are serialized here.
import { expose, transfer } from 'comlink';
import { platform as basePlatform } from '#platform';
import { ortLoader } from '#platform-ort';
import { withAssetsPath } from '../src/platform/with-assets.js';
import '../src/pipeline/error-transfer.js';
import { SmearscopeError } from '../src/errors.js';
import type { BatchOutputs } from '../src/inference/backend.js';
import type { ClassifierSession } from '../src/inference/classifier-session.js';
import { openSession } from '../src/inference/open-session.js';
import { PlannedBatches } from '../src/pipeline/planned-batches.js';
import { instantiateKernels, type KernelInstance } from '../src/kernels/load.js';
import type { InferenceInit, InferenceWorkerApi } from '../src/pipeline/worker-api.js';

let session: ClassifierSession | undefined;
let planned: PlannedBatches | undefined;
let kernels: Promise<KernelInstance> | undefined;
let crashOnNextRun = false;
let stallOnNextRun = false;
let queue: Promise<unknown> = Promise.resolve();

const platform = { ...basePlatform, ...ortLoader };

const api: InferenceWorkerApi = {
  async init(options: InferenceInit) {
    planned?.dispose();
    planned = undefined;
    await session?.dispose();
    const opened = await openSession(
      withAssetsPath(platform, options.assetsPath),
      options.card,
      options.modelBytes,
      options.backend,
      options.batchSize,
      {
        ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
        ...(options.graphCapture !== undefined ? { graphCapture: options.graphCapture } : {}),
        ...(options.dtype !== undefined ? { dtype: options.dtype } : {}),
        ...(options.fp16Bytes ? { fp16Bytes: options.fp16Bytes } : {}),
      },
    );
    session = opened.session;
    const current = session;
    planned = new PlannedBatches(current, current.batchSize * 3 * options.card.input.width * options.card.input.height, () => {
      kernels ??= instantiateKernels();
      return kernels;
    });
    return {
      backend: current.backend,
      dtype: current.dtype,
      reason: opened.reason,
      notes: current.notes,
      gpuInput: !!current.gpuInput,
      threads: current.threads,
      runtime: current.runtime,
    };
  },

  /** Runs one full batch; the input buffer is handed back (transferred) for reuse with the outputs. */
  run(batch: Float32Array) {
    return serialized(async (current) => {
      const outputs = await current.run(batch);
      return transfer({ outputs, batch }, outputBuffers(outputs, [batch.buffer as ArrayBuffer]));
    });
  },

  async holdFrame(frameKey, frame) {
    if (!planned) throw new SmearscopeError('INFERENCE_FAILED', 'inference worker used before init');
    const pixels = await planned.hold(frameKey, frame);
    return pixels ? transfer({ pixels }, [pixels]) : {};
  },

  runPlanned(plan) {
    return serialized(async () => {
      const outputs = await planned!.run(plan);
      return transfer({ outputs }, outputBuffers(outputs, []));
    });
  },

  limitGpuFrameBytes(bytes) {
    if (planned) planned.maxGpuFrameBytes = bytes;
  },

  async framesHeld() {
    return (await planned?.framesHeld()) ?? 0;
  },

  releaseFrames(frameKeys) {
    planned?.release(frameKeys);
  },

  /** Test hook: the next run dies the way a crash would (an uncaught error, no answer). */
  crashOnNextRun() {
    crashOnNextRun = true;
  },

  stallOnNextRun() {
    stallOnNextRun = true;
  },

  /** Test hook: destroys the GPU device as a driver reset would. */
  async loseDevice() {
    const ort = await platform.loadOrt('webgpu');
    const device = await (ort.env.webgpu.device as Promise<GPUDevice> | undefined);
    device?.destroy();
    return !!device;
  },

  async dispose() {
    planned?.dispose();
    planned = undefined;
    await session?.dispose();
    session = undefined;
  },
};

/** Runs `work` after every earlier run (runs on one session are never concurrent), with the test hooks. */
function serialized<T>(work: (current: ClassifierSession) => Promise<T>): Promise<T> {
  const result = queue.then(async () => {
    if (stallOnNextRun) for (;;); // deliberately stuck: nothing short of terminate() ends this
    if (crashOnNextRun) {
      setTimeout(() => {
        throw new Error('inference worker: deliberate crash');
      });
      return new Promise<never>(() => undefined);
    }
    if (!session) throw new SmearscopeError('INFERENCE_FAILED', 'inference worker used before init');
    return work(session);
  });
  queue = result.catch(() => undefined);
  return result;
}

/** The distinct plain buffers of a batch's outputs plus `more`, to transfer. */
function outputBuffers(outputs: BatchOutputs, more: ArrayBuffer[]): ArrayBuffer[] {
  const buffers = [outputs.logits.buffer, outputs.features?.buffer, outputs.featureMap?.buffer, ...more];
  return [...new Set(buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
}

expose(api, platform.parentEndpoint());
