import type { BenchInputs, FrameSet } from './inputs.js';
import { PIPELINE_BATCH, type BenchSettings } from './settings.js';
import type { PipelinePlan } from './suites/pipeline.js';

/** BCCD frames per pipeline pass: 640 x 480, about one leukocyte each: ~45 cells, six batches of 8. */
export const BCCD_FRAMES = 32;
/** Mosaic frames per pass for a large model: one frame's ~20 cells take ~4 s on wasm here. */
export const LARGE_MODEL_FRAMES = 1;
/**
 * A large model's pipeline batch: batching buys a compute-bound model nothing (ResNeXt-50 runs
 * as many cells/s at batch 1 as at 8 in the models suite), while a short stream's last batch at 8
 * is mostly padding (18 cells fill 3 batches of 8: efficiency at most 0.75, whatever the pipeline does).
 */
export const LARGE_MODEL_PIPELINE_BATCH = 1;

/**
 * What the pipeline suite runs: the shipped model (else the small reference CNN) on
 * `settings.frames` mosaic frames and on BCCD frames, where frames are small and cells few; each
 * large model on one mosaic frame (except those marked `pipeline: false`). Batch: the first --batch,
 * else the library's default (a large model: 1). With --sessions the small models' mosaic plan is
 * repeated for each count of inference sessions.
 */
export function pipelinePlans(inputs: BenchInputs, settings: BenchSettings): PipelinePlan[] {
  const batchSize = settings.batches?.[0] ?? PIPELINE_BATCH;
  const take = (set: FrameSet, count: number): FrameSet => ({ ...set, frames: set.frames.slice(0, count) });
  const plans: PipelinePlan[] = [];
  // The shipped model is the small model users run; the small reference CNN stands in without it.
  const shipped = inputs.models.filter((model) => model.role === 'shipped');
  const small = shipped.length > 0 ? shipped : inputs.models.filter((model) => model.role === 'small');
  for (const model of small) {
    for (const sessions of settings.sessions ?? [undefined]) {
      plans.push({ model, frames: take(inputs.mosaic, settings.frames), batchSize, ...(sessions ? { sessions } : {}) });
    }
  }
  if (small.length > 0 && inputs.bccd.frames.length > 0) plans.push({ model: small[0], frames: take(inputs.bccd, BCCD_FRAMES), batchSize });
  const largeBatchSize = settings.batches?.[0] ?? LARGE_MODEL_PIPELINE_BATCH;
  for (const model of inputs.models.filter((m) => m.role === 'large' && m.pipeline !== false)) {
    plans.push({ model, frames: take(inputs.mosaic, LARGE_MODEL_FRAMES), batchSize: largeBatchSize });
  }
  return plans;
}
