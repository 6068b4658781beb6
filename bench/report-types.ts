// The benchmark's JSON output (issue 7's contract plus the detail behind each figure). Other tools
// read it; bench/results.schema.json is the same contract as a JSON schema and every report is
// checked against it before it is written.
import type { BackendName } from '../src/inference/backend.js';
import type { Dtype } from '../src/inference/dtype.js';
import type { Spread } from './stats.js';

export type BenchSuite = 'kernels' | 'pipeline' | 'models' | 'cluster';
export type BenchEnv = 'node' | 'chromium';

export interface MachineInfo {
  cpu: string;
  /** Logical cores this process may use. */
  cores: number;
  /** Total memory; 0 when a browser does not tell (kiosk without navigator.deviceMemory). */
  memoryGiB: number;
  /** The WebGPU adapter seen by Chromium, when it has one (e.g. "google swiftshader (software)"). */
  gpu?: string;
}

/** One WASM kernel against its plain TypeScript reference, on the same frame, same run. */
export interface KernelTiming {
  kernel: 'stainFit' | 'localize' | 'normalize' | 'patch' | 'patchPlain';
  /** What one call does, e.g. "2452 x 2056 frame, stride 1". */
  work: string;
  wasmMs: Spread;
  referenceMs: Spread;
  /** referenceMs.median / wasmMs.median. */
  speedup: number;
  /** The ceiling for wasmMs.median. */
  targetMs: number;
}

export interface BenchResult {
  suite: BenchSuite;
  env: BenchEnv;
  backend: BackendName;
  /**
   * What ran the rows' work: the ONNX Runtime package, version and build the session loaded
   * ("onnxruntime-web 1.30.0 (webgpu build, native WebGPU EP)", "onnxruntime-node 1.30.0"), or
   * KERNELS_RUNTIME for rows without a model (kernels, preprocessing only).
   */
  runtime: string;
  /** Model id; "kernels" for the kernels suite. */
  model: string;
  /** Cells per inference run (kernels: 1). */
  batch: number;
  /** pipeline, models: the graph run, the card's float32 one or its float16 variant. */
  dtype?: Dtype;
  /** Median over timed runs. pipeline: end to end; models: bare session; kernels: one preprocess worker. */
  cellsPerSecond: number;
  framesPerSecond?: number;
  /** pipeline: cellsPerSecond over the bare session's, same backend, model and batch, same run. */
  efficiency?: number;
  /** pipeline: each timed pass's end-to-end cells/s over the bare pass timed right after it (passes
   * are interleaved, so each pair saw about the same load): the spread of the efficiency. */
  pairedEfficiency?: Spread;
  /** pipeline (Node): the pass-by-pass efficiency split into CPU and idle cores (bench/cpu-account.ts). */
  cpuAccount?: CpuAccount;
  /** models: flopsPerCell x cellsPerSecond over the best MatMul rate of the same backend, same run. */
  limitFraction?: number;
  /** Median milliseconds per stage (per frame for pipeline and kernels, per batch for models). */
  stageMs?: Record<string, number>;
  /** Latency percentiles: per frame (pipeline), per batch run (models). */
  p50Ms?: number;
  p95Ms?: number;
  /** Peak memory during the measurement (Node: process RSS; Chromium: PSS of all its processes, driven runs on Linux). */
  peakMemoryMiB?: number;

