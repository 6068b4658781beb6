import { platform } from '#platform';
import type { BackendName } from '../../src/inference/backend.js';
import type { Dtype } from '../../src/inference/dtype.js';
import { loadModel, type LoadedModel } from '../../src/inference/load-model.js';
import { instantiateKernels } from '../../src/kernels/load.js';
import type { Frame } from '../../src/frame.js';
import { isSoftwareAdapter } from '../browser/webgpu-adapter.js';
import type { BenchHost } from '../host.js';
import { trackPeakMemory } from '../peak-memory.js';
import type { BenchModel, MatmulProbe } from '../inputs.js';
import type { BenchResult } from '../report-types.js';
import { timeRepeated, type RepeatPlan } from '../repeat.js';
import {
  DEFAULT_BATCHES,
  LARGE_MODEL_BATCHES,
  MAX_RUNS,
  MEASUREMENT_BUDGET_MS,
  MEASUREMENT_CAP_MS,
  pastDeadline,
  type BenchSettings,
} from '../settings.js';
import { percentile, rateSpread, spreadOf } from '../stats.js';
import { openBareSession } from './bare-session.js';
import { measureMatmulRate } from './matmul-rate.js';
import { realPatchBatch } from './real-patches.js';
import { emptyOutput, reasonOf, type SuiteOutput } from './suite-output.js';

export interface ModelsSuiteInput {
  models: BenchModel[];
  matmul: MatmulProbe;
  /** Frames whose located cells become the model inputs (real patches, not zeros). */
  patchFrames: Frame[];
  backends: BackendName[];
  /** The WebGPU adapter, when webgpu is among the backends; a software one gets tiny runs only. */
  adapter?: string;
}

/** The MatMul probe runs for about a second: its runs are short, and its best run sets the ceiling. */
const MATMUL_PLAN: RepeatPlan = { warmupRuns: 3, minRuns: 3, maxRuns: 500, budgetMs: 1000 };

/**
 * The `models` suite: every model on every backend at each batch size, as a bare session (no
 * pipeline): session creation time, cells/s (median, min, max), latency per batch run, and the
 * achieved FLOP/s (median run) as a fraction of the best MatMul rate measured on the same backend
 * in this run.
 */
export async function runModelsSuite(host: BenchHost, settings: BenchSettings, input: ModelsSuiteInput): Promise<SuiteOutput> {
  const output = emptyOutput();
  const kernels = await instantiateKernels();
  // Per model: the graph, and real inputs for its largest batch (smaller batches take a prefix).
  const prepared = new Map<string, { model: LoadedModel; patches: Float32Array }>();
  for (const model of input.models) {
    try {
      const loaded = await loadModel(platform, model.card, { fp16: settings.dtypes?.includes('fp16') ? 'if-named' : 'skip' });
      const largest = Math.max(...(settings.batches ?? DEFAULT_BATCHES));
      prepared.set(model.id, { model: loaded, patches: realPatchBatch(kernels, input.patchFrames, loaded.card, largest) });
    } catch (error) {
      output.skipped.push(`${host.env} ${model.id}: cannot prepare (${reasonOf(error)})`);
    }
  }

  for (const backend of input.backends) {
    // A software WebGPU adapter (SwiftShader) compiles for ~15 s and runs ~100x slower than wasm:
    // one small model at batch 1, two runs, labelled; the rest is skipped and said so.
    const tiny = backend === 'webgpu' && isSoftwareAdapter(input.adapter);
    const plan: RepeatPlan = tiny
      ? { warmupRuns: 0, minRuns: 2, maxRuns: 2, budgetMs: 0 }
      : {
          warmupRuns: 1,
          minRuns: settings.repeats,
          maxRuns: Math.max(settings.repeats, MAX_RUNS),
          budgetMs: MEASUREMENT_BUDGET_MS,
          capMs: MEASUREMENT_CAP_MS,
        };
    let matmulFlopsPerSecond: number | undefined;
    try {
      const rate = await measureMatmulRate(host, input.matmul, backend, tiny ? plan : MATMUL_PLAN);
      output.matmul.push(rate);
      // The ceiling is the best rate seen: load from elsewhere only ever slows a run down.
      matmulFlopsPerSecond = rate.flopsPerSecond.max;
    } catch (error) {
      output.skipped.push(`${host.env} ${backend}: MatMul probe failed (${reasonOf(error)}); no limitFraction`);
    }
    const models = tiny ? input.models.filter((model) => model.role !== 'large').slice(0, 1) : input.models;
    if (tiny && models.length < input.models.length) {
      output.skipped.push(
        models[0]
          ? `${host.env} webgpu on ${input.adapter} (software): only ${models[0].id} at batch 1; the other models are skipped`
          : `${host.env} webgpu on ${input.adapter} (software): no model of this run is small enough for a software adapter; all skipped`,
      );
    }
    for (const model of models) {
      const ready = prepared.get(model.id);
      if (!ready) continue;
      // A software adapter gets batch 1 only, whatever --batch says (batch 8 of the small CNN is ~30 s a run there).
      const batches = tiny ? [1] : (settings.batches ?? (model.role === 'large' ? LARGE_MODEL_BATCHES : DEFAULT_BATCHES));
      const cellFloats = 3 * ready.model.card.input.width * ready.model.card.input.height;
      // Side by side in one run: each batch size on each graph asked for that the card has.
      const dtypes = (settings.dtypes ?? ['fp32']).filter((dtype) => dtype === 'fp32' || ready.model.fp16Bytes);
      for (const [batch, dtype] of batches.flatMap((size) => dtypes.map((d) => [size, d] as const))) {
        if (pastDeadline(settings)) {
          output.skipped.push(
            `${host.env} ${backend} ${model.id} ${dtype} batch ${batch}: the run's time limit (--max-minutes) was reached`,
          );
          continue;
        }
        try {
          const batchInput = ready.patches.slice(0, batch * cellFloats);
          const result = await measureModel(host, ready.model, backend, batch, plan, batchInput, dtype);
          if (matmulFlopsPerSecond !== undefined && result.flopsPerSecond !== undefined) {
            result.matmulFlopsPerSecond = matmulFlopsPerSecond;
            result.limitFraction = result.flopsPerSecond / matmulFlopsPerSecond;
          }
          if (tiny) result.notes = [`webgpu on ${input.adapter}: a software rasterizer, correct but slow; not a GPU figure`];
          output.results.push(result);
        } catch (error) {
          output.skipped.push(`${host.env} ${backend} ${model.id} ${dtype} batch ${batch}: ${reasonOf(error)}`);
        }
      }
    }
  }
  return output;
}

