import { platform } from '#platform';
import { resolveScheme } from './clinical/schemes.js';
import type { Scope, ScopeOptions } from './api-types.js';
import { SmearscopeError } from './errors.js';
import { checkFrameInput } from './frame.js';
import { checkBackendChoice } from './inference/backend.js';
import { DTYPE_CHOICES } from './inference/dtype.js';
import { adapterShaderF16, hardwareAdapterPresent } from './inference/webgpu-adapter.js';
import {
  checkBoolean,
  checkChoice,
  checkFunction,
  checkInteger,
  checkKnownKeys,
  checkOptionsObject,
  checkPositive,
} from './check-options.js';
import { checkBatchSize, resolveBatchSize } from './inference/batch-size.js';
import { loadModel } from './inference/load-model.js';
import { ignoredCardFieldsNote } from './inference/model-card.js';
import { isolatedProgress } from './platform/isolated-progress.js';
import { defaultModelId } from './inference/shipped-models.js';
import { analyzeStream, checkStreamArguments, type StreamContext } from './pipeline/analyze-stream.js';
import { resolveFrameLimits } from './pipeline/frame-limits.js';
import { withAssetsPath } from './platform/with-assets.js';
import { workerHost } from '#platform-spawn';
import type { InferenceClient } from './pipeline/inference-client.js';
import { openInferenceSessions, sessionLayout } from './pipeline/inference-sessions.js';
import { preprocessJob } from './pipeline/preprocess-job.js';
import { PreprocessPool } from './pipeline/preprocess-pool.js';
import { TESTING_HOOKS, type ScopeTesting } from './testing-hooks.js';

/** Every key of ScopeOptions (`satisfies` keeps the list complete and exact as options change). */
const SCOPE_OPTION_KEYS = {
  model: true,
  assetsPath: true,
  onProgress: true,
  cacheModel: true,
  backend: true,
  workers: true,
  batchSize: true,
  locateOnly: true,
  cellMicrons: true,
  stainFitStride: true,
  normalizeStain: true,
  border: true,
  numThreads: true,
  inferenceSessions: true,
  graphCapture: true,
  gpuPatches: true,
  dtype: true,
  maxModelBytes: true,
  frameLimits: true,
} as const satisfies Record<keyof ScopeOptions, true>;

/** Every option checked before any work, so a typo fails at once with its name (INVALID_ARGUMENT). */
function checkScopeOptions(options: ScopeOptions): void {
  checkOptionsObject('createScope options', options);
  checkKnownKeys('createScope options', options, SCOPE_OPTION_KEYS);
  if (options.backend !== undefined) checkBackendChoice(options.backend);
  checkChoice('dtype', options.dtype, DTYPE_CHOICES);
  if (options.model === null)
    throw new SmearscopeError('INVALID_ARGUMENT', 'model must be a card path or URL, or { card, onnx }, got null');
  checkInteger('workers', options.workers, 1, 64);
  checkInteger('numThreads', options.numThreads, 1, 64);
  checkInteger('inferenceSessions', options.inferenceSessions, 1, 16);
  checkInteger('stainFitStride', options.stainFitStride, 1, 64);
  checkPositive('cellMicrons', options.cellMicrons, 100);
  checkPositive('maxModelBytes', options.maxModelBytes);
  checkChoice('border', options.border, ['reflect', 'constant', 'skip']);
  for (const name of ['locateOnly', 'normalizeStain', 'graphCapture', 'gpuPatches', 'cacheModel'] as const)
    checkBoolean(name, options[name]);
  if (options.assetsPath !== undefined && typeof options.assetsPath !== 'string')
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `assetsPath must be a URL or path string (the folder holding smearscope's dist/), got ${typeof options.assetsPath}`,
    );
  checkFunction('onProgress', options.onProgress);
}

/**
 * Loads the model, starts the preprocess workers and the inference worker, and returns a scope.
 * Everything runs on this device; nothing is sent anywhere.
 */