  // The detail behind the contract's figures.
  cellsPerSecondSpread?: Spread;
  /** pipeline: the bare session's cells/s, measured interleaved with the pipeline runs. */
  bareCellsPerSecond?: Spread;
  /** Session creation including its warm-up run, milliseconds. */
  sessionMs?: number;
  /** models: achieved FLOP/s and the MatMul rate it is compared with (the probe's best run). */
  flopsPerSecond?: number;
  matmulFlopsPerSecond?: number;
  flopsPerCell?: number;
  kernels?: KernelTiming[];
  /** ONNX Runtime's CPU threads per session (the kernels' thread for rows without a model). */
  threads: number;
  /** Preprocess workers (pipeline). */
  workers?: number;
  /** Inference sessions, each in its own worker, of `threads` threads each (pipeline; its bare sessions the same). */
  inferenceSessions?: number;
  /** Frames and cells per timed pass (pipeline) or cells per run (models). */
  frames?: number;
  cells?: number;
  /** Where the frames came from, e.g. "mosaic 2452x2056" or "bccd 640x480". */
  input?: string;
  /** cluster: worker processes taking the slide's frame jobs (absent: analyze in one process). */
  workerProcesses?: number;
  /** cluster: framesPerSecond over that of analyze in one process, same run. */
  relativeToAnalyze?: number;
  /** cluster: wall time per frame not spent reading and analyzing it (one worker, one job at a time), ms. */
  queueOverheadMs?: number;
  /** pipeline: the per-frame preprocessing alone on one core (no model), see bench/suites/preprocess.ts. */
  preprocessOnly?: boolean;
  /** pipeline: where the patches were cut: 'cpu' (preprocess workers) or 'gpu' (the inference worker's
   * compute pass into the session's input; with preprocessOnly: the CPU stages left when a GPU cuts them). */
  patchesOn?: 'cpu' | 'gpu';
  /** preprocessOnly: how a frame reached the kernels (see FrameHandoff). */
  frameHandoff?: FrameHandoff;
  /** preprocessOnly: bytes per pixel of the frames: 4 (RGBA8, as a browser's ImageData) or 3 (RGB8, as Node decodes). */
  frameChannels?: 3 | 4;
  /** preprocessOnly: the NumPy/SciPy peer of the same stages on the same frames, passes interleaved. */
  peer?: PeerFigures;
  /** preprocessOnly: cellsPerSecond over the peer's, same run. */
  relativeToPeer?: number;
  notes?: string[];
}

/**
 * Where a pipeline's efficiency goes, from the process's CPU time (Node): per pass, efficiency =
 * cpuRatio x busyRatio exactly; the other figures are medians over the passes.
 */
export interface CpuAccount {
  /** Logical cores the process may use. */
  cores: number;
  /** Process CPU per frame, milliseconds: the pipeline's passes, and the bare sessions' for the same cells. */
  pipelineCpuMsPerFrame: number;
  bareCpuMsPerFrame: number;
  /** Share of the cores busy (process CPU over wall x cores), 0..1: the pipeline's passes and the bare ones. */
  pipelineCoresBusy: number;
  bareCoresBusy: number;
  /** Bare CPU per cell over the pipeline's, per pass: what the pipeline's own work costs beside the model's. */
  cpuRatio: Spread;
  /** Pipeline cores busy over bare cores busy, per pass: the machine the pipeline left idle beyond the bare sessions. */
  busyRatio: Spread;
}

/** The NumPy/SciPy peer's figures (bench/preprocess-peer.py): per core, like ours. */
export interface PeerFigures {
  /** e.g. "NumPy 1.24.2, SciPy 1.10.1, Python 3.11.2". */
  runtime: string;
  cellsPerSecond: Spread;
  /** Median wall milliseconds per frame of its stages (stainFit, localize, patches). */
  stageMs: Record<string, number>;
  /** Cells it found in one pass. */
  cells: number;
}

/** The MatMul probe of one backend: the device's matrix rate through that backend. */
export interface MatmulRate {
  env: BenchEnv;
  backend: BackendName;
  /** e.g. "matmul-1024". */
  graph: string;
  flopsPerRun: number;
  flopsPerSecond: Spread;
}

export interface BenchReport {
  machine: MachineInfo;
  /** ISO 8601 time the run started. */
  date: string;
  results: BenchResult[];
  host: string;
  /** What was asked for, so a reader can rerun it. */
  command: string;
  /** Node's version (absent when a kiosk page ran the suite on its own). */
  node?: string;
  /** Chromium's version string when the browser suite ran. */
  browser?: string;
  matmul: MatmulRate[];
  durationSeconds: number;
  /** Suites or parts that did not run here, and why. */
  skipped: string[];
  /** How to read the figures. */
  notes: string[];
}

/**
 * How a preprocessing-only row's frames reach the kernels: 'inbox' (in memory, copied once into the
 * worker's shared kernel memory), 'copied' (into a transfer buffer, then into kernel memory);
 * from raw files: 'file-copied' (read into the source's buffer, then copied into kernel memory, as
 * a plain Frame costs) or 'file-written' (read straight into kernel memory: a WriterFrame).
 */
export type FrameHandoff = 'inbox' | 'copied' | 'file-copied' | 'file-written';