async function measureModel(
  host: BenchHost,
  model: LoadedModel,
  backend: BackendName,
  batchSize: number,
  plan: RepeatPlan,
  batch: Float32Array,
  dtype: Dtype,
): Promise<BenchResult> {
  const { card } = model;
  const memory = trackPeakMemory(host);
  const fp16 = model.fp16Bytes ? { fp16Bytes: model.fp16Bytes } : {};
  const bare = await openBareSession(card, model.modelBytes, backend, batchSize, { dtype, ...fp16 });
  try {
    // The session already ran once (its warm-up); a slow model gets no second warm-up.
    const warmupRuns = bare.sessionMs > MEASUREMENT_BUDGET_MS ? 0 : plan.warmupRuns;
    const durationsMs = await timeRepeated({ ...plan, warmupRuns }, () => bare.session.run(batch), memory.sample);
    const sorted = [...durationsMs].sort((a, b) => a - b);
    const cellsPerSecond = rateSpread(spreadOf(durationsMs), batchSize * 1000);
    const result: BenchResult = {
      suite: 'models',
      env: host.env,
      backend,
      runtime: bare.session.runtime,
      model: card.id,
      batch: batchSize,
      dtype: bare.session.dtype,
      cellsPerSecond: cellsPerSecond.median,
      cellsPerSecondSpread: cellsPerSecond,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      sessionMs: bare.sessionMs,
      threads: bare.session.threads,
      cells: batchSize,
    };
    if (card.flopsPerCell) {
      result.flopsPerCell = card.flopsPerCell;
      result.flopsPerSecond = card.flopsPerCell * cellsPerSecond.median;
    }
    const peak = await memory.stop();
    if (peak !== undefined) result.peakMemoryMiB = peak;
    host.log(
      `${host.env} ${backend} ${card.id} ${bare.session.dtype} batch ${batchSize}: ${cellsPerSecond.median.toFixed(1)} cells/s ` +
        `(${cellsPerSecond.min.toFixed(1)}-${cellsPerSecond.max.toFixed(1)}, ${durationsMs.length} runs), session ${bare.sessionMs.toFixed(0)} ms`,
    );
    return result;
  } finally {
    await memory.stop();
    await bare.session.dispose();
  }
}
