import { platform } from '#platform';
import type { Frame } from '../../src/frame.js';
import { loadModel } from '../../src/inference/load-model.js';
import type { KernelInstance } from '../../src/kernels/load.js';
import { realmCanShareMemory } from '../../src/kernels/load-shared.js';
import { FrameBuffers } from '../../src/pipeline/frame-buffers.js';
import { preprocessFrame, type PreparedFrame } from '../../src/pipeline/preprocess-frame.js';
import { preprocessJob } from '../../src/pipeline/preprocess-job.js';
import type { BenchHost, PeerPass } from '../host.js';
import { withoutAlpha } from '../inputs.js';
import type { BenchResult } from '../report-types.js';
import { percentile, spreadOf } from '../stats.js';
import { KERNELS_RUNTIME, reasonOf } from './suite-output.js';
import type { PipelinePlan } from './pipeline.js';

/** The stages of one frame's preprocessing, as the row's stageMs names them. */
const STAGES = ['handoff', 'stainFit', 'localize', 'patches'] as const;

/**
 * Preprocessing only, one core: each frame as a preprocess worker gets it from the pool (written
 * once into kernel memory where the workers' memory is shared, the pool's inbox; else copied into
 * a recycled buffer and then into kernel memory), then preprocessFrame (stain fit, scale check,
 * localization, the model's patches) on this thread, with the scope's own job for the plan's
 * model; passes interleaved with the NumPy/SciPy peer's (bench/preprocess-peer.py) on the same
 * frames where the host can run it, and with passes of the same job with the patches deferred
 * (what stays on the CPU when a GPU cuts them: planned batches). cellsPerSecond is per core: cells
 * over the CPU time this process spent (wall time where the host cannot read CPU time).
 * Rows: patches on the CPU (with the peer); the copying path where the inbox exists; the same frames as
 * RGB8 where they are RGBA8; and patches deferred to the GPU.
 */
export async function measurePreprocess(host: BenchHost, plan: PipelinePlan, passes: number, kernels: KernelInstance) {
  const { card } = await loadModel(platform, plan.model.card);
  const job = preprocessJob(card, {}, false);
  const deferredJob = { ...job, deferPatches: true };
  const frames = plan.frames.frames;
  // The same frames as RGB8 (what Node's decoder gives, and a scanner can hand over) where they are RGBA8.
  const rgbFrames = frames.every((frame) => frame.channels === 4) ? frames.map(withoutAlpha) : [];
  const buffers = new FrameBuffers(1);
  const clock = host.cpuMs ? () => host.cpuMs!() : () => performance.now();
  // As the pool: frames whose patches are deferred travel on, so they are always sent (copied).
  const inbox = realmCanShareMemory(); // where a scope's workers get shared kernel memory
  onePass(frames, job, inbox); // warm-up: the kernels compiled, the recycled buffer allocated, JIT

  const ours: PassTimes[] = [];
  const deferred: PassTimes[] = [];
  // With the inbox, the copying path too (as where memory cannot be shared), so the two compare in one run.
  const copied: PassTimes[] = [];
  const rgb: PassTimes[] = [];
  const peer: PassTimes[] = [];
  let peerRuntime: string | undefined;
  let peerProblem: string | undefined;
  // Our rows in a rotating order, so that none is always the one right after the peer's Python
  // process, and an untimed pass of ours after each peer run: on a 2-core VM the passes right after
  // the peer ran 2.5 times slower (patch stage 12.5 against 2.8 ms a frame, localization 6.4 against
  // 3.0), as a stream running continuously never does; without the pass, in a fixed order, the first
  // row alone was (12.8 against 3.6 ms for the next).
  const timedRows: Array<() => void> = [
    () => ours.push(onePass(frames, job, inbox)),
    ...(inbox ? [() => copied.push(onePass(frames, job, false))] : []),
    ...(rgbFrames.length > 0 ? [() => rgb.push(onePass(rgbFrames, job, inbox))] : []),
    () => deferred.push(onePass(frames, deferredJob, false)),
  ];
  for (let pass = 0; pass < passes; pass++) {
    for (let k = 0; k < timedRows.length; k++) timedRows[(pass + k) % timedRows.length]();
    if (host.preprocessPeer && !peerProblem) {
      try {
        const run = await host.preprocessPeer(frames, job);
        peerRuntime = run.runtime;
        peer.push(peerTimes(run));
        onePass(frames, job, inbox); // settle (untimed): see above
      } catch (error) {
        peerProblem = reasonOf(error);
      }
    }
  }

  function onePass(passFrames: readonly Frame[], passJob: typeof job, intoInbox: boolean): PassTimes {
    const times: PassTimes = { cells: 0, cpuMs: 0, wallMs: 0, stageMs: [] };
    for (const frame of passFrames) {
      const cpuAt = clock();
      const wallAt = performance.now();
      let prepared: PreparedFrame;
      if (intoInbox) {
        prepared = preprocessFrame(kernels, frame, passJob); // its one copy: into kernel memory
      } else {
        const packed = buffers.pack(frame);
        prepared = preprocessFrame(kernels, packed.frame as Frame, passJob);
        buffers.give(packed.transfer[0]);
      }
      const wallMs = performance.now() - wallAt;
      times.cpuMs += clock() - cpuAt;
      times.wallMs += wallMs;
      times.cells += prepared.cells.length;
      const { stainFit, localize, patches } = prepared.timingsMs;
      times.stageMs.push({ handoff: Math.max(0, wallMs - stainFit - localize - patches), stainFit, localize, patches });
    }
    return times;
  }

  const result = preprocessRow(host, plan, card.id, ours, 'cpu', inbox ? 'inbox' : 'copied');
  if (peer.length > 0) {
    const peerSpread = spreadOf(peer.map((run) => (run.cells * 1000) / run.cpuMs));
    result.peer = {
      runtime: peerRuntime!,
      cellsPerSecond: peerSpread,
      stageMs: medianStages(peer),
      cells: peer[0].cells,
    };
    result.relativeToPeer = result.cellsPerSecond / peerSpread.median;
  } else {
    result.notes!.push(`no NumPy peer: ${peerProblem ?? 'this environment cannot run Python'}`);
  }
  const rows = [result];
  let copiedRow: BenchResult | undefined;
  let rgbRow: BenchResult | undefined;
  if (copied.length > 0) {
    copiedRow = preprocessRow(host, plan, card.id, copied, 'cpu', 'copied');
    copiedRow.notes!.push(
      'the copying path, as where memory cannot be shared (a page without cross-origin isolation): passes interleaved with the inbox row',
    );
    rows.push(copiedRow);
  }
  if (rgb.length > 0) {
    rgbRow = preprocessRow(host, plan, card.id, rgb, 'cpu', inbox ? 'inbox' : 'copied', 3);
    rgbRow.notes!.push(
      "the same frames as RGB8, as Node's decoder gives them (and a scanner can hand over): a quarter fewer bytes to copy and read; passes interleaved with the RGBA8 rows",
    );
    rows.push(rgbRow);
  }
  const gpuRow = preprocessRow(host, plan, card.id, deferred, 'gpu', 'copied');
  gpuRow.notes!.push(
    'patches deferred: the CPU stages left when a GPU cuts the patches (planned batches); the frame handed on is not copied again',
  );
  host.log(
    `${host.env} preprocessing only, ${card.id} on ${frames.length} ${plan.frames.description}: ${result.cellsPerSecond.toFixed(0)} cells/s per core` +
      (result.peer ? ` vs NumPy peer ${result.peer.cellsPerSecond.median.toFixed(0)} (${result.relativeToPeer!.toFixed(1)}x)` : '') +
      (copiedRow ? `; frames copied twice instead of written into kernel memory: ${copiedRow.cellsPerSecond.toFixed(0)}` : '') +
      (rgbRow ? `; as RGB8: ${rgbRow.cellsPerSecond.toFixed(0)}` : '') +
      `; patches left to a GPU: ${gpuRow.cellsPerSecond.toFixed(0)} cells/s per core`,
  );
  return [...rows, gpuRow];
}

