import { platform } from '#platform';
import { decideCell } from '../../src/clinical/decide-cell.js';
import { resolveScheme } from '../../src/clinical/schemes.js';
import { softmaxInto } from '../../src/clinical/softmax.js';
import type { Frame } from '../../src/frame.js';
import type { BackendName } from '../../src/inference/backend.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { loadModel } from '../../src/inference/load-model.js';
import { instantiateKernels, type KernelInstance } from '../../src/kernels/load.js';
import type { FrameResult, Scope } from '../../src/api-types.js';
import { createScope } from '../../src/scope.js';
import { isSoftwareAdapter } from '../browser/webgpu-adapter.js';
import type { BenchHost } from '../host.js';
import { trackPeakMemory } from '../peak-memory.js';
import type { BenchModel, FrameSet } from '../inputs.js';
import type { BenchResult } from '../report-types.js';
import { warmUntilSteady } from '../repeat.js';
import { cpuAccount } from '../cpu-account.js';
import { pastDeadline, type BenchSettings } from '../settings.js';
import { percentile, spreadOf } from '../stats.js';
import { openBareSessions, type BareSessions } from './bare-sessions.js';
import { measurePreprocess } from './preprocess.js';
import { testingHooks } from '../../src/testing.js';
import { realPatchBatch } from './real-patches.js';
import { emptyOutput, reasonOf, type SuiteOutput } from './suite-output.js';

/** One model on one kind of frames at one batch size, end to end against its bare session. */
export interface PipelinePlan {
  model: BenchModel;
  frames: FrameSet;
  /** Cells per inference run. */
  batchSize: number;
  /** Inference sessions, the platform's inference threads split among them (default: the scope's layout). */
  sessions?: number;
}

export interface PipelineSuiteInput {
  plans: PipelinePlan[];
  backends: BackendName[];
  adapter?: string;
}

/** Minimum bare-session runs per timed pass, so short passes still time several runs. */
const MIN_BARE_RUNS = 3;
/** Start no further pipeline + bare pass of a plan after this many milliseconds of them. */
const PIPELINE_CAP_MS = 30_000;
/** Untimed passes before the timed ones: until one takes within 10 % of the one before, 3 to 5
 * (at least 3: two passes still slowed alike by the compilation would agree too). */
const WARM_UP = { minRuns: 3, maxRuns: 5, tolerance: 0.1 } as const;
/** Cells whose post-processing is timed to get a per-cell cost. */
const POSTPROCESS_TIMED_CELLS = 2000;

/**
 * The `pipeline` suite: frames through createScope/analyzeStream (preprocess workers, inference
 * workers, scheduler) against bare sessions of the same model, backend, batch size and layout
 * (sessions x threads, see bare-sessions.ts) fed with the same real patches, passes interleaved (pipeline, bare, pipeline, bare...) so
 * both see the same machine load. efficiency = median end-to-end cells/s over median bare cells/s, the bare
 * session running the same cells in the fewest batches that hold them (see barePass).
 */
export async function runPipelineSuite(host: BenchHost, settings: BenchSettings, input: PipelineSuiteInput): Promise<SuiteOutput> {
  const output = emptyOutput();
  const kernels = await instantiateKernels();
  // Preprocessing alone first, before any session's threads exist: the small model's mosaic plan.
  // RGBA8 frames: the preprocessing table makes its RGB8 row from them.
  const preprocessPlan = input.plans.find(
    (plan) => plan.frames.name === 'mosaic' && plan.model.role !== 'large' && plan.frames.frames[0]?.channels !== 3,
  );
  if (!preprocessPlan && input.plans.some((plan) => plan.frames.name === 'mosaic' && plan.model.role !== 'large')) {
    output.skipped.push(`${host.env} preprocessing only: it times RGBA8 mosaic frames (and makes its own RGB8 row); add rgba8 to --pixels`);
  }
  if (preprocessPlan) {
    try {
      output.results.push(...(await measurePreprocess(host, preprocessPlan, settings.repeats, kernels)));
    } catch (error) {
      output.skipped.push(`${host.env} preprocessing only ${preprocessPlan.model.id}: ${reasonOf(error)}`);
    }
  }
  for (const backend of input.backends) {
    if (backend === 'webgpu' && isSoftwareAdapter(input.adapter)) {
      // Its efficiency would measure SwiftShader, not the pipeline (the browser tests check it runs).
      output.skipped.push(`${host.env} webgpu pipeline: ${input.adapter} is a software adapter; see the models suite for a labelled check`);
      continue;
    }
    for (const plan of input.plans) {
      if (pastDeadline(settings)) {
        output.skipped.push(
          `${host.env} ${backend} pipeline ${plan.model.id} on ${plan.frames.description}: the run's time limit (--max-minutes) was reached`,
        );
        continue;
      }
      try {
        output.results.push(await measurePipeline(host, plan, backend, settings.repeats, kernels));
      } catch (error) {
        output.skipped.push(`${host.env} ${backend} pipeline ${plan.model.id} on ${plan.frames.description}: ${reasonOf(error)}`);
      }
    }
  }
  return output;
}

