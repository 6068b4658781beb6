import { platform } from '#platform';
import { resolveScheme } from './clinical/schemes.js';
import type { ResolvedScheme } from './clinical/scheme-types.js';
import { SmearscopeError } from './errors.js';
import { checkFrameInput, type FrameInput } from './frame.js';
import { checkBackendChoice, type BackendChoice, type BackendName } from './inference/backend.js';
import { checkBoolean, checkChoice, checkInteger, checkOptionsObject, checkPositive } from './check-options.js';
import { loadModel, type ModelSource } from './inference/load-model.js';
import type { ModelCard } from './inference/model-card-types.js';
import { analyzeStream, checkStreamArguments, type AnalyzeOptions, type StreamContext } from './pipeline/analyze-stream.js';
import { resolveFrameLimits, type FrameLimits } from './pipeline/frame-limits.js';
import { InferenceClient } from './pipeline/inference-client.js';
import type { PreprocessJob } from './pipeline/preprocess-frame.js';
import { PreprocessPool } from './pipeline/preprocess-pool.js';
import type { FrameResult } from './pipeline/results.js';

export interface ScopeOptions {
  /** Model card path/URL, or `{ card, onnx }` in memory. Default: the shipped bone-marrow model. */
  model?: ModelSource;
  /** Default 'auto': webgpu > native > wasm, whichever works here first. */
  backend?: BackendChoice;
  /** Preprocess workers (each owns a copy of the WASM kernels). Default: cores - 1, at most 4. */
  workers?: number;
  /** Cells per inference run (static shape). Default 8. */
  batchSize?: number;
  /** Locate cells only: no model is loaded and no inference worker is started. */
  locateOnly?: boolean;
  /** Expected leukocyte size for the localizer, microns. Default: the localizer's. */
  cellMicrons?: number;
  /** Pixel stride of the per-frame Macenko fit. Default 4 (a fit on 1/16 of the pixels). */
  stainFitStride?: number;
  /** Normalize frames to the card's stain reference (default true when the card has one). */
  normalizeStain?: boolean;
  /** What to do with cells whose patch leaves the frame. Default 'reflect'. */
  border?: PreprocessJob['border'];
  /** wasm/native threads. Default: the platform's choice (1 without cross-origin isolation). */
  numThreads?: number;
  /** webgpu: try graph capture. Default true. */
  graphCapture?: boolean;
  /** Largest ONNX file read, bytes (checked before reading). Default 1 GiB. */
  maxModelBytes?: number;
  /** Per-frame budgets (decodeMs, preprocessMs, inferenceMs, maxFramePixels); see FrameLimits. */
  frameLimits?: Partial<FrameLimits>;
}

export interface Scope {
  readonly card: ModelCard;
  readonly scheme: ResolvedScheme;
  /** The backend in use ('none' when locate-only). */
  readonly backend: BackendName | 'none';
  /** Why this backend (what auto tried), plus setup notes and later fallbacks. */
  readonly backendReason: string;
  readonly notes: readonly string[];
  readonly events: readonly string[];
  readonly batchSize: number;
  readonly workers: number;
  /** Analyzes one frame; throws the frame's typed error if it fails. */
  analyzeFrame(frame: FrameInput, options?: AnalyzeOptions): Promise<FrameResult>;
  /** One result per input frame, in order; failed frames carry `error` and the stream goes on. */
  analyzeStream(frames: AsyncIterable<FrameInput> | Iterable<FrameInput>, options?: AnalyzeOptions): AsyncGenerator<FrameResult>;
  /** Test hooks for failure isolation. */
  readonly testing: {
    crashInferenceOnNextRun(): Promise<void>;
    stallInferenceOnNextRun(): Promise<void>;
    loseGpuDevice(): Promise<boolean>;
    killInferenceWorker(): void;
  };
  /** Stops the workers; bounded in time (a stuck worker is terminated, not waited for). */
  dispose(): Promise<void>;
}

/** Every option checked before any work, so a typo fails at once with its name (INVALID_ARGUMENT). */
function checkScopeOptions(options: ScopeOptions): void {
  checkOptionsObject('createScope options', options);
  if (options.backend !== undefined) checkBackendChoice(options.backend);
  if (options.model === null) throw new SmearscopeError('INVALID_ARGUMENT', 'model must be a card path or URL, or { card, onnx }, got null');
  checkInteger('batchSize', options.batchSize, 1, 1024);
  checkInteger('workers', options.workers, 1, 64);
  checkInteger('numThreads', options.numThreads, 1, 64);
  checkInteger('stainFitStride', options.stainFitStride, 1, 64);
  checkPositive('cellMicrons', options.cellMicrons, 100);
  checkPositive('maxModelBytes', options.maxModelBytes);
  checkChoice('border', options.border, ['reflect', 'constant', 'skip']);
  for (const name of ['locateOnly', 'normalizeStain', 'graphCapture'] as const) checkBoolean(name, options[name]);
}

/**
 * Loads the model, starts the preprocess workers and the inference worker, and returns a scope.
 * Everything runs on this device; nothing is sent anywhere.
 */
export async function createScope(options: ScopeOptions = {}): Promise<Scope> {
  checkScopeOptions(options);
  const batchSize = options.batchSize ?? 8;
  const limits = resolveFrameLimits(options.frameLimits);
  const events: string[] = [];
  const workers = options.workers ?? platform.defaultPreprocessWorkers();
  const model = await loadModel(platform, options.model ?? platform.defaultModelCard(), options.maxModelBytes);
  const { card } = model;
  const scheme = resolveScheme(card);
  const pool = new PreprocessPool(platform, workers);
  let inference: InferenceClient | undefined;
  try {
    if (!options.locateOnly) {
      inference = await InferenceClient.open(platform, {
        card,
        modelBytes: model.modelBytes,
        backend: options.backend ?? 'auto',
        batchSize,
        ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
        ...(options.graphCapture !== undefined ? { graphCapture: options.graphCapture } : {}),
      }, limits.inferenceMs, events);
    }
  } catch (error) {
    await pool.terminate();
    throw error;
  }
  const normalize = options.normalizeStain ?? true;
  const job: PreprocessJob = {
    patchMicrons: card.input.patchMicrons,
    ...(options.cellMicrons ? { cellMicrons: options.cellMicrons } : {}),
    input: { width: card.input.width, height: card.input.height, mean: card.input.mean, std: card.input.std },
    ...(normalize && card.stainReference ? { stainReference: card.stainReference } : {}),
    locateOnly: false,
    border: options.border ?? 'reflect',
    stainFitStride: options.stainFitStride ?? 4,
  };
  let disposed = false;
  const alive = () => {
    if (disposed) throw new SmearscopeError('DISPOSED', 'this scope was disposed; create a new one with createScope()');
  };
  const context: StreamContext = { pool, inference, card, scheme, batchSize, job, limits, events };

  const scope: Scope = {
    card,
    scheme,
    batchSize,
    workers,
    get backend() {
      return inference?.backend ?? 'none';
    },
    get backendReason() {
      return inference?.reason ?? 'locate-only: no model session';
    },
    get notes() {
      return inference?.notes ?? [];
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
    testing: {
      crashInferenceOnNextRun: () => inference!.crashOnNextRun(),
      stallInferenceOnNextRun: () => inference!.stallOnNextRun(),
      loseGpuDevice: () => inference!.loseDevice(),
      killInferenceWorker: () => inference!.kill(),
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all([pool.terminate(), inference?.dispose()]);
    },
  };
  return scope;
}
