import type * as ortTypes from 'onnxruntime-common';
import { SmearscopeError } from '../errors.js';
import type { BackendName, BatchOutputs, OrtModule } from './backend.js';
import { checkCardBatch } from './batch-size.js';
import { checkLogitsNotProbabilities } from './check-logits-kind.js';
import type { ClassifierSession } from './classifier-session.js';
import { checkGraphAgainstCard, checkLogitsLength } from './check-graph.js';
import type { Dtype } from './dtype.js';
import type { ModelCard } from './model-card-types.js';
import { runtimeSetupFailure } from './runtime-setup.js';
import { createWebGpuIo, type WebGpuIo } from './webgpu-io.js';

export interface OrtSessionOptions {
  backend: BackendName;
  /** Cells per run; every run has exactly this many (static shapes). Checked once, by createScope (checkBatchSize). */
  batchSize: number;
  /** ONNX Runtime's intra-op CPU threads (wasm, native, and the CPU kernels of webgpu); 1 when not cross-origin isolated in a browser. */
  numThreads?: number;
  /** Which graph `modelBytes` is, for the session's `dtype` (default fp32); both take and give float32. */
  dtype?: Dtype;
  /** webgpu: try graph capture (default true); dropped with a note when the model cannot be captured. */
  graphCapture?: boolean;
}

/**
 * Creates an ONNX Runtime session for `card` on one backend, checks it against the card, and
 * warms it up with one zero batch so the first real run pays no compilation. The same code serves
 * onnxruntime-web (wasm, webgpu) and onnxruntime-node (native): their APIs match.
 */
