import type { AnalyzeOptions, AnalyzeProgress, FrameResult } from '../api-types.js';
import { THRESHOLD_KEYS, mergeThresholds } from '../clinical/cell-thresholds.js';
import type { ResolvedScheme } from '../clinical/scheme-types.js';
import { SmearscopeError, toSmearscopeError } from '../errors.js';
import { checkMicronsPerPixel, type FrameInput } from '../frame.js';
import type { ModelCard } from '../inference/model-card-types.js';
import { calibrateRun, type ScaleEstimate } from '../scale/estimate.js';
import { needsRunCalibration } from '../scale/resolve.js';
import { CellQueue, partialBatchDecision, type PendingCell } from './cell-batching.js';
import { classifyCells } from './classify-cells.js';
import { describe, frameResult, newFrameState, type FrameInfo, type FrameState } from './frame-state.js';
import { pixelsHandedOver } from './frame-buffers.js';
import { checkBoolean, checkChoice, checkFunction, checkInteger, checkKnownKeys, checkOptionsObject } from '../check-options.js';
import type { FrameLimits } from '../api-types.js';
import type { InferenceClient } from './inference-client.js';
import { nextSession } from './inference-sessions.js';
import type { BatchOutputs } from '../inference/backend.js';
import type { PlanSegment } from '../patch/batch-plan.js';
import { settleWithin } from './worker-slot.js';
import { InputOrder } from './input-order.js';
import type { PreprocessJob } from './preprocess-frame.js';
import { decodedSizeOf, type PreprocessPool } from './preprocess-pool.js';

export interface StreamContext {
  pool: PreprocessPool;
  /** The inference sessions: filled batches go to whichever has room, planned batches and their frames
   * to the first alone. Empty on a locate-only scope: then no cell waits for a model. */
  sessions: readonly InferenceClient[];
  card: ModelCard;
  scheme: ResolvedScheme;
  batchSize: number;
  job: PreprocessJob;
  /** Per-frame budgets (see frame-limits.ts). */
  limits: FrameLimits;
  /** The scope's event log (a throwing onProgress is reported here). */
  events: string[];
  /** Test hook (see src/testing.ts): how many attempts at frame `index` crash their preprocess worker. */
  crashPreprocess?: (index: number) => number | undefined;
  /**
   * Planned batches (the inference worker cuts the patches): by default exactly when its session is
   * bound to a GPU input buffer and ScopeOptions.gpuPatches is not false. Tests set it to plan on
   * CPU sessions too (the worker then cuts them with its own kernels, as after a lost device).
   */
  planBatches?: boolean;
  gpuPatches?: boolean;
}

/** Batches in flight per session: one running, one waiting in its worker, so it never idles for packing. */
const MAX_BATCHES_IN_FLIGHT = 2;

/** How long the end of a stream waits for the caller's source to close (its return()). */
const SOURCE_CLOSE_WAIT_MS = 50;

/** Every key of AnalyzeOptions and of its thresholds (`satisfies` keeps the lists complete and exact). */
const ANALYZE_OPTION_KEYS = {
  signal: true,
  onProgress: true,
  micronsPerPixel: true,
  strictScale: true,
  thresholds: true,
  includeFeatures: true,
  includeCam: true,
  border: true,
  singleCell: true,
  maxFramesInFlight: true,
  transferFrames: true,
} as const satisfies Record<keyof AnalyzeOptions, true>;
/** Confident frame estimates the run's scale calibration is the median of: the latest ones. */
const RUN_CALIBRATION_FRAMES = 255;

/**
 * Checks a stream's arguments synchronously (INVALID_ARGUMENT naming the bad one), so a caller's
 * mistake is thrown where it was made, not inside the pipeline.
 */