interface PassResult {
  milliseconds: number;
  cells: number;
  frames: FrameResult[];
  /** Process CPU time of the pass, where the host reads it. */
  cpuMs?: number;
}

async function measurePipeline(
  host: BenchHost,
  plan: PipelinePlan,
  backend: BackendName,
  passes: number,
  kernels: KernelInstance,
): Promise<BenchResult> {
  // auto dtype, as a user gets it: fp16 only on a WebGPU adapter with 'shader-f16'.
  const { card, modelBytes, fp16Bytes } = await loadModel(platform, plan.model.card, { fp16: backend === 'webgpu' ? 'if-named' : 'skip' });
  const frames = plan.frames.frames;
  const { batchSize } = plan;
  const patches = realPatchBatch(kernels, frames, card, batchSize);
  const label = `${host.env} ${backend} pipeline ${card.id} batch ${batchSize} on ${frames.length} ${plan.frames.description}`;

  const memory = trackPeakMemory(host);
  const scopeStartedAt = performance.now();
  // The scope splits the inference threads over the sessions itself (sessionLayout).
  const scope = await createScope({
    model: { card, onnx: modelBytes, ...(fp16Bytes ? { onnxFp16: fp16Bytes } : {}) },
    backend,
    batchSize,
    ...(plan.sessions ? { inferenceSessions: plan.sessions } : {}),
  });
  const dtype = scope.dtype === 'fp16' ? 'fp16' : 'fp32';
  const scopeMs = performance.now() - scopeStartedAt;
  let bare: BareSessions | undefined;
  try {
    if (scope.backend !== backend) throw new Error(`the scope runs ${scope.backend}, not ${backend}: ${scope.backendReason}`);
    // Warm-up: whole untimed passes until two agree (WARM_UP). V8 tiers WebAssembly up on helper
    // threads while hot code runs (ONNX Runtime's kernels, ours): with a one-frame warm-up the first
    // timed pass ran ~1.6x slower than the rest (e2e 111 vs 185 cells/s, 2026-12-02); with one pass
    // the first timed pass still did, in every run (pass by pass 0.62-0.80 against ~0.93): perf
    // showed TurboFan compiling ONNX Runtime's module on a helper thread for ~5 s of streaming,
    // at half a core to two thirds, through the first three passes on this 2-core VM.
    await warmUntilSteady(WARM_UP, async () => (await streamPass(scope, frames, host)).milliseconds);

    const pipelineRuns: PassResult[] = [];
    const bareRuns: BareRun[] = [];
    let peakMemoryMiB: number | undefined;
    const timedFrom = performance.now();
    for (let pass = 0; pass < passes; pass++) {
      if (pass > 0 && performance.now() - timedFrom > PIPELINE_CAP_MS) break; // a loaded machine: fewer passes
      const run = await streamPass(scope, frames, host);
      pipelineRuns.push(run);
      if (pass === 0) {
        // Peak memory of the pipeline alone: measured before the bare session exists.
        peakMemoryMiB = await memory.stop();
        const layout = testingHooks(scope).inferenceLayout;
        bare = await openBareSessions(card, modelBytes, backend, batchSize, layout, { dtype, ...(fp16Bytes ? { fp16Bytes } : {}) });
        // Its warm-up beyond createOrtSession's: a pass's worth of batches, as the pipeline's whole pass.
        await bare.runBatches(patches, Math.max(layout.sessions, Math.ceil(run.cells / batchSize)));
      }
      bareRuns.push(await barePass(bare!, patches, run.cells, batchSize, host));
    }
    const bareCellsPerSecond = bareRuns.map((run) => (run.cells * 1000) / run.milliseconds);

    const firstError = pipelineRuns[0].frames.find((frame) => frame.error)?.error;
    if (pipelineRuns[0].cells === 0) {
      throw new Error(
        `no cell was classified in ${frames.length} frames${firstError ? ` (${firstError.code}: ${firstError.message})` : ''}`,
      );
    }
    const cellsPerSecond = spreadOf(pipelineRuns.map((run) => (run.cells * 1000) / run.milliseconds));
    const framesPerSecond = spreadOf(pipelineRuns.map((run) => (run.frames.length * 1000) / run.milliseconds));
    const bareSpread = spreadOf(bareCellsPerSecond);
    // Pass i's bare figure was timed right after pass i: the ratio of a pair is free of the load
    // drifting between passes, which the ratio of the two medians is not.
    const pairedEfficiency = spreadOf(pipelineRuns.map((run, i) => (run.cells * 1000) / run.milliseconds / bareCellsPerSecond[i]));
    const frameResults = pipelineRuns.flatMap((run) => run.frames);
    const failed = frameResults.filter((frame) => frame.error);
    const cells = pipelineRuns[0].cells;
    const stageMs = medianStages(frameResults);
    const logits = (await bare!.runOne(patches)).logits;
    stageMs.postprocess = postprocessMsPerCell(card, logits, batchSize) * (cells / frames.length);
    const totals = frameResults.map((frame) => frame.timingsMs.total).sort((a, b) => a - b);

    const result: BenchResult = {
      suite: 'pipeline',
      env: host.env,
      backend,
      // The bare session is opened by the same loader, in the same environment, as the scope's inference worker.
      runtime: bare!.runtime,
      model: card.id,
      batch: batchSize,
      dtype,
      patchesOn: testingHooks(scope).patchesOn,
      cellsPerSecond: cellsPerSecond.median,
      framesPerSecond: framesPerSecond.median,
      efficiency: cellsPerSecond.median / bareSpread.median,
      pairedEfficiency,
      stageMs,
      p50Ms: percentile(totals, 50),
      p95Ms: percentile(totals, 95),
      cellsPerSecondSpread: cellsPerSecond,
      bareCellsPerSecond: bareSpread,
      sessionMs: scopeMs,
      threads: bare!.threads,
      inferenceSessions: scope.inferenceSessions,
      workers: scope.workers,
      frames: frames.length,
      cells,
      input: plan.frames.description,
      notes: [
        `scope: ${scope.backendReason}; ${scope.notes.join('; ')}`,
        ...(host.env === 'chromium' && !globalThis.crossOriginIsolated
          ? ['page not cross-origin isolated: no SharedArrayBuffer, one WASM thread per session']
          : []),
        ...(failed.length > 0 ? [`${failed.length} frame result(s) had errors: ${failed[0].error!.code} ${failed[0].error!.message}`] : []),
        ...scope.events,
      ],
    };
    if (peakMemoryMiB !== undefined) result.peakMemoryMiB = peakMemoryMiB;
    const account = accountOf(pipelineRuns, bareRuns, frames.length, host.cores);
    if (account) result.cpuAccount = account;
    host.log(
      `${label}: ${cellsPerSecond.median.toFixed(1)} cells/s end to end vs ${bareSpread.median.toFixed(1)} bare ` +
        `= efficiency ${result.efficiency!.toFixed(3)}; pass by pass ${pairedEfficiency.median.toFixed(3)} ` +
        `(${pairedEfficiency.min.toFixed(3)}-${pairedEfficiency.max.toFixed(3)}) (${cells} cells/pass, ${pipelineRuns.length} passes, ` +
        `${scope.inferenceSessions} session(s) x ${bare!.threads} thread(s))` +
        (account
          ? `; pass by pass = CPU ratio ${account.cpuRatio.median.toFixed(3)} (process CPU ${account.pipelineCpuMsPerFrame.toFixed(1)} ` +
            `vs bare ${account.bareCpuMsPerFrame.toFixed(1)} ms/frame) x busy ratio ${account.busyRatio.median.toFixed(3)} ` +
            `(cores busy ${account.pipelineCoresBusy.toFixed(3)} vs bare ${account.bareCoresBusy.toFixed(3)} of ${account.cores})`
          : ''),
    );
    return result;
  } finally {
    await memory.stop();
    await bare?.dispose();
    await scope.dispose();
  }
}

