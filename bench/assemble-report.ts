import type { BenchReport, MachineInfo } from './report-types.js';
import { mergeOutputs, type SuiteOutput } from './suites/suite-output.js';

export interface ReportParts {
  machine: MachineInfo;
  /** ISO 8601 start time. */
  date: string;
  host: string;
  command: string;
  node?: string;
  browser?: string;
  outputs: SuiteOutput[];
  durationSeconds: number;
}

/** How to read the figures: printed under the tables and kept in the JSON. */
export const READING_NOTES: readonly string[] = [
  'Figures are medians over timed runs after warm-up, with (min–max); the machine may be shared, so spreads matter.',
  'pipeline efficiency = end-to-end cells/s (whole stream: first frame in to last result, partial last batch included) ' +
    'over a bare session classifying as many of the same real patches in the fewest batches that hold them (the last padded as ' +
    "the stream's is; same backend, model, batch and threads), passes interleaved.",
  "pipeline stage ms per frame: stainFit, localize and patches as timed in the preprocess worker; inference = the frame's " +
    'share of its batches, from hand-off to results (waiting behind the batch in flight included); postprocess ' +
    '(softmax + decision) timed apart on the same logits.',
  'preprocessing only = one core doing what a preprocess worker does per frame (pool copy, kernel memory, Macenko fit, ' +
    'scale check, localization, patches) for the shipped model, cells over CPU time (Node); the NumPy/SciPy peer ' +
    '(bench/preprocess-peer.py: fit, localization, patches; no scale check, no copies) runs on the same frames, one thread, ' +
    'passes interleaved; stage ms are wall time.',
  'limit = achieved FLOP/s (card flopsPerCell x median cells/s) over the best MatMul rate of the same backend in this run; ' +
    'above 100 % the model runs closer to the hardware peak than one 1024^3 MatMul does.',
  "peak memory: Node = process RSS (harness frames and ONNX Runtime's WASM heap, which only grows, included); " +
    'Chromium = PSS of all browser processes (driven runs on Linux).',
];

/** The report object of the JSON contract from the suites' outputs (all environments of one run). */
export function assembleReport(parts: ReportParts): BenchReport {
  const merged = mergeOutputs(parts.outputs);
  return {
    machine: parts.machine,
    date: parts.date,
    results: merged.results,
    host: parts.host,
    command: parts.command,
    ...(parts.node ? { node: parts.node } : {}),
    ...(parts.browser ? { browser: parts.browser } : {}),
    matmul: merged.matmul,
    durationSeconds: parts.durationSeconds,
    skipped: merged.skipped,
    notes: [...READING_NOTES],
  };
}
