// Every public type of smearscope, in one file: what a caller passes and what it gets back.
// Types that a lower folder needs are defined there and re-exported here (see ARCHITECTURE.md
// "Layout"); the options and results of a scope are defined here. Units are in the names.
import type { CellDecision } from './clinical/decide-cell.js';
import type { CellThresholds, ResolvedScheme } from './clinical/scheme-types.js';
import type { SmearscopeErrorCode } from './errors.js';
import type { CamMap } from './explain/cam.js';
import type { FrameInput } from './frame.js';
import type { BackendChoice, BackendName } from './inference/backend.js';
import type { Dtype, DtypeChoice } from './inference/dtype.js';
import type { LoadProgress } from './inference/host.js';
import type { ModelSource } from './inference/load-model.js';
import type { ModelCard } from './inference/model-card-types.js';
import type { CellLocation } from './localize/cells.js';
import type { BorderPolicy } from './patch/write-patches.js';
import type { ScaleSource } from './scale/scale-source.js';
import type { StainReference } from './stain/reference.js';

export type { AbstainReason, CellDecision } from './clinical/decide-cell.js';
export type { CardClasses, CellThresholds, ResolvedScheme, SchemeClass, Lineage } from './clinical/scheme-types.js';
export type {
  ClassPercent,
  DifferentialReport,
  DecidedFrame,
  ScaleFlag,
  Slide,
  SlideCell,
  SlideFrame,
  SlideOptions,
} from './clinical/slide.js';
export type { ScreeningFlag, ScreeningFlagRule } from './clinical/screening-flags.js';
export type { SmearscopeErrorCode } from './errors.js';
export type { CamMap, CamOverlayOptions } from './explain/cam.js';
export type { EmbeddingOptions, EmbeddingProjection } from './explain/embedding.js';
export type { EncodedFrame, Frame, FrameInput, WriterFrame } from './frame.js';
export type { BackendChoice, BackendName } from './inference/backend.js';
export type { Dtype, DtypeChoice } from './inference/dtype.js';
export type { LoadProgress } from './inference/host.js';
export type { ModelSource } from './inference/load-model.js';
export type { Fp16Agreement, ModelCard } from './inference/model-card-types.js';
export type { ShippedModel } from './inference/shipped-models.js';
export type { CellLocation } from './localize/cells.js';
export type { BorderPolicy } from './patch/write-patches.js';
export type { ScaleSource } from './scale/scale-source.js';
export type { StainReference } from './stain/reference.js';

/** Per-frame budgets: each stage of a frame is bounded, and a frame over a budget fails with
 * FRAME_TIMEOUT (its worker is replaced) or FRAME_TOO_LARGE while the stream goes on. */
export interface FrameLimits {
  /** Decoding one encoded frame (in a preprocess worker), or a WriterFrame's writePixels, ms. Default 10,000. */
  decodeMs: number;
  /** Stain fit, localization and patches of one frame, ms. Default 20,000. */
  preprocessMs: number;
  /** One inference batch, ms (the frames of a batch over it fail). Default 30,000. */
  inferenceMs: number;
  /** Pixels of one frame (width x height), checked before decoding or sending. Default 100 MP. */
  maxFramePixels: number;
}