/** Streams `frames` through the scope and waits for every result; wall time from first pull to last
 * result, and the process's CPU time over it where the host reads it. */
async function streamPass(scope: Scope, frames: readonly Frame[], host: BenchHost): Promise<PassResult> {
  const results: FrameResult[] = [];
  const cpuAt = host.cpuMs?.();
  const startedAt = performance.now();
  for await (const result of scope.analyzeStream(frames)) results.push(result);
  const milliseconds = performance.now() - startedAt;
  const cpuMs = cpuAt === undefined ? undefined : host.cpuMs!() - cpuAt;
  const cells = results.reduce((sum, result) => sum + (result.error ? 0 : result.cells.length), 0);
  return { milliseconds, cells, frames: results, ...(cpuMs !== undefined ? { cpuMs } : {}) };
}

/** The bare sessions' cells of one pass: their wall time and, where the host reads it, the process's CPU time. */
interface BareRun {
  cells: number;
  milliseconds: number;
  cpuMs?: number;
}

/** The CPU account of the passes (see cpuAccount), or undefined where CPU time or cores are not read (a page). */
function accountOf(pipelineRuns: readonly PassResult[], bareRuns: readonly BareRun[], framesPerPass: number, cores?: number) {
  if (!cores || pipelineRuns.some((run) => !run.cpuMs || run.cells === 0) || bareRuns.some((run) => !run.cpuMs)) return undefined;
  const timed = (run: PassResult | BareRun) => ({ cells: run.cells, wallMs: run.milliseconds, cpuMs: run.cpuMs! });
  return cpuAccount(
    pipelineRuns.map((run, i) => ({ pipeline: timed(run), bare: timed(bareRuns[i]) })),
    framesPerPass,
    cores,
  );
}

