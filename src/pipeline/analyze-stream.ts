import { decideCell } from '../clinical/decide-cell.js';
import { computeCam } from '../explain/cam.js';
import type { CellThresholds, ResolvedScheme } from '../clinical/scheme-types.js';
import { softmaxInto } from '../clinical/softmax.js';
import { SmearscopeError, toSmearscopeError } from '../errors.js';
import { isEncodedFrame, type FrameInput } from '../frame.js';
import type { ModelCard } from '../inference/model-card-types.js';
import { calibrateRun, type ScaleEstimate } from '../scale/estimate.js';
import type { InferenceClient } from './inference-client.js';
import type { PreparedFrame, PreprocessJob } from './preprocess-frame.js';
import type { PreprocessPool } from './preprocess-pool.js';
import type { AnalyzeProgress, CellResult, FrameResult } from './results.js';

export interface AnalyzeOptions {
  /** Stops the stream promptly: pending frames are dropped and the iterator throws ABORTED. */
  signal?: AbortSignal;
  /** Called after every finished frame. */
  onProgress?: (progress: AnalyzeProgress) => void;
  /** Only locate cells; no patches, no model. */
  locateOnly?: boolean;
  /** Scale for frames that carry none; otherwise it is estimated from the erythrocytes (each
   * frame's own estimate when confident, else the run's calibration so far: scaleSource). */
  micronsPerPixel?: number;
  /** A given scale that disagrees with the erythrocytes by more than 25 % fails the frame
   * (SCALE_MISMATCH) instead of only carrying a scaleWarning. */
  strictScale?: boolean;
  /** Override the card's decision thresholds. */
  thresholds?: Partial<CellThresholds>;
  /** Attach each cell's embedding (`features`) when the model has one. */
  includeFeatures?: boolean;
  /** Attach each cell's class activation map for its decided class (`cam`), when the card
   * declares a feature map and classifier weights (GAP + one linear layer). */
  includeCam?: boolean;
  /** What to do with cells whose patch leaves the frame (default 'reflect'). */
  border?: PreprocessJob['border'];
  /** Each frame is one centred single-cell image (eval): no localization. */
  singleCell?: boolean;
  /** Upper bound on frames pulled but not yet yielded (memory bound; default 32). */
  maxFramesInFlight?: number;
  /** Test hook for failure isolation: how many attempts at frame `index` crash their preprocess
   * worker (0 or undefined: none; 1: the first, then the retry succeeds; 2: both, the frame fails). */
  crashPreprocess?: (index: number) => number | undefined;
}

export interface StreamContext {
  pool: PreprocessPool;
  inference: InferenceClient | undefined;
  card: ModelCard;
  scheme: ResolvedScheme;
  batchSize: number;
  job: PreprocessJob;
}

/** What a result needs of its input once the pixels are gone. */
interface FrameInfo {
  label?: string;
  width?: number;
  height?: number;
  micronsPerPixel?: number;
  stageMicrons?: { x: number; y: number };
}

interface FrameState {
  index: number;
  /** The input until it is prepared, then only its description (the pixels are let go). */
  frame: FrameInput | FrameInfo;
  startedAt: number;
  prepared?: PreparedFrame;
  cells: CellResult[];
  /** Cells still waiting for the model. */
  remaining: number;
  inferenceMs: number;
  failed?: SmearscopeError;
}

interface PendingCell {
  state: FrameState;
  cell: number;
}

/** How long cells may wait for a fuller batch while the source is slow to give the next frame. */
const PARTIAL_BATCH_WAIT_MS = 30;

/**
 * The frame scheduler: pulls frames (bounded, so a fast producer is slowed), prepares them on the
 * preprocess pool, packs their cells across frames into full batches for the inference worker
 * (at most two in flight, so the model never waits for packing), and yields one result per input
 * frame, in input order. A frame that fails yields a result with `error`; the stream goes on.
 */