export interface ScopeOptions {
  /** A shipped model's id (see `models`), a card's path/URL, or `{ card, onnx }` in memory (default: the shipped bone-marrow model). */
  model?: ModelSource;
  /**
   * Browsers: the folder (URL) holding smearscope's `workers/`, `ort/` and `models/` when the host
   * serves them elsewhere than the package layout (esbuild, IIFE bundles, a CDN). Default: found
   * next to the bundle through `new URL(..., import.meta.url)`.
   */
  assetsPath?: string;
  /** Model loading: bytes of the card and graph as they arrive (browsers: also when served from the cache). */
  onProgress?: (progress: LoadProgress) => void;
  /** Browsers: keep the model in Cache Storage so the next start works offline (default true). */
  cacheModel?: boolean;
  /** Where the model runs (default 'auto': webgpu > native > wasm, the first that works here). */
  backend?: BackendChoice;
  /** Preprocess workers, each with its own copy of the WASM kernels (default: cores - 1, at most 4). */
  workers?: number;
  /** Cells per inference run, a static shape: an integer from 1 to 1024 (default: the card's fixed batch `input.batch`, else 8). */
  batchSize?: number;
  /** Locate cells only: no inference worker starts and results carry no decisions (default false). */
  locateOnly?: boolean;
  /** Expected leukocyte size for the localizer window, microns (default 12). */
  cellMicrons?: number;
  /** Pixel stride of the per-frame Macenko fit (default by frame size: 4, a fit on 1/16 of the
   * pixels, up to ~1.3 MP; above, about 80,000 pixels: 8 on a 2452 x 2056 frame). */
  stainFitStride?: number;
  /** Normalize frames to the card's stain reference when it has one (default: the card's stainNormalization, else true). */
  normalizeStain?: boolean;
  /** What to do with cells whose patch leaves the frame (default 'reflect'). */
  border?: BorderPolicy;
  /** ONNX Runtime threads of each inference session on wasm / native (default: the platform's
   * threads, 1 without cross-origin isolation, split over `inferenceSessions`). */
  numThreads?: number;
  /**
   * wasm / native: ONNX Runtime sessions, each in its own worker; batches go to whichever has room
   * (default: one single-threaded session per core, at most 4, also in pages that are not
   * cross-origin isolated; 1 when `numThreads` is given, and on webgpu, whose session stays one).
   * Separate sessions lose less to the preprocess workers' share of the cores than one session's
   * threads do; each holds its own copy of the model and of ONNX Runtime's memory (peak 631 -> 920
   * MiB with a second session of the bone-marrow model on wasm in Node).
   */
  inferenceSessions?: number;
  /** webgpu: try graph capture (default true). */
  graphCapture?: boolean;
  /**
   * webgpu in a browser: cut the patches on the GPU (crop, resample and stain normalization in a
   * compute shader, written straight into the session's input buffer; default true). The preprocess
   * workers then only fit the stain and locate the cells, and each frame's pixels go to the inference
   * worker once. false: patches on the CPU as on the other backends.
   */
  gpuPatches?: boolean;
  /** Float type of the model (default 'auto': 'fp16', the card's float16 graph, only on WebGPU with an adapter that has 'shader-f16'; else 'fp32'). An explicit 'fp16' needs a card with `fp16.model`; on wasm / native it runs the float16 graph in float32 kernels (slower; for checking it). */
  dtype?: DtypeChoice;
  /** Largest ONNX file read, bytes, checked before reading (default 1 GiB). */
  maxModelBytes?: number;
  /** Per-frame budgets: decodeMs, preprocessMs, inferenceMs (per batch), maxFramePixels (defaults 10 s, 20 s, 30 s, 100 MP; encoded frames are checked from their header, before decoding); a frame over one fails with FRAME_TIMEOUT or FRAME_TOO_LARGE and its worker is replaced. */
  frameLimits?: Partial<FrameLimits>;
}

export interface AnalyzeOptions {
  /** Stops the stream promptly: pending frames are dropped and the iterator throws ABORTED. */
  signal?: AbortSignal;
  /** Called after every finished frame. */
  onProgress?: (progress: AnalyzeProgress) => void;
  /** Scale for frames that carry none, microns per pixel (default: estimated from the erythrocytes:
   * each frame's own estimate when confident, else the run's calibration so far; see scaleSource). */
  micronsPerPixel?: number;
  /** A given scale that disagrees with the erythrocytes by more than 25 % fails the frame
   * (SCALE_MISMATCH) instead of only carrying a scaleWarning (default false). */
  strictScale?: boolean;
  /** Overrides of the card's decision thresholds, field by field. */
  thresholds?: Partial<CellThresholds>;
  /** Attach each cell's embedding (`decision.features`) when the model has one (default false). */
  includeFeatures?: boolean;
  /** Attach each cell's class activation map of its decided class (`decision.cam`), when the card declares a feature map and classifier weights (default false). */
  includeCam?: boolean;
  /** What to do with cells whose patch leaves the frame (default: the scope's border). */
  border?: BorderPolicy;
  /** Each frame is one centred single-cell image (eval): no localization (default false). */
  singleCell?: boolean;
  /** Upper bound on frames pulled but not yet yielded, a memory bound (default 32). */
  maxFramesInFlight?: number;
  /** Hand each raw frame's pixel buffer to its preprocess worker instead of copying it (default
   * false): the frame's one copy (into the worker's kernel memory; ~1-2.5 ms of CPU per 2452 x 2056
   * RGBA frame) is then made by the worker instead of this thread.
   * Pixels that span an ArrayBuffer of their own are detached from `frame.pixels` once the frame is
   * taken (do not reuse them); other pixels are copied as without it. A frame so handed over is not
   * retried when its worker crashes (WORKER_CRASHED), nor when it was refused for its scale before
   * the run was calibrated (pass micronsPerPixel). */
  transferFrames?: boolean;
}