/**
 * The bare sessions classifying `cells` cells (the cells they count, wall and CPU ms): the fewest runs of the fixed
 * batch that hold them (ceil(cells / batchSize), the last one padded as a stream's last batch is,
 * so a short pass's padding is not charged to the pipeline alone: 193 cells in 25 batches of 8
 * capped the efficiency at 0.965), spread over the sessions, repeated until at least
 * MIN_BARE_RUNS runs are timed.
 */
async function barePass(bare: BareSessions, batch: Float32Array, cells: number, batchSize: number, host: BenchHost): Promise<BareRun> {
  const runsPerPass = Math.max(1, Math.ceil(cells / batchSize));
  const passes = Math.ceil(MIN_BARE_RUNS / runsPerPass);
  const cpuAt = host.cpuMs?.();
  const milliseconds = await bare.runBatches(batch, runsPerPass * passes);
  const cpuMs = cpuAt === undefined ? undefined : host.cpuMs!() - cpuAt;
  return { cells: passes * Math.max(cells, 1), milliseconds, ...(cpuMs !== undefined ? { cpuMs } : {}) };
}

/** Median per frame of each stage the pipeline times (frames that failed excluded). */
function medianStages(frames: readonly FrameResult[]): Record<string, number> {
  const ok = frames.filter((frame) => !frame.error);
  const stages: Record<string, number> = {};
  for (const stage of ['stainFit', 'localize', 'patches', 'inference', 'total'] as const) {
    stages[stage] = percentile(
      ok.map((frame) => frame.timingsMs[stage]).sort((a, b) => a - b),
      50,
    );
  }
  return stages;
}

/** Milliseconds per cell of the pipeline's post-processing calls (softmax, decision) on real logits. */
function postprocessMsPerCell(card: ModelCard, logits: Float32Array, batchSize: number): number {
  const scheme = resolveScheme(card);
  const probs = new Float32Array(scheme.classCount);
  const startedAt = performance.now();
  for (let cell = 0; cell < POSTPROCESS_TIMED_CELLS; cell++) {
    softmaxInto(logits, cell % batchSize, scheme.classCount, probs);
    decideCell(probs, scheme);
  }
  return (performance.now() - startedAt) / POSTPROCESS_TIMED_CELLS;
}