export async function* analyzeStream(
  ctx: StreamContext,
  frames: AsyncIterable<FrameInput> | Iterable<FrameInput>,
  options: AnalyzeOptions = {},
): AsyncGenerator<FrameResult> {
  const locateOnly = options.locateOnly ?? false;
  if (!locateOnly && !ctx.inference) throw new SmearscopeError('INVALID_ARGUMENT', 'this scope was created locate-only');
  if (options.includeCam && !(ctx.card.outputs.featureMap && ctx.card.outputs.classifier)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `model "${ctx.card.id}" declares no featureMap output and classifier weights, so it has no CAM`);
  }
  const maxInFlight = options.maxFramesInFlight ?? 32;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new SmearscopeError('INVALID_ARGUMENT', `maxFramesInFlight must be a positive integer, got ${maxInFlight}`);
  }
  const job: PreprocessJob = {
    ...ctx.job,
    locateOnly,
    ...(options.singleCell ? { singleCell: true } : {}),
    ...(options.border ? { border: options.border } : {}),
    ...(options.micronsPerPixel !== undefined ? { micronsPerPixel: options.micronsPerPixel } : {}),
    ...(options.strictScale ? { strictScale: true } : {}),
  };
  // The run's calibration: every frame's own erythrocyte estimate, confident ones make the median.
  const scaleEstimates: ScaleEstimate[] = [];
  const classCount = ctx.scheme.classCount;
  const cellFloats = 3 * ctx.card.input.width * ctx.card.input.height;
  const probs = new Float32Array(classCount);
  const cancel = new AbortController();
  const onAbort = () => cancel.abort();
  options.signal?.addEventListener('abort', onAbort);

  const iterator = Symbol.asyncIterator in frames ? frames[Symbol.asyncIterator]() : (frames as Iterable<FrameInput>)[Symbol.iterator]();
  const finished = new Map<number, FrameResult>();
  const pending: PendingCell[] = [];
  let pendingHead = 0;
  let nextIndex = 0;
  let nextEmit = 0;
  let inputDone = false;
  let pullingSince: number | undefined;
  let preparing = 0;
  let fatal: unknown;
  const progress: AnalyzeProgress = { framesStarted: 0, framesDone: 0, framesFailed: 0, cellsClassified: 0 };

  let wake: () => void = () => undefined;
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => wake();
  cancel.signal.addEventListener('abort', notify);
  let timer: ReturnType<typeof setTimeout> | undefined;

  const finish = (state: FrameState) => {
    const prepared = state.prepared;
    const result: FrameResult = {
      index: state.index,
      ...(state.frame.label !== undefined ? { label: state.frame.label } : {}),
      width: prepared?.width ?? (state.frame as FrameInfo).width ?? 0,
      height: prepared?.height ?? (state.frame as FrameInfo).height ?? 0,
      micronsPerPixel: prepared?.micronsPerPixel ?? state.frame.micronsPerPixel ?? Number.NaN,
      scaleEstimated: prepared?.scaleEstimated ?? false,
      ...(prepared?.scaleSource ? { scaleSource: prepared.scaleSource } : {}),
      ...(prepared?.scaleSource === 'frame' && prepared.scaleEstimate ? { scaleInterval: prepared.scaleEstimate.interval } : {}),
      ...(prepared?.scaleWarning ? { scaleWarning: prepared.scaleWarning } : {}),
      ...(state.frame.stageMicrons ? { stageMicrons: state.frame.stageMicrons } : {}),
      cells: state.failed ? [] : state.cells,
      skippedAtBorder: prepared?.skippedAtBorder ?? [],
      ...(prepared ? { stain: prepared.stain } : {}),
      timingsMs: {
        ...(prepared?.timingsMs ?? { stainFit: 0, localize: 0, patches: 0 }),
        inference: state.inferenceMs,
        total: performance.now() - state.startedAt,
      },
      ...(state.failed ? { error: { code: state.failed.code, message: state.failed.message } } : {}),
    };
    if (state.failed) progress.framesFailed++;
    progress.framesDone++;
    progress.cellsClassified += locateOnly || state.failed ? 0 : state.cells.length;
    state.prepared = undefined; // drop the patch tensor now
    finished.set(state.index, result);
    options.onProgress?.({ ...progress });
    notify();
  };

  const prepare = async (state: FrameState) => {
    preparing++;
    try {
      const input = state.frame as FrameInput;
      const withRun = () => {
        const run = calibrateRun(scaleEstimates);
        return run ? { ...job, runMicronsPerPixel: run.micronsPerPixel } : job;
      };
      const frameJob = withRun();
      const prepared = await ctx.pool.prepare(input, frameJob, cancel.signal, options.crashPreprocess?.(state.index))
        .catch((error) => {
          // Frames are prepared concurrently: one refused for its scale (INVALID_FRAME) before any
          // frame was calibrated gets a second try once the run has a calibration.
          const retry = withRun();
          if (toSmearscopeError(error, 'INVALID_FRAME').code !== 'INVALID_FRAME' || retry === job || frameJob !== job) throw error;
          return ctx.pool.prepare(input, retry, cancel.signal);
        })
        .finally(() => (state.frame = describe(input)));
      if (prepared.scaleEstimate) scaleEstimates.push(prepared.scaleEstimate);
      state.prepared = prepared;
      state.cells = prepared.cells.map((cell) => ({ ...cell }));
      state.remaining = locateOnly ? 0 : prepared.cells.length;
      for (let cell = 0; cell < state.remaining; cell++) pending.push({ state, cell });
      if (state.remaining === 0) finish(state);
    } catch (error) {
      if (cancel.signal.aborted) return;
      state.failed = toSmearscopeError(error, 'INVALID_FRAME');
      finish(state);
    } finally {
      preparing--;
      notify();
    }
  };

  const pull = async () => {
    pullingSince = performance.now();
    try {
      const next = await iterator.next();
      if (next.done) {
        inputDone = true;
      } else {
        const state: FrameState = { index: nextIndex++, frame: next.value, startedAt: performance.now(), cells: [], remaining: 0, inferenceMs: 0 };
        progress.framesStarted++;
        void prepare(state);
      }
    } catch (error) {
      fatal = error; // the caller's iterable threw: end the stream with that error
    } finally {
      pullingSince = undefined;
      notify();
    }
  };

  const runBatch = async (cells: PendingCell[]) => {
    const startedAt = performance.now();
    try {
      const outputs = await ctx.inference!.run((batch) => {
        for (let k = 0; k < cells.length; k++) {
          const { state, cell } = cells[k];
          batch.set(state.prepared!.patches!.subarray(cell * cellFloats, (cell + 1) * cellFloats), k * cellFloats);
        }
        batch.fill(0, cells.length * cellFloats); // padding of a partial batch
      });
      const share = (performance.now() - startedAt) / cells.length;
      const featureDims = outputs.features ? outputs.features.length / ctx.batchSize : 0;
      for (let k = 0; k < cells.length; k++) {
        const { state, cell } = cells[k];
        if (state.failed) continue;
        softmaxInto(outputs.logits, k, classCount, probs);
        const decision = decideCell(probs, ctx.scheme, options.thresholds);
        const byCode: Record<string, number> = {};
        for (let c = 0; c < classCount; c++) byCode[ctx.scheme.classes[c].code] = probs[c];
        Object.assign(state.cells[cell], decision, { probs: byCode });
        if (options.includeFeatures && outputs.features) {
          state.cells[cell].features = outputs.features.slice(k * featureDims, (k + 1) * featureDims);
        }
        if (options.includeCam && outputs.featureMap && outputs.featureMapShape && ctx.card.outputs.classifier) {
          const [channels, height, width] = outputs.featureMapShape;
          state.cells[cell].cam = computeCam(outputs.featureMap, k, { channels, height, width }, ctx.card.outputs.classifier.weights, decision.classIndex);
        }
        state.inferenceMs += share;
        if (--state.remaining === 0) finish(state);
      }
    } catch (error) {
      const failure = toSmearscopeError(error, 'INFERENCE_FAILED');
      for (const { state } of cells) {
        if (state.failed || state.remaining === 0) continue;
        state.failed = failure;
        state.remaining = 0;
        finish(state);
      }
    }
    notify();
  };

  const dispatch = () => {
    while (!locateOnly && ctx.inference!.inFlight < 2) {
      const waiting = pending.length - pendingHead;
      if (waiting === 0) return;
      if (waiting < ctx.batchSize) {
        // A partial batch only when nothing else is coming soon.
        const slowSource = pullingSince !== undefined && performance.now() - pullingSince >= PARTIAL_BATCH_WAIT_MS;
        const nothingComing = preparing === 0 && (inputDone || slowSource || nextIndex - nextEmit >= maxInFlight);
        if (!nothingComing) {
          if (pullingSince !== undefined && preparing === 0 && !timer) {
            timer = setTimeout(() => { timer = undefined; notify(); }, PARTIAL_BATCH_WAIT_MS);
          }
          return;
        }
      }
      const take = Math.min(ctx.batchSize, waiting);
      const cells = pending.slice(pendingHead, pendingHead + take).filter((p) => !p.state.failed);
      pendingHead += take;
      // Drop taken cells from the queue's head now and then: they hold their frames' patches.
      if (pendingHead >= 64) { pending.splice(0, pendingHead); pendingHead = 0; }
      if (cells.length > 0) void runBatch(cells);
    }
  };

  try {
    for (;;) {
      if (cancel.signal.aborted) throw new SmearscopeError('ABORTED', `analysis aborted after ${nextEmit} of ${nextIndex} frames`);
      if (fatal) throw toSmearscopeError(fatal, 'INVALID_ARGUMENT');
      while (finished.has(nextEmit)) {
        const result = finished.get(nextEmit)!;
        finished.delete(nextEmit);
        nextEmit++;
        yield result;
        if (cancel.signal.aborted) throw new SmearscopeError('ABORTED', `analysis aborted after ${nextEmit} of ${nextIndex} frames`);
      }
      if (inputDone && nextEmit === nextIndex) return;
      const room = nextIndex - nextEmit < maxInFlight;
      const patchesWaiting = pending.length - pendingHead;
      if (!inputDone && pullingSince === undefined && room && preparing <= ctx.pool.size && patchesWaiting < 2 * ctx.batchSize) {
        void pull();
      }
      dispatch();
      await woken;
      woken = new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    cancel.abort(); // frames still queued for a worker are dropped
    options.signal?.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
    if (!inputDone) await (iterator as AsyncIterator<FrameInput>).return?.();
  }
}

function describe(input: FrameInput): FrameInfo {
  return {
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(isEncodedFrame(input) ? {} : { width: input.width, height: input.height }),
    ...(input.micronsPerPixel !== undefined ? { micronsPerPixel: input.micronsPerPixel } : {}),
    ...(input.stageMicrons ? { stageMicrons: input.stageMicrons } : {}),
  };
}