/** One preprocessing-only row from timed passes. */
function preprocessRow(
  host: BenchHost,
  plan: PipelinePlan,
  modelId: string,
  ours: PassTimes[],
  patchesOn: 'cpu' | 'gpu',
  handoff: 'inbox' | 'copied',
  frameChannels: 3 | 4 = plan.frames.frames[0].channels,
): BenchResult {
  const frames = plan.frames.frames;
  const perCore = spreadOf(ours.map((run) => (run.cells * 1000) / run.cpuMs));
  const wall = spreadOf(ours.map((run) => (run.cells * 1000) / run.wallMs));
  const cells = ours[0].cells;
  return {
    suite: 'pipeline',
    env: host.env,
    backend: 'wasm',
    runtime: KERNELS_RUNTIME,
    model: modelId,
    batch: 1,
    preprocessOnly: true,
    patchesOn,
    frameHandoff: handoff,
    frameChannels,
    cellsPerSecond: perCore.median,
    cellsPerSecondSpread: perCore,
    framesPerSecond: (perCore.median * frames.length) / cells,
    stageMs: medianStages(ours),
    threads: 1,
    frames: frames.length,
    cells,
    input: plan.frames.description,
    notes: [
      host.cpuMs
        ? `per core: cells over this process's CPU time; wall clock ${wall.median.toFixed(0)} cells/s (${wall.min.toFixed(0)}-${wall.max.toFixed(0)})`
        : 'per core: this page cannot read CPU time, so cells over wall time on one thread',
      handoff === 'inbox'
        ? "handoff: the frame written once into kernel memory (the pool writes into the worker's shared memory: its inbox)"
        : 'handoff: the frame copied into a recycled buffer (the pool) and into kernel memory (the worker)',
    ],
  };
}

interface PassTimes {
  cells: number;
  cpuMs: number;
  wallMs: number;
  stageMs: Array<Record<string, number>>;
}

/** The peer's pass as ours: CPU time for the rate, wall time per stage as ours (it has no handoff). */
function peerTimes(run: PeerPass): PassTimes {
  const stageMs = run.frames.map((frame) => frame.wallMs);
  return {
    cells: run.frames.reduce((sum, frame) => sum + frame.cells, 0),
    cpuMs: run.frames.reduce((sum, frame) => sum + Object.values(frame.cpuMs).reduce((a, b) => a + b, 0), 0),
    wallMs: stageMs.reduce((sum, stages) => sum + Object.values(stages).reduce((a, b) => a + b, 0), 0),
    stageMs,
  };
}

/** Median milliseconds per frame of each stage over every frame of every pass. */
function medianStages(passes: readonly PassTimes[]): Record<string, number> {
  const all = passes.flatMap((pass) => pass.stageMs);
  const stages: Record<string, number> = {};
  for (const stage of STAGES) {
    const values = all.map((frame) => frame[stage]).filter((value): value is number => value !== undefined);
    if (values.length > 0)
      stages[stage] = percentile(
        values.sort((a, b) => a - b),
        50,
      );
  }
  return stages;
}
