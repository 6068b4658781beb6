import { SCREENING_DISCLAIMER, createSlide } from '../clinical/slide.js';
import type { SmearscopeErrorCode } from '../errors.js';
import type { FrameResult, Scope } from '../index.js';
import { frameEntry, modelEntry, type AnalyzeReport } from '../io/report.js';
import { toSlideFrame } from '../pipeline/slide-frame.js';
import { decodeFrameError, frameIndexOf, type FrameJobResult, type SlideJobData } from './jobs.js';

export interface SlideAggregateInput {
  data: SlideJobData;
  /** Finished frame jobs' results by job key (BullMQ's Job.getChildrenValues(): one entry per child). */
  values: Record<string, FrameJobResult>;
  /** Failed frame jobs' reasons by job key (Job.getIgnoredChildrenFailures()). */
  failures: Record<string, string>;
  /** The aggregating worker's scope: its card decides the scheme, and frames from another model are refused. */
  scope: Pick<Scope, 'card' | 'scheme' | 'batchSize' | 'workers'>;
  /** The card as the worker was told it ('default' for the shipped one). */
  cardName: string;
}

/**
 * The slide's report, as `smearscope analyze` writes it for the same frames: frames in input order,
 * the differential from the successful frames added in that order. Each frame enters once: BullMQ
 * keeps one value per child job key however often the job ran, and this takes one per frame index.
 */
export function aggregateSlide(input: SlideAggregateInput): AnalyzeReport {
  const { data, scope } = input;
  const byIndex: Array<FrameResult | undefined> = new Array(data.frameCount);
  const workers = new Set<string>();
  const backends = new Set<string>();
  const failed = (index: number, code: SmearscopeErrorCode, message: string): FrameResult =>
    failedFrame(index, data.labels[index], code, message);

  for (const [key, value] of Object.entries(input.values)) {
    const index = frameIndexOf(key);
    if (index === undefined || index !== value.index || index >= data.frameCount || byIndex[index]) continue;
    workers.add(`${value.worker.host}:${value.worker.pid}`);
    backends.add(value.worker.backend);
    const { id, version } = value.model;
    byIndex[index] = id === scope.card.id && version === scope.card.version
      ? { ...value.result, index, micronsPerPixel: value.result.micronsPerPixel ?? Number.NaN }
      : failed(index, 'MODEL_MISMATCH', `analyzed with model ${id} ${version} by ${value.worker.host}:${value.worker.pid}, but this slide is ` +
        `aggregated with ${scope.card.id} ${scope.card.version}; run every worker with the same --model`);
  }
  for (const [key, reason] of Object.entries(input.failures)) {
    const index = frameIndexOf(key);
    if (index === undefined || index >= data.frameCount || byIndex[index]) continue;
    const error = decodeFrameError(reason);
    byIndex[index] = failed(index, error.code, error.message);
  }

  const slide = createSlide({ scheme: scope.scheme, targetCount: data.targetCount });
  const frames: AnalyzeReport['frames'] = [];
  for (let index = 0; index < data.frameCount; index++) {
    const result = byIndex[index] ?? failed(index, 'WORKER_CRASHED', 'the queue holds no result for this frame');
    frames.push(frameEntry(result, false));
    if (!result.error) slide.add(toSlideFrame(result));
  }
  return {
    smearscope: { version: '0.1.0', disclaimer: SCREENING_DISCLAIMER },
    model: modelEntry(scope.card, input.cardName),
    backend: {
      name: [...backends].sort().join(',') || 'none',
      reason: `slide ${data.slideId}: frames analyzed by ${workers.size} worker process(es) (${[...workers].sort().join(', ')}) through the queue`,
      notes: [],
      events: [],
      batchSize: scope.batchSize,
      workers: scope.workers,
    },
    frames,
    differential: slide.report(),
  };
}

function failedFrame(index: number, label: string | undefined, code: SmearscopeErrorCode, message: string): FrameResult {
  return {
    index,
    ...(label !== undefined ? { label } : {}),
    width: 0,
    height: 0,
    micronsPerPixel: Number.NaN,
    scaleEstimated: false,
    cells: [],
    skippedAtBorder: [],
    timingsMs: { stainFit: 0, localize: 0, patches: 0, inference: 0, total: 0 },
    error: { code, message },
  };
}