export function checkStreamArguments(ctx: StreamContext, frames: unknown, options: AnalyzeOptions | undefined): void {
  if (frames === null || typeof frames !== 'object' || !(Symbol.asyncIterator in frames || Symbol.iterator in frames)) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `frames must be an iterable or async iterable of frames, got ${frames === null ? 'null' : typeof frames}`,
    );
  }
  checkOptionsObject('analyze options', options);
  if (!options) return;
  checkKnownKeys('analyze options', options, ANALYZE_OPTION_KEYS);
  if (options.signal !== undefined && !isAbortSignal(options.signal))
    throw new SmearscopeError('INVALID_ARGUMENT', 'signal must be an AbortSignal');
  checkFunction('onProgress', options.onProgress);
  for (const name of ['includeFeatures', 'includeCam', 'singleCell', 'transferFrames'] as const) checkBoolean(name, options[name]);
  if (options.micronsPerPixel !== undefined) checkMicronsPerPixel(options.micronsPerPixel, 'INVALID_ARGUMENT', 'options.micronsPerPixel');
  checkChoice('border', options.border, ['reflect', 'constant', 'skip']);
  checkInteger('maxFramesInFlight', options.maxFramesInFlight, 1, 4096);
  checkOptionsObject('options.thresholds', options.thresholds);
  checkKnownKeys('options.thresholds', options.thresholds, THRESHOLD_KEYS);
  // The same check decideCell makes, here where the caller made the mistake: there it would fail
  // every frame of the stream, each after its work was done.
  if (options.thresholds) mergeThresholds(ctx.scheme.thresholds, options.thresholds, 'INVALID_ARGUMENT', 'options.thresholds');
  if (options.includeCam && !(ctx.card.outputs.featureMap && ctx.card.outputs.classifier)) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `model "${ctx.card.id}" declares no featureMap output and classifier weights, so it has no CAM`,
    );
  }
}

/** The stream's end when the caller's frame source threw (IO_FAILED, as a WriterFrame's failed write). */
function sourceFailed(error: unknown, framesTaken: number): SmearscopeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new SmearscopeError(
    'IO_FAILED',
    `the frame source threw after giving ${framesTaken} frame(s), whose results were yielded: ${reason}; ` +
      'the stream ended there, so analyze the frames after it in a new stream once the source is fixed',
    { cause: error },
  );
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

/**
 * The frame scheduler: pulls frames (bounded, so a fast producer is slowed), prepares them on the
 * preprocess pool, packs their cells across frames into batches for the inference sessions (at most
 * two in flight per session, so the model never waits for packing; see cell-batching.ts), and yields one
 * result per input frame, in input order. A frame that fails yields a result with `error`; the
 * stream goes on.
 */
