// Inference worker: owns the ONNX Runtime session of one device. Runs are serialized here.
import { expose, transfer } from 'comlink';
import { platform as basePlatform } from '#platform';
import { ortLoader } from '#platform-ort';
import { withAssetsPath } from '../src/platform/with-assets.js';
import '../src/pipeline/error-transfer.js';
import { SmearscopeError } from '../src/errors.js';
import type { ClassifierSession } from '../src/inference/backend.js';
import { openSession } from '../src/inference/open-session.js';
import type { InferenceInit, InferenceWorkerApi } from '../src/pipeline/worker-api.js';

let session: ClassifierSession | undefined;
let crashOnNextRun = false;
let stallOnNextRun = false;
let queue: Promise<unknown> = Promise.resolve();

const platform = { ...basePlatform, ...ortLoader };

const api: InferenceWorkerApi = {
  async init(options: InferenceInit) {
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
    return { backend: session.backend, dtype: session.dtype, reason: opened.reason, notes: session.notes };
  },

  /** Runs one full batch; the input buffer is handed back (transferred) for reuse with the outputs. */
  run(batch: Float32Array) {
    const result = queue.then(async () => {
      if (stallOnNextRun) for (;;); // deliberately stuck: nothing short of terminate() ends this
      if (crashOnNextRun) {
        setTimeout(() => {
          throw new Error('inference worker: deliberate crash');
        });
        return new Promise<never>(() => undefined);
      }
      if (!session) throw new SmearscopeError('INFERENCE_FAILED', 'inference worker used before init');
      const outputs = await session.run(batch);
      const buffers = [outputs.logits.buffer, outputs.features?.buffer, outputs.featureMap?.buffer, batch.buffer].filter(
        (b): b is ArrayBuffer => b instanceof ArrayBuffer,
      );
      return transfer({ outputs, batch }, [...new Set(buffers)]);
    });
    queue = result.catch(() => undefined);
    return result;
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
    await session?.dispose();
    session = undefined;
  },
};

expose(api, platform.parentEndpoint());
