import { spreadOf } from './stats.js';
import type { CpuAccount } from './report-types.js';

/** One timed run of cells: wall and process CPU time, milliseconds. */
export interface TimedCells {
  cells: number;
  wallMs: number;
  cpuMs: number;
}

/**
 * Splits the pipeline's efficiency into where it goes, pass by pass: a pass's efficiency is its
 * cells/s over the bare sessions' right after it, and since cells/s = cells / CPU x CPU / wall,
 *
 *   efficiency = (bare CPU per cell / pipeline CPU per cell) x (pipeline cores busy / bare cores busy)
 *
 * exactly: the first factor is what the pipeline's own work (preprocessing, handoffs, scheduling,
 * V8's helpers for them) costs beside the model's, the second how much of the machine it left idle
 * (a stream's first frame, waits) beyond what the bare sessions did. `framesPerPass` turns CPU per
 * cell into CPU per frame. Medians over the passes; `pairs` must not be empty, and each run must
 * have cells, wall and CPU above 0.
 */
export function cpuAccount(
  pairs: ReadonlyArray<{ pipeline: TimedCells; bare: TimedCells }>,
  framesPerPass: number,
  cores: number,
): CpuAccount {
  const perCell = (run: TimedCells) => run.cpuMs / run.cells;
  const busy = (run: TimedCells) => run.cpuMs / (run.wallMs * cores);
  const median = (values: number[]) => spreadOf(values).median;
  const cellsPerFrame = (pair: { pipeline: TimedCells }) => pair.pipeline.cells / framesPerPass;
  return {
    cores,
    pipelineCpuMsPerFrame: median(pairs.map((pair) => perCell(pair.pipeline) * cellsPerFrame(pair))),
    bareCpuMsPerFrame: median(pairs.map((pair) => perCell(pair.bare) * cellsPerFrame(pair))),
    pipelineCoresBusy: median(pairs.map((pair) => busy(pair.pipeline))),
    bareCoresBusy: median(pairs.map((pair) => busy(pair.bare))),
    cpuRatio: spreadOf(pairs.map((pair) => perCell(pair.bare) / perCell(pair.pipeline))),
    busyRatio: spreadOf(pairs.map((pair) => busy(pair.pipeline) / busy(pair.bare))),
  };
}