export async function* analyzeStream(
  ctx: StreamContext,
  frames: AsyncIterable<FrameInput> | Iterable<FrameInput>,
  options: AnalyzeOptions = {},
): AsyncGenerator<FrameResult> {
  const inference: InferenceClient | undefined = ctx.sessions[0];
  checkStreamArguments(ctx, frames, options);
  const maxInFlight = options.maxFramesInFlight ?? 32;
  // Decided once per stream: a fallback from webgpu mid-stream keeps planning (the worker then cuts
  // the patches on the CPU); the next stream goes back to the preprocess workers' patches.
  const planned = inference !== undefined && (ctx.planBatches ?? (inference.gpuInput && ctx.gpuPatches !== false));
  // Planned batches need the frames their first session holds; filled ones may go to any session.
  const batchSessions = planned ? [inference] : ctx.sessions;
  const job: PreprocessJob = {
    ...ctx.job,
    ...(planned ? { deferPatches: true } : {}),
    ...(options.singleCell ? { singleCell: true } : {}),
    ...(options.border ? { border: options.border } : {}),
    ...(options.micronsPerPixel !== undefined ? { micronsPerPixel: options.micronsPerPixel } : {}),
    ...(options.strictScale ? { strictScale: true } : {}),
  };
  // The run's calibration: the median of the frames' confident erythrocyte estimates (the latest RUN_CALIBRATION_FRAMES).
  const scaleEstimates: ScaleEstimate[] = [];
  const cellFloats = 3 * ctx.card.input.width * ctx.card.input.height;
  let iterator: Iterator<FrameInput> | AsyncIterator<FrameInput>;
  try {
    iterator = Symbol.asyncIterator in frames ? frames[Symbol.asyncIterator]() : (frames as Iterable<FrameInput>)[Symbol.iterator]();
  } catch (error) {
    throw sourceFailed(error, 0); // a generator function that throws before its first frame, say
  }
  const cancel = new AbortController();
  const onAbort = () => cancel.abort();
  options.signal?.addEventListener('abort', onAbort);
  // A signal aborted before the call never fires 'abort' again: it stops the stream at its first
  // step, as an abort then would (ABORTED, no frame pulled).
  if (options.signal?.aborted) onAbort();

  const order = new InputOrder<FrameResult>();
  const queue = new CellQueue();
  let pulled = 0;
  let inputDone = false;
  let pullingSinceMs: number | undefined;
  let preparing = 0;
  let fatal: unknown;
  /** What the caller's source threw: the stream ends with it once the frames taken are answered. */
  let sourceFailure: { error: unknown } | undefined;
  let progressFailed = false;
  const progress: AnalyzeProgress = { framesStarted: 0, framesDone: 0, framesFailed: 0, cellsClassified: 0 };

  let wake: () => void = () => undefined;
  let woken = new Promise<void>((resolve) => (wake = resolve));
  const notify = () => wake();
  cancel.signal.addEventListener('abort', notify);
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Whether no more frames will come soon: none preparing, and the input done, the window full, or
   * the source silent for PARTIAL_BATCH_WAIT_MS (a camera, a queue). Then a partial batch goes out
   * and parked frames stop waiting; before that the loop is woken when the wait is up.
   */
  const upstreamStalled = (): boolean => {
    const upstream = { preparing, inputDone, windowFull: pulled - order.emitted >= maxInFlight, pullingSinceMs };
    const decision = partialBatchDecision(upstream, performance.now());
    if (!decision.send && decision.retryInMs !== undefined && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        notify();
      }, decision.retryInMs);
    }
    return decision.send;
  };

  const finish = (state: FrameState) => {
    const result = frameResult(state);
    if (state.failed) progress.framesFailed++;
    progress.framesDone++;
    progress.cellsClassified += result.cells.filter((cell) => cell.decision).length;
    state.prepared = undefined; // drop the patch tensor now
    releaseCustody(state);
    order.put(state.index, result);
    reportProgress();
    notify();
  };

  // Frames whose pixels the stream or the inference worker holds for planned batches.
  const custodial = new Set<FrameState>();
  const releaseCustody = (state: FrameState) => {
    const custody = state.custody;
    if (!custody) return;
    if (custody.heldBy !== undefined) inference?.releaseFrames([custody.frameKey]);
    if (custody.pixels) ctx.pool.recycle(custody.pixels.buffer as ArrayBuffer);
    state.custody = undefined;
    custodial.delete(state);
  };

  // The caller's callback must not touch any frame: a throw is reported once, as a scope event.
  const reportProgress = () => {
    if (!options.onProgress) return;
    try {
      options.onProgress({ ...progress });
    } catch (error) {
      if (progressFailed) return;
      progressFailed = true;
      ctx.events.push(
        `onProgress threw (${error instanceof Error ? error.message : String(error)}); no frame was affected, later throws are not reported`,
      );
    }
  };

  // Internal tasks run detached; one that throws (a bug) ends the stream with that error instead
  // of becoming an unhandled rejection that could kill the host process.
  const detach = (task: Promise<unknown>) => {
    task.catch((error: unknown) => {
      fatal ??= error;
      notify();
    });
  };

  /** The job with the run's calibration so far; `job` itself while the run has none. */
  const withRun = (): PreprocessJob => {
    const run = calibrateRun(scaleEstimates);
    return run ? { ...job, runMicronsPerPixel: run.micronsPerPixel } : job;
  };
  // Frames that could not measure their own scale before the run had a calibration wait here for
  // one (a later frame's confident estimate), so a frame does not fail for coming early in the
  // stream; released by releaseParked, with undefined when none can come soon (upstreamStalled:
  // a push-fed stream, a cluster worker's queue or the review station's drops, may bring no frame
  // for a long time, and the results behind a parked frame wait for it).
  const parked: Array<(calibrated: PreprocessJob | undefined) => void> = [];
  const awaitCalibration = async (): Promise<PreprocessJob | undefined> => {
    preparing--; // a parked frame holds no worker
    try {
      return await new Promise<PreprocessJob | undefined>((resolve) => {
        parked.push(resolve);
        notify();
      });
    } finally {
      preparing++;
    }
  };
  /** Resumes the parked frames once the run is calibrated, or fails them (undefined) once the
   * upstream has stalled with none calibrated. */
  const releaseParked = () => {
    if (parked.length === 0) return;
    const calibrated = withRun();
    if (calibrated === job && !upstreamStalled()) return;
    for (const resume of parked.splice(0)) resume(calibrated === job ? undefined : calibrated);
  };

  const prepare = async (state: FrameState) => {
    preparing++;
    try {
      const input = state.frame as FrameInput;
      const frameJob = withRun();
      const prepared = await ctx.pool
        .prepare(input, frameJob, ctx.limits, cancel.signal, ctx.crashPreprocess?.(state.index), options.transferFrames === true)
        .catch(async (error) => {
          // Frames are prepared concurrently: one refused (INVALID_FRAME) before the run had a
          // calibration gets a second try with it, at once if it has come meanwhile, else, when it
          // was refused for its scale alone, once it comes.
          const failure = toSmearscopeError(error, 'INVALID_FRAME');
          if (failure.code !== 'INVALID_FRAME' || frameJob !== job) throw error;
          if (pixelsHandedOver(input)) throw error; // transferFrames: the pixels went with the first try
          const now = withRun();
          const retry = now !== job ? now : needsRunCalibration(failure) ? await awaitCalibration() : undefined;
          if (!retry || cancel.signal.aborted) throw error;
          return ctx.pool.prepare(input, retry, ctx.limits, cancel.signal);
        })
        .finally(() => (state.frame = describe(input)));
      if (prepared.scaleEstimate?.confident) {
        scaleEstimates.push(prepared.scaleEstimate);
        // A stream may run all day (a camera, a cluster worker): the calibration follows its latest frames.
        if (scaleEstimates.length > RUN_CALIBRATION_FRAMES) scaleEstimates.shift();
      }
      if (prepared.framePixels && inference) {
        state.custody = { frameKey: inference.newFrameKey(), pixels: prepared.framePixels };
        custodial.add(state);
        delete prepared.framePixels;
      }
      state.prepared = prepared;
      state.cells = prepared.cells.map((cell) => ({ ...cell }));
      state.remaining = inference ? prepared.cells.length : 0;
      queue.push(state, state.remaining);
      if (state.remaining === 0) finish(state);
    } catch (error) {
      if (cancel.signal.aborted) return;
      state.failed = toSmearscopeError(error, 'INVALID_FRAME');
      const decoded = decodedSizeOf(error); // an encoded frame that failed after decoding
      if (decoded) state.frame = { ...(state.frame as FrameInfo), ...decoded };
      finish(state);
    } finally {
      preparing--;
      notify();
    }
  };

  const pull = async () => {
    pullingSinceMs = performance.now();
    try {
      const next = await iterator.next();
      if (next.done) {
        inputDone = true;
      } else {
        progress.framesStarted++;
        detach(prepare(newFrameState(pulled++, next.value)));
      }
    } catch (error) {
      // The caller's source threw: it gives no more frames (as for-await, we do not call its
      // return()), but the frames it gave are still answered before the stream ends with it.
      sourceFailure = { error };
      inputDone = true;
    } finally {
      pullingSinceMs = undefined;
      notify();
    }
  };

  /** Runs `cells` as one batch (`execute` runs it and says which cell went to which slot) and
   * gives each its classification; a failed batch fails the frames of its cells. */
  const runBatch = async (cells: PendingCell[], execute: () => Promise<{ outputs: BatchOutputs; slots: PendingCell[] }>) => {
    const startedAt = performance.now();
    try {
      const ran = await execute();
      const slots = ran.slots;
      const share = (performance.now() - startedAt) / Math.max(1, slots.length);
      const classified = classifyCells(ran.outputs, slots.length, ctx.batchSize, ctx.card, ctx.scheme, options);
      slots.forEach(({ state, cell }, k) => {
        if (state.failed) return;
        state.cells[cell].decision = classified[k];
        state.inferenceMs += share;
        if (--state.remaining === 0) finish(state);
      });
    } catch (error) {
      failFrames(cells, toSmearscopeError(error, 'INFERENCE_FAILED'));
    }
    notify();
  };

  const failFrames = (cells: readonly PendingCell[], failure: SmearscopeError) => {
    for (const { state } of cells) {
      if (state.failed || state.remaining === 0) continue;
      state.failed = failure;
      state.remaining = 0;
      finish(state);
    }
  };

  /** Patches copied from the prepared frames into the batch. */
  const runFilled = (client: InferenceClient, cells: PendingCell[]) =>
    runBatch(cells, async () => {
      const outputs = await client.run((batch) => {
        for (let k = 0; k < cells.length; k++) {
          const { state, cell } = cells[k];
          // A retry after the frame failed (another batch of its cells did): its patches are gone
          // and its slot's result is dropped; the other frames' cells still run.
          if (state.failed) batch.fill(0, k * cellFloats, (k + 1) * cellFloats);
          else batch.set(state.prepared!.patches!.subarray(cell * cellFloats, (cell + 1) * cellFloats), k * cellFloats);
        }
        batch.fill(0, cells.length * cellFloats); // padding of a partial batch
      });
      return { outputs, slots: cells };
    });

  /** A planned batch: the inference worker cuts the patches from frames it was sent (batch-plan.ts). */
  const runPlanned = (client: InferenceClient, cells: PendingCell[]) =>
    runBatch(cells, async () => {
      let slots = cells;
      const outputs = await client.runPlanned((generation) => {
        const built = planBatch(client, cells, generation);
        slots = built.slots;
        return built.plan;
      });
      return { outputs, slots };
    });

  /** The plan of `cells` for worker generation `generation`, sending it the frames it lacks. A frame
   * whose pixels went down with an earlier worker fails here (its cells are left out). */
  const planBatch = (client: InferenceClient, cells: PendingCell[], generation: number) => {
    const slots: PendingCell[] = [];
    const segments: PlanSegment[] = [];
    for (const pending of cells) {
      const { state, cell } = pending;
      const custody = state.custody;
      if (state.failed || !custody) continue; // failed, or let go when an aborted stream ended
      let segment = segments.at(-1);
      if (segment?.frameKey !== custody.frameKey) {
        if (custody.heldBy !== generation) {
          if (!custody.pixels) {
            failFrames(
              [pending],
              new SmearscopeError(
                'WORKER_CRASHED',
                'the inference worker stopped while it held this frame for its patches (planned batches), so the frame is not retried',
              ),
            );
            continue;
          }
          const { width, height, channels } = state.prepared!;
          const pixels = custody.pixels;
          client.holdFrame(custody.frameKey, { width, height, channels, pixels }, (returned) => {
            if (state.custody === custody) custody.pixels = new Uint8Array(returned);
          });
          custody.pixels = undefined;
          custody.heldBy = generation;
        }
        segment = { frameKey: custody.frameKey, firstSlot: slots.length, centres: [], spec: state.prepared!.patchSpec! };
        segments.push(segment);
      }
      const { x, y } = state.prepared!.cells[cell];
      segment.centres.push({ x, y });
      slots.push(pending);
    }
    return { slots, plan: { cellCount: slots.length, segments } };
  };

  /** Sends batches while cells wait and a session has room: each batch to the session with the
   * fewest in flight (planned batches: the first session only). */
  const dispatch = () => {
    for (;;) {
      const client = nextSession(batchSessions, MAX_BATCHES_IN_FLIGHT);
      if (!client || queue.waiting === 0) return;
      if (queue.waiting < ctx.batchSize && !upstreamStalled()) return;
      const cells = queue.take(ctx.batchSize);
      if (cells.length > 0) detach(planned ? runPlanned(client, cells) : runFilled(client, cells));
    }
  };

  const aborted = () => new SmearscopeError('ABORTED', `analysis aborted after ${order.emitted} of ${pulled} frames`);
  try {
    for (;;) {
      if (cancel.signal.aborted) throw aborted();
      if (fatal) throw toSmearscopeError(fatal, 'INVALID_ARGUMENT');
      for (let result = order.takeNext(); result; result = order.takeNext()) {
        yield result;
        if (cancel.signal.aborted) throw aborted();
      }
      if (inputDone && order.emitted === pulled) {
        if (sourceFailure) throw sourceFailed(sourceFailure.error, pulled);
        return;
      }
      const room = pulled - order.emitted < maxInFlight;
      if (!inputDone && pullingSinceMs === undefined && room && preparing <= ctx.pool.size && queue.waiting < 2 * ctx.batchSize) {
        void pull();
      }
      releaseParked();
      if (inference) dispatch();
      await woken;
      woken = new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    cancel.abort(); // frames still queued for a worker are dropped
    for (const resume of parked.splice(0)) resume(undefined);
    for (const state of [...custodial]) releaseCustody(state); // an aborted stream's frames too
    options.signal?.removeEventListener('abort', onAbort);
    if (retryTimer) clearTimeout(retryTimer);
    // Close the caller's source, but never wait on one that has stalled (a camera that stopped
    // delivering): its pending next() would hold return() forever, and abort must settle now.
    if (!inputDone) {
      const closing = Promise.resolve().then(() => (iterator as AsyncIterator<FrameInput>).return?.());
      if (pullingSinceMs === undefined) await settleWithin(closing, SOURCE_CLOSE_WAIT_MS);
      else closing.catch(() => undefined);
    }
  }
}