export interface Scope {
  /** The model card in use. */
  readonly card: ModelCard;
  /** The card's class scheme, restricted to its classes. */
  readonly scheme: ResolvedScheme;
  /** True when created with `locateOnly`: results carry locations only. */
  readonly locateOnly: boolean;
  /** The backend in use ('none' when locate-only). */
  readonly backend: BackendName | 'none';
  /** The graph in use: 'fp32', or 'fp16' (the card's float16 graph); 'none' when locate-only. */
  readonly dtype: Dtype | 'none';
  /** Why this backend (what auto tried), plus setup notes and later fallbacks. */
  readonly backendReason: string;
  /** What the session decided while setting up (graph capture dropped, threads, ...). */
  readonly notes: readonly string[];
  /** Backend changes, worker restarts and a throwing onProgress, in order. */
  readonly events: readonly string[];
  /** Cells per inference run. */
  readonly batchSize: number;
  /** Preprocess workers. */
  readonly workers: number;
  /** Inference sessions, each in its own worker (0 when locate-only). */
  readonly inferenceSessions: number;
  /** Analyzes one frame; throws the frame's typed error if it fails. */
  analyzeFrame(frame: FrameInput, options?: AnalyzeOptions): Promise<FrameResult>;
  /** One result per input frame, in order; failed frames carry `error` and the stream goes on. */
  analyzeStream(frames: AsyncIterable<FrameInput> | Iterable<FrameInput>, options?: AnalyzeOptions): AsyncGenerator<FrameResult>;
  /** Stops the workers, in bounded time (a stuck worker is terminated); the scope cannot be used afterwards. */
  dispose(): Promise<void>;
}

/** What the model says about one cell: the clinical decision plus the model's outputs. */
export interface CellClassification extends CellDecision {
  /** Class probabilities by class code (model output order). */
  probs: Record<string, number>;
  /** The model's embedding of the cell, with `includeFeatures` when the card declares features. */
  features?: Float32Array;
  /** Class activation map of the decided class over the patch (feature-map grid, values 0..1), with
   * `includeCam`; `camOverlay` turns it into an RGBA image of the patch size. */
  cam?: CamMap;
}

/** One located leukocyte and, unless the scope is locate-only, its classification. */
export interface CellResult extends CellLocation {
  /** Absent on a locate-only scope. */
  decision?: CellClassification;
}

/** The stain of a frame as the preprocess worker measured it. */
export interface FrameStain {
  /** The frame's own Macenko fit, when it had enough stain for one. */
  stainMatrix?: StainReference['stainMatrix'];
  maxC?: StainReference['maxC'];
  /** The patches were normalized to the card's stain reference. */
  normalized: boolean;
  /** Why there is no fit (too little stain), when there is none. */
  note?: string;
}

/** Time each stage took for a frame, milliseconds. */
export interface FrameTimingsMs {
  stainFit: number;
  localize: number;
  patches: number;
  inference: number;
  total: number;
}

/** Everything smearscope says about one input frame; `error` set when the frame failed. */
export interface FrameResult {
  /** Position of the frame in the input stream, from 0. */
  index: number;
  /** The frame's label, when it had one. */
  label?: string;
  /** Frame size in pixels; 0 when the frame failed before its size was known (an encoded frame that did not decode, or not a frame). */
  width: number;
  height: number;
  /** The scale used, microns per pixel; absent when unknown (the frame failed before its scale was known). */
  micronsPerPixel?: number;
  /** Where `micronsPerPixel` came from; present exactly when it is. */
  scaleSource?: ScaleSource;
  /** With scaleSource 'frame': the 95 % interval of the frame's erythrocyte estimate, um/px. */
  scaleInterval?: [number, number];
  /** A given scale disagrees with the erythrocytes by more than 25 %; the text has both values. */
  scaleWarning?: string;
  /** Stage position of the frame's top-left pixel, microns (from the input frame). */
  stageMicrons?: { x: number; y: number };
  cells: CellResult[];
  /** Cells found whose patch crossed the frame border under the 'skip' policy. */
  skippedAtBorder: CellLocation[];
  stain?: FrameStain;
  timingsMs: FrameTimingsMs;
  error?: { code: SmearscopeErrorCode; message: string };
}

export interface AnalyzeProgress {
  framesStarted: number;
  framesDone: number;
  framesFailed: number;
  cellsClassified: number;
}
