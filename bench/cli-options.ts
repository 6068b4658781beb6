import { parseArgs } from 'node:util';
import { positiveNumber, oneOf } from '../src/cli/parse-options.js';
import { SmearscopeError } from '../src/errors.js';
import type { BackendName } from '../src/inference/backend.js';
import type { BenchEnv, BenchSuite } from './report-types.js';
import { CLUSTER_FRAMES } from './suites/cluster.js';
import { DEFAULT_MAX_MINUTES, DEFAULT_SETTINGS, type BenchSettings } from './settings.js';

export const BENCH_USAGE = `usage: npm run bench -- <kernels|pipeline|models|all|cluster|prepare> [options]

  cluster                Node only, not part of all: one slide of ${CLUSTER_FRAMES} BCCD frames through smearscope/cluster
                         (a private redis-server on 127.0.0.1) with 1 and 2 worker processes vs analyze in one process
  prepare                only write the browser suite's inputs (build/bench/) for bench/index.html on a kiosk

  --model ID[,ID]        models: the shipped models' ids (smearscope models lists them), small-cnn,
                         resnext50-32x4d, coatnet-0, efficientnetv2-s (default: the default model, npm start's
                         peripheral-blood model and the four reference architectures)
  --backend B[,B]        wasm, native (Node), webgpu (Chromium; in Node onnxruntime-node's
                         WebGPU EP, only when named) (default: every one that works)
  --dtype D[,D]          models: fp32, fp16 (the card's float16 graph, where it names one) (default fp32)
  --batch N[,N]          batch sizes (models default 1,8,32; ResNeXt-50 1,8; pipeline 8)
  --frames N             mosaic frames per pipeline pass (default ${DEFAULT_SETTINGS.frames})
  --sessions N[,N]       pipeline: the shipped model's mosaic plan once per count of inference sessions,
                         the inference threads split among them (default: the scope's own layout)
  --pixels P[,P]         pipeline: the mosaic plans with frames of rgba8 (as a browser's ImageData) and/or rgb8
                         (as Node decodes and a scanner can hand over) (default rgba8)
  --repeats N            timed runs per measurement at least (default ${DEFAULT_SETTINGS.repeats})
  --env E[,E]            node, chromium (default both)
  --isolation on|off     chromium: pages cross-origin isolated (COOP/COEP, WASM threads) or not, as a plain
                         web server or an Electron file page serves them (default on)
  --gpu G                Chromium's WebGPU adapter: auto (system, else SwiftShader), system, swiftshader
  --max-minutes M        start no measurement after M minutes; the rest is listed as skipped (default ${DEFAULT_MAX_MINUTES})
  --json                 print the report as one JSON object instead of the Markdown table
  --out DIR              where <host>-<date>.json and .svg go (default bench/results)

Runs from the package root; reads ../shared/data. Progress goes to stderr.`;

export type GpuChoice = 'auto' | 'system' | 'swiftshader';

export interface BenchCommand {
  /** Only write the page inputs (for a kiosk), measure nothing. */
  prepareOnly: boolean;
  settings: BenchSettings;
  json: boolean;
  outDir: string;
  gpu: GpuChoice;
  help: boolean;
}

/** What `all` runs; `cluster` needs redis-server and runs only when asked for. */
const SUITES: readonly BenchSuite[] = ['kernels', 'pipeline', 'models'];
const BACKENDS: readonly BackendName[] = ['wasm', 'native', 'webgpu'];
const ENVS: readonly BenchEnv[] = ['node', 'chromium'];

/** Parses the bench command line; INVALID_ARGUMENT saying what is wrong. */
export function parseBenchArgs(argv: string[]): BenchCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        backend: { type: 'string' },
        batch: { type: 'string' },
        dtype: { type: 'string' },
        frames: { type: 'string' },
        sessions: { type: 'string' },
        pixels: { type: 'string' },
        repeats: { type: 'string' },
        env: { type: 'string' },
        isolation: { type: 'string' },
        gpu: { type: 'string' },
        'max-minutes': { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new SmearscopeError('INVALID_ARGUMENT', (error as Error).message, { cause: error });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new SmearscopeError('INVALID_ARGUMENT', `one suite at a time, got ${positionals.join(' ')}`);
  const suite = oneOf('suite', positionals[0] ?? 'all', [...SUITES, 'cluster', 'all', 'prepare'] as const)!;
  const settings: BenchSettings = {
    ...DEFAULT_SETTINGS,
    suites: suite === 'all' || suite === 'prepare' ? [...SUITES] : [suite],
    envs: suite === 'cluster' ? ['node'] : (list('env', values.env, ENVS) ?? DEFAULT_SETTINGS.envs),
    frames: positiveNumber('frames', values.frames, true) ?? DEFAULT_SETTINGS.frames,
    repeats: positiveNumber('repeats', values.repeats, true) ?? DEFAULT_SETTINGS.repeats,
    deadline: Date.now() + (positiveNumber('max-minutes', values['max-minutes']) ?? DEFAULT_MAX_MINUTES) * 60_000,
  };
  const backends = list('backend', values.backend, BACKENDS);
  if (backends) settings.backends = backends;
  const models = values.model
    ?.split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (models?.length) settings.models = models;
  const dtypes = list('dtype', values.dtype, ['fp32', 'fp16'] as const);
  if (dtypes) settings.dtypes = dtypes;
  const batches = values.batch?.split(',').map((size) => positiveNumber('batch', size.trim(), true)!);
  if (batches?.length) settings.batches = batches;
  const sessions = values.sessions?.split(',').map((count) => positiveNumber('sessions', count.trim(), true)!);
  if (sessions?.length) settings.sessions = sessions;
  const pixels = list('pixels', values.pixels, ['rgba8', 'rgb8'] as const);
  if (pixels) settings.pixels = pixels;
  if (oneOf('isolation', values.isolation, ['on', 'off'] as const) === 'off') settings.notIsolated = true;
  return {
    prepareOnly: suite === 'prepare',
    settings,
    json: values.json ?? false,
    outDir: values.out ?? 'bench/results',
    gpu: oneOf('gpu', values.gpu, ['auto', 'system', 'swiftshader'] as const) ?? 'auto',
    help: values.help ?? false,
  };
}

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((item) => oneOf(name, item.trim(), allowed)!);
}
