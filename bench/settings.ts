import type { BackendName } from '../src/inference/backend.js';
import type { Dtype } from '../src/inference/dtype.js';
import type { BenchEnv, BenchSuite } from './report-types.js';

/** What to measure. The defaults keep `npm run bench -- all` within 10 minutes on 2 cores. */
export interface BenchSettings {
  suites: BenchSuite[];
  envs: BenchEnv[];
  /** Only these backends (default: every one that works in each environment). */
  backends?: BackendName[];
  /** Only these model ids (default: the shipped model and the reference architectures). */
  models?: string[];
  /** Graphs of the models suite (default fp32 only; fp16 for the models whose card names one). */
  dtypes?: Dtype[];
  /** Batch sizes for the models suite, and the pipeline's batch when one is given (default per model). */
  batches?: number[];
  /** Inference sessions of the small models' mosaic pipeline plan, one plan per count (default: the scope's layout). */
  sessions?: number[];
  /** Pixel formats of the small models' mosaic pipeline plans, one plan per format (default rgba8 only). */
  pixels?: Array<'rgba8' | 'rgb8'>;
  /** Chromium: serve the pages without COOP/COEP (not cross-origin isolated: no SharedArrayBuffer, one WASM thread per session), as a plain host or an Electron file page does (default false). */
  notIsolated?: boolean;
  /** Mosaic frames per timed pipeline pass for the small models. */
  frames: number;
  /** Timed runs per measurement at least (more while inside the time budget). */
  repeats: number;
  /** Only this pipeline plan (index into pipelinePlans): the browser driver gives each plan its own page. */
  pipelinePlan?: number;
  /** Wall-clock time (ms since the epoch) after which no new measurement starts; those left are reported as skipped. */
  deadline?: number;
}

/** True once the run's deadline has passed: the caller skips the measurement and says so. */
export function pastDeadline(settings: BenchSettings): boolean {
  return settings.deadline !== undefined && Date.now() > settings.deadline;
}

export const DEFAULT_SETTINGS: BenchSettings = {
  suites: ['kernels', 'pipeline', 'models'],
  envs: ['node', 'chromium'],
  frames: 8,
  repeats: 3,
};

/** Batch sizes compared side by side in the models suite. */
export const DEFAULT_BATCHES = [1, 8, 32];
/** The pipeline's batch size (the library's default). */
export const PIPELINE_BATCH = 8;
/**
 * Large models (ResNeXt-50, ~11 GFLOPs a cell, ~0.5 s a cell on wasm here) skip batch 32 unless
 * asked for: one run would take ~16 s and the whole `all` suite must stay within 10 minutes.
 */
export const LARGE_MODEL_BATCHES = [1, 8];
/** Time budget of the timed runs of one measurement, after its minimum runs, in milliseconds. */
export const MEASUREMENT_BUDGET_MS = 3000;
/** Hard cap of one measurement's timed runs (after its first), milliseconds. */
export const MEASUREMENT_CAP_MS = 12_000;
/** Default for --max-minutes: with the build (~0.5 min) `npm run bench -- all` stays within 10 minutes. */
export const DEFAULT_MAX_MINUTES = 8.5;
/** Timed runs of one measurement at most. */
export const MAX_RUNS = 20;