export async function createScope(options: ScopeOptions = {}): Promise<Scope> {
  checkScopeOptions(options);
  const limits = resolveFrameLimits(options.frameLimits);
  const events: string[] = [];
  if (options.batchSize !== undefined) checkBatchSize(options.batchSize);
  const locateOnly = options.locateOnly ?? false;
  const workers = options.workers ?? platform.defaultPreprocessWorkers();
  const host = withAssetsPath({ ...platform, ...workerHost }, options.assetsPath);
  const backend = options.backend ?? 'auto';
  const dtype = options.dtype ?? 'auto';
  // The float16 graph is read only when it may run: asked for, or 'auto' where WebGPU may be picked
  // on an adapter with 'shader-f16' (most adapters lack it: no extra download for them).
  const webgpuPossible = backend === 'webgpu' || (backend === 'auto' && host.candidateBackends().includes('webgpu'));
  const fp16 =
    locateOnly || dtype === 'fp32'
      ? 'skip'
      : dtype === 'fp16'
        ? 'required'
        : webgpuPossible && (await adapterShaderF16()) === true
          ? 'if-named'
          : 'skip';
  const model = await loadModel(host, options.model ?? defaultModelId(), {
    fp16,
    // locateOnly starts no model: its card (patch size, stain reference) is all it reads.
    ...(locateOnly ? { graph: false } : {}),
    ...(options.maxModelBytes !== undefined ? { maxModelBytes: options.maxModelBytes } : {}),
    // A throw in the caller's callback must not fail the load; it is recorded as a stream's would be.
    ...(options.onProgress ? { onProgress: isolatedProgress(options.onProgress, (message) => events.push(message)) } : {}),
    ...(options.cacheModel !== undefined ? { cache: options.cacheModel } : {}),
  });
  const { card } = model;
  // An explicit batch size that the card's fixed batch forbids fails when the session opens (checkCardBatch).
  const batchSize = resolveBatchSize(options.batchSize, card);
  if (model.fp16Unread) events.push(`the float16 graph was not read (${model.fp16Unread}); dtype auto runs fp32`);
  const scheme = resolveScheme(card);
  const ignoredFields = ignoredCardFieldsNote(card);
  const cardNotes = ignoredFields ? [ignoredFields] : [];
  // auto picks WebGPU only on a hardware adapter: elsewhere it lands on a CPU backend, whose layout applies.
  const webgpuLikely = backend === 'auto' && host.candidateBackends().includes('webgpu') && (await hardwareAdapterPresent());
  const pool = new PreprocessPool(host, workers);
  let sessions: InferenceClient[] = [];
  try {
    if (!locateOnly) {
      sessions = await openInferenceSessions(
        host,
        {
          card,
          modelBytes: model.modelBytes,
          ...(model.fp16Bytes ? { fp16Bytes: model.fp16Bytes } : {}),
          backend,
          dtype,
          batchSize,
          ...(options.graphCapture !== undefined ? { graphCapture: options.graphCapture } : {}),
          ...(options.assetsPath ? { assetsPath: options.assetsPath } : {}),
        },
        sessionLayout(host, backend, options, webgpuLikely),
        limits.inferenceMs,
        events,
      );
    }
  } catch (error) {
    await pool.terminate();
    throw error;
  }
  const inference: InferenceClient | undefined = sessions[0];
  const job = preprocessJob(card, options, locateOnly);
  let disposed = false;
  const alive = () => {
    if (disposed) throw new SmearscopeError('DISPOSED', 'this scope was disposed; create a new one with createScope()');
  };
  const context: StreamContext = {
    pool,
    sessions,
    card,
    scheme,
    batchSize,
    job,
    limits,
    events,
    ...(options.gpuPatches !== undefined ? { gpuPatches: options.gpuPatches } : {}),
  };
  const sessionAt = (index: number) => {
    const session = sessions[index];
    if (!session) throw new SmearscopeError('INVALID_ARGUMENT', `no inference session ${index} (the scope has ${sessions.length})`);
    return session;
  };
  const testing: ScopeTesting = {
    crashInferenceOnNextRun: (session = 0) => sessionAt(session).crashOnNextRun(),
    stallInferenceOnNextRun: (session = 0) => sessionAt(session).stallOnNextRun(),
    loseGpuDevice: () => inference!.loseDevice(),
    killInferenceWorker: (session = 0) => sessionAt(session).kill(),
    stallPreprocessOnNextDecode: () => pool.stallOnNextDecode(),
    limitGpuFrameBytes: (bytes: number) => inference!.limitGpuFrameBytes(bytes),
    framesHeldByInferenceWorker: () => inference?.framesHeld() ?? Promise.resolve(0),
    set planBatches(plan: boolean | undefined) {
      if (plan === undefined) delete context.planBatches;
      else context.planBatches = plan;
    },
    get patchesOn() {
      return inference?.gpuInput && context.gpuPatches !== false ? 'gpu' : 'cpu';
    },
    set crashPreprocess(hook: StreamContext['crashPreprocess']) {
      if (hook) context.crashPreprocess = hook;
      else delete context.crashPreprocess;
    },
    get inferenceLayout() {
      return { sessions: sessions.length, threads: inference?.threads ?? 0, batchesDone: sessions.map((session) => session.batchesDone) };
    },
    get frameHandoffs() {
      return { ...pool.handoffs };
    },
    set frameInbox(use: boolean) {
      pool.useInbox = use;
    },
  };

  const scope: Scope & { [TESTING_HOOKS]: ScopeTesting } = {
    card,
    scheme,
    locateOnly,
    batchSize,
    workers,
    inferenceSessions: sessions.length,
    get backend() {
      return inference?.backend ?? 'none';
    },
    get dtype() {
      return inference?.dtype ?? 'none';
    },
    get backendReason() {
      return inference?.reason ?? 'locate-only: no model session';
    },
    get notes() {
      if (!inference) return cardNotes;
      const layout =
        sessions.length > 1
          ? [`${sessions.length} ${inference.backend} sessions of ${inference.threads} thread(s), each in its own worker`]
          : [];
      if (!inference.gpuInput) return [...cardNotes, ...inference.notes, ...layout];
      const patches =
        options.gpuPatches === false
          ? 'patches: cut on the CPU (gpuPatches false)'
          : 'patches: cut on the GPU, straight into the session input (planned batches)';
      return [...cardNotes, ...inference.notes, patches];
    },
    get events() {
      return events;
    },
    async analyzeFrame(frame, frameOptions) {
      alive();
      checkFrameInput(frame);
      checkStreamArguments(context, [frame], frameOptions);
      for await (const result of analyzeStream(context, [frame], frameOptions)) {
        if (result.error) throw new SmearscopeError(result.error.code, result.error.message);
        return result;
      }
      throw new SmearscopeError('INVALID_FRAME', 'the frame produced no result');
    },
    analyzeStream(frames, streamOptions) {
      // Thrown here, synchronously, not at the first next() of the generator.
      alive();
      checkStreamArguments(context, frames, streamOptions);
      return analyzeStream(context, frames, streamOptions);
    },
    [TESTING_HOOKS]: testing,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all([pool.terminate(), ...sessions.map((session) => session.dispose())]);
    },
  };
  return scope;
}
