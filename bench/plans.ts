import { type BenchInputs, type FrameSet, withoutAlpha } from './inputs.js';
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
 * What the pipeline suite runs, on the models measured (`inputs.models`, selected): each shipped
 * model of the marrow (else each shipped model; without one, the small reference CNN) on
 * `settings.frames` mosaic frames, which are bone marrow; a peripheral-blood model (else the first of
 * those) on BCCD frames, where frames are small and cells few; each large model on one mosaic frame
 * (except those marked `pipeline: false`). Batch: the first --batch, else the library's default (a
 * large model: 1). With --sessions the mosaic plans are repeated for each count of inference sessions,
 * with --pixels for each pixel format (RGB8 frames: "RGB8" in the input's description).
 * The first mosaic plan's model is the one the preprocessing-only rows time.
 */
export function pipelinePlans(inputs: BenchInputs, settings: BenchSettings): PipelinePlan[] {
  const batchSize = settings.batches?.[0] ?? PIPELINE_BATCH;
  const take = (set: FrameSet, count: number): FrameSet => ({ ...set, frames: set.frames.slice(0, count) });
  const plans: PipelinePlan[] = [];
  // The shipped models are the small models users run; the small reference CNN stands in without one.
  const shipped = inputs.models.filter((model) => model.role === 'shipped');
  const small = shipped.length > 0 ? shipped : inputs.models.filter((model) => model.role === 'small');
  const blood = small.filter((model) => model.scheme?.startsWith('peripheral-blood'));
  const marrow = small.filter((model) => !blood.includes(model));
  const mosaics = (settings.pixels ?? ['rgba8']).map((pixels) => {
    const set = take(inputs.mosaic, settings.frames);
    return pixels === 'rgba8' ? set : { ...set, description: `${set.description} RGB8`, frames: set.frames.map(withoutAlpha) };
  });
  for (const model of marrow.length > 0 ? marrow : small) {
    for (const sessions of settings.sessions ?? [undefined]) {
      for (const frames of mosaics) plans.push({ model, frames, batchSize, ...(sessions ? { sessions } : {}) });
    }
  }
  // Without a peripheral-blood model measured, the BCCD plan runs the first model (its row names it).
  const bccdModel = blood[0] ?? small[0];
  if (bccdModel && inputs.bccd.frames.length > 0) plans.push({ model: bccdModel, frames: take(inputs.bccd, BCCD_FRAMES), batchSize });
  const largeBatchSize = settings.batches?.[0] ?? LARGE_MODEL_PIPELINE_BATCH;
  for (const model of inputs.models.filter((m) => m.role === 'large' && m.pipeline !== false)) {
    plans.push({ model, frames: take(inputs.mosaic, LARGE_MODEL_FRAMES), batchSize: largeBatchSize });
  }
  return plans;
}
