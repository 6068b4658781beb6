import { createSlide } from '../clinical/slide.js';
import type { SmearscopeErrorCode } from '../errors.js';
import type { DifferentialReport, FrameResult, ModelCard, Scope } from '../index.js';
import { decodeFrameError, frameIndexOf, type FrameJobResult, type SlideJobData } from './jobs.js';

/** A finished slide: what `analyze` reports for the same frames, as library data. */
export interface SlideReport {
  slideId: string;
  /** The aggregating worker's card (every frame was analyzed with the same id and version) and its
   * name as that worker was told it ('default' for the shipped model). */
  model: { card: ModelCard; cardName: string };
  /** Backends of the workers that analyzed the frames, who they were, and the aggregating worker's settings. */
  backend: { name: string; reason: string; batchSize: number; workers: number };
  /** One result per frame, in input order; a failed frame has `error` and no cells. */
  frames: FrameResult[];
  /** The differential of the successful frames, added in input order. */
  differential: DifferentialReport;
}

export interface SlideAggregateInput {
  data: SlideJobData;
  /** Finished frame jobs' results by job key (BullMQ's Job.getChildrenValues(): one entry per child). */
  values: Record<string, FrameJobResult>;
  /** Failed frame jobs' reasons by job key (Job.getIgnoredChildrenFailures()). */
  failures: Record<string, string>;
  /** The aggregating worker's scope: its card decides the scheme, and frames from another model are refused. */
  scope: Pick<Scope, 'card' | 'scheme' | 'batchSize' | 'workers'>;
  cardName: string;
}

/**
 * The slide's frames in input order and their differential, built as `smearscope analyze` builds
 * it. Each frame enters once: BullMQ keeps one value per child job key however often the job ran,
 * and this takes one per frame index, from the key that belongs to it.
 */
export function aggregateSlide(input: SlideAggregateInput): SlideReport {
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
      ? { ...value.result, index }
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
  const frames: FrameResult[] = [];
  for (let index = 0; index < data.frameCount; index++) {
    const result = byIndex[index] ?? failed(index, 'WORKER_CRASHED', 'the queue holds no result for this frame');
    frames.push(result);
    if (!result.error) slide.addFrame(result);
  }
  return {
    slideId: data.slideId,
    model: { card: scope.card, cardName: input.cardName },
    backend: {
      name: [...backends].sort().join(',') || 'none',
      reason: `slide ${data.slideId}: frames analyzed by ${workers.size} worker process(es) (${[...workers].sort().join(', ')}) through the queue`,
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
    cells: [],
    skippedAtBorder: [],
    timingsMs: { stainFit: 0, localize: 0, patches: 0, inference: 0, total: 0 },
    error: { code, message },
  };
}