export async function createOrtSession(
  ort: OrtModule,
  modelBytes: Uint8Array,
  card: ModelCard,
  options: OrtSessionOptions,
): Promise<ClassifierSession> {
  const { backend, batchSize } = options;
  checkCardBatch(batchSize, card);
  const notes: string[] = [];
  const asked = options.numThreads ?? 1;
  // Told more, such a runtime still runs one thread (onnxruntime-web warns on the console): the notes,
  // `threads` and the runtime's setting say what runs.
  const threads = ort.singleThreadReason ? 1 : asked;
  // onnxruntime-web reads this once, when its build first starts; each build keeps its own.
  if (!isNativeRuntime(ort)) ort.env.wasm.numThreads = threads;
  const dims = [batchSize, 3, card.input.height, card.input.width];
  const fetchNames = [card.outputs.logits, card.outputs.features, card.outputs.featureMap].filter((n): n is string => !!n);

  let session: ortTypes.InferenceSession;
  let gpu: WebGpuIo | undefined;
  if (backend === 'webgpu' && isNativeRuntime(ort)) {
    // onnxruntime-node carries its own WebGPU EP (Dawn on Vulkan/Metal/D3D12) but exposes no JS
    // GPUDevice to bind buffers to: host tensors in and out, one upload and read-back per batch.
    session = await createPlain(ort, backend, modelBytes, {
      executionProviders: ['webgpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
    }).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!/adapter/i.test(message)) throw error;
      throw new SmearscopeError(
        'BACKEND_UNAVAILABLE',
        `webgpu: onnxruntime-node's WebGPU EP found no GPU adapter (no Vulkan/Metal/D3D12 driver here); use native or wasm`,
        { cause: error },
      );
    });
    notes.push('webgpu: onnxruntime-node WebGPU EP (Dawn); host tensors in and out');
  } else if (backend === 'webgpu') {
    ({ session, gpu } = await createWebGpuSession(ort, modelBytes, card, dims, fetchNames, options.graphCapture ?? true, notes));
  } else {
    session = await createPlain(ort, backend, modelBytes, {
      executionProviders: [backend === 'native' ? 'cpu' : 'wasm'],
      graphOptimizationLevel: 'all',
      ...(backend === 'native' ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      // Idle intra-op threads would spin on the cores the preprocess workers need (ORT's default).
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
    notes.push(
      `${backend}: ${threads} thread${threads === 1 ? '' : 's'}` +
        (threads < asked ? ` (numThreads ${asked} asked for: ${ort.singleThreadReason})` : ''),
    );
  }
  checkGraphAgainstCard(session, card);

  /** `input` absent: the bound GPU input buffer already holds the batch (gpuInput.runBound). */
  const run = async (input?: Float32Array): Promise<BatchOutputs> => {
    const expected = dims[0] * dims[1] * dims[2] * dims[3];
    if (input && input.length !== expected) {
      throw new SmearscopeError('INVALID_ARGUMENT', `batch input has ${input.length} floats, expected ${expected} (${dims.join(' x ')})`);
    }
    let values: Record<string, ortTypes.Tensor>;
    try {
      if (!input && !gpu) throw new SmearscopeError('INFERENCE_FAILED', 'a run without an input needs a GPU-bound session');
      values = gpu ? await gpu.run(input) : await session.run({ [card.input.name]: new ort.Tensor('float32', input!, dims) }, fetchNames);
    } catch (error) {
      if (error instanceof SmearscopeError) throw error;
      if (gpu?.isLost()) throw new SmearscopeError('BACKEND_UNAVAILABLE', `webgpu device lost during a run: ${(error as Error).message}`);
      throw new SmearscopeError('INFERENCE_FAILED', `${backend} run failed: ${(error as Error).message}`, { cause: error });
    }
    const outputs: BatchOutputs = { logits: await hostFloats(values, card.outputs.logits, gpu) };
    checkLogitsLength(outputs.logits, batchSize, card);
    if (card.outputs.features) outputs.features = await hostFloats(values, card.outputs.features, gpu);
    if (card.outputs.featureMap) {
      outputs.featureMap = await hostFloats(values, card.outputs.featureMap, gpu);
      const [, c, h, w] = values[card.outputs.featureMap].dims;
      outputs.featureMapShape = [c, h, w];
    }
    return outputs;
  };

  // Warm-up: shader compilation / kernel selection happen here, not in the first real frame.
  const warm = await run(new Float32Array(dims[0] * dims[1] * dims[2] * dims[3]));
  checkLogitsNotProbabilities(warm.logits, card.classes.length, card.id, card.outputs.logits);

  return {
    backend,
    batchSize,
    dtype: options.dtype ?? 'fp32',
    notes,
    runtime: runtimeName(ort),
    threads,
    run,
    ...(gpu ? { gpuInput: { device: gpu.device, buffer: gpu.inputBuffer, runBound: () => run() } } : {}),
    async dispose() {
      gpu?.dispose();
      await session.release();
    },
  };
}

/** e.g. "onnxruntime-node 1.30.0", "onnxruntime-web 1.30.0 (wasm build)": the package, its version and the build loaded. */
export function runtimeName(ort: OrtModule): string {
  const versions = ort.env.versions as Record<string, string>;
  const name = isNativeRuntime(ort) ? `onnxruntime-node ${versions.node}` : `onnxruntime-web ${versions.web}`;
  return ort.build ? `${name} (${ort.build})` : name;
}

/** onnxruntime-node registers its version under `env.versions.node`; onnxruntime-web under `web`. */
export function isNativeRuntime(ort: OrtModule): boolean {
  return 'node' in (ort.env.versions as Record<string, string>);
}

/** A session on the CPU (or onnxruntime-node's WebGPU EP): a failure is the runtime's (runtimeSetupFailure), else the graph's. */
async function createPlain(
  ort: OrtModule,
  backend: BackendName,
  modelBytes: Uint8Array,
  sessionOptions: ortTypes.InferenceSession.SessionOptions,
) {
  try {
    return await ort.InferenceSession.create(modelBytes, sessionOptions);
  } catch (error) {
    throw (
      (await runtimeSetupFailure(ort, backend, error)) ??
      new SmearscopeError('MODEL_MISMATCH', `ONNX Runtime could not load the model: ${(error as Error).message}`, { cause: error })
    );
  }
}

async function createWebGpuSession(
  ort: OrtModule,
  modelBytes: Uint8Array,
  card: ModelCard,
  dims: number[],
  fetchNames: string[],
  tryCapture: boolean,
  notes: string[],
): Promise<{ session: ortTypes.InferenceSession; gpu: WebGpuIo }> {
  if (tryCapture) {
    let session: ortTypes.InferenceSession | undefined;
    try {
      session = await ort.InferenceSession.create(modelBytes, {
        executionProviders: ['webgpu'],
        enableGraphCapture: true,
        preferredOutputLocation: 'gpu-buffer',
      });
      const gpu = await createWebGpuIo(ort, session, card.input.name, dims, fetchNames, true);
      // The first run captures, the second replays: both must work before we keep the session.
      const zeros = new Float32Array(dims[0] * dims[1] * dims[2] * dims[3]);
      for (let run = 0; run < 2; run++) {
        const values = await gpu.run(zeros);
        for (const name of fetchNames) await hostFloats(values, name, gpu);
      }
      notes.push('webgpu: graph capture on; input and outputs bound to GPU buffers');
      return { session, gpu };
    } catch (error) {
      await session?.release().catch(() => undefined);
      // A runtime that did not start fails uncaptured too: say why now.
      const setup = await runtimeSetupFailure(ort, 'webgpu', error);
      if (setup) throw setup;
      notes.push(`webgpu: graph capture dropped (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['webgpu'],
    preferredOutputLocation: 'gpu-buffer',
  }).catch(async (error: unknown) => {
    throw (await runtimeSetupFailure(ort, 'webgpu', error)) ?? error;
  });
  const gpu = await createWebGpuIo(ort, session, card.input.name, dims, fetchNames, false);
  notes.push('webgpu: input bound to a GPU buffer, outputs read back per batch');
  return { session, gpu };
}

/** Host copy of output `name`'s floats (downloads GPU tensors through `gpu`). */
async function hostFloats(values: Record<string, ortTypes.Tensor>, name: string, gpu?: WebGpuIo): Promise<Float32Array> {
  const tensor = values[name];
  if (!tensor) throw new SmearscopeError('INFERENCE_FAILED', `the declared output "${name}" is missing from the run results`);
  const data = tensor.location === 'cpu' || !gpu ? tensor.data : await gpu.read(name, tensor);
  if (!(data instanceof Float32Array)) {
    throw new SmearscopeError('MODEL_MISMATCH', `output is ${tensor.type}, expected float32`);
  }
  // Outputs may view a larger (or shared) heap; a tight copy is safe to transfer. Only a plain
  // ArrayBuffer is kept as is: `SharedArrayBuffer` is not even defined on pages that are not
  // cross-origin isolated, so it must not be named here.
  const plain = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return plain ? data : data.slice();
}
