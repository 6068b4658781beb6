import { platform } from '#platform';
import { resolveScheme } from './clinical/schemes.js';
import type { ResolvedScheme } from './clinical/scheme-types.js';
import { SmearscopeError } from './errors.js';
import type { FrameInput } from './frame.js';
import { withAssetsPath } from './platform/with-assets.js';
import { workerHost } from '#platform-spawn';
import type { LoadProgress } from './platform/types.js';
import { defaultModelId } from './inference/shipped-models.js';
import type { BackendChoice, BackendName } from './inference/backend.js';
import { loadModel, type ModelSource } from './inference/load-model.js';
import type { ModelCard } from './inference/model-card-types.js';
import { analyzeStream, type AnalyzeOptions } from './pipeline/analyze-stream.js';
import { InferenceClient } from './pipeline/inference-client.js';
import type { PreprocessJob } from './pipeline/preprocess-frame.js';
import { PreprocessPool } from './pipeline/preprocess-pool.js';
import type { FrameResult } from './pipeline/results.js';

export interface ScopeOptions {
  /** A shipped model's id (see `models`), a card's path/URL, or `{ card, onnx }` in memory. Default: the shipped bone-marrow model. */
  model?: ModelSource;
  /**
   * Browsers: the folder (URL) holding smearscope's `workers/`, `ort/` and `models/` when the host
   * serves them elsewhere than the package layout (esbuild, IIFE bundles, a CDN). Default: found
   * next to the bundle through `new URL(..., import.meta.url)`.
   */
  assetsPath?: string;
  /** Model loading: bytes of the card and graph as they arrive (browsers: also when served from the cache). */
  onProgress?: (progress: LoadProgress) => void;
  /** Browsers: keep the model in Cache Storage so the next start works offline. Default true. */
  cacheModel?: boolean;
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
  /** Encoded frames with more pixels (width x height) are refused before decoding (IMAGE_TOO_LARGE). Default 100 MP. */
  maxDecodedPixels?: number;
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
  readonly testing: { crashInferenceOnNextRun(): Promise<void>; loseGpuDevice(): Promise<boolean> };
  dispose(): Promise<void>;
}

/**
 * Loads the model, starts the preprocess workers and the inference worker, and returns a scope.
 * Everything runs on this device; nothing is sent anywhere.
 */
export async function createScope(options: ScopeOptions = {}): Promise<Scope> {
  const batchSize = options.batchSize ?? 8;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1024) {
    throw new SmearscopeError('INVALID_ARGUMENT', `batchSize must be an integer from 1 to 1024, got ${options.batchSize}`);
  }
  const workers = options.workers ?? platform.defaultPreprocessWorkers();
  const host = withAssetsPath({ ...platform, ...workerHost }, options.assetsPath);
  const model = await loadModel(host, options.model ?? defaultModelId(), {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.cacheModel !== undefined ? { cache: options.cacheModel } : {}),
  });
  const { card } = model;
  const scheme = resolveScheme(card);
  const pool = new PreprocessPool(host, workers);
  let inference: InferenceClient | undefined;
  try {
    if (!options.locateOnly) {
      inference = await InferenceClient.open(host, {
        card,
        modelBytes: model.modelBytes,
        backend: options.backend ?? 'auto',
        batchSize,
        ...(options.numThreads !== undefined ? { numThreads: options.numThreads } : {}),
        ...(options.graphCapture !== undefined ? { graphCapture: options.graphCapture } : {}),
        ...(options.assetsPath ? { assetsPath: options.assetsPath } : {}),
      });
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
    ...(options.maxDecodedPixels !== undefined ? { maxDecodedPixels: options.maxDecodedPixels } : {}),
  };
  let disposed = false;
  const alive = () => {
    if (disposed) throw new SmearscopeError('DISPOSED', 'this scope was disposed; create a new one with createScope()');
  };
  const context = { pool, inference, card, scheme, batchSize, job };

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
      return inference?.events ?? [];
    },
    async analyzeFrame(frame, frameOptions) {
      alive();
      for await (const result of analyzeStream(context, [frame], frameOptions)) {
        if (result.error) throw new SmearscopeError(result.error.code, result.error.message);
        return result;
      }
      throw new SmearscopeError('INVALID_FRAME', 'the frame produced no result');
    },
    analyzeStream(frames, streamOptions) {
      alive();
      return analyzeStream(context, frames, streamOptions);
    },
    testing: {
      crashInferenceOnNextRun: () => inference!.crashOnNextRun(),
      loseGpuDevice: () => inference!.loseDevice(),
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all([pool.terminate(), inference?.dispose()]);
    },
  };
  return scope;
}
