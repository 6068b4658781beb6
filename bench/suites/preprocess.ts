import { platform } from '#platform';
import { frameHeader, type Frame } from '../../src/frame.js';
import { loadModel } from '../../src/inference/load-model.js';
import type { KernelInstance } from '../../src/kernels/load.js';
import { realmCanShareMemory } from '../../src/kernels/load-shared.js';
import { FrameBuffers } from '../../src/pipeline/frame-buffers.js';
import { inboxTarget } from '../../src/pipeline/frame-inbox.js';
import { preprocessFrame, type PreparedFrame } from '../../src/pipeline/preprocess-frame.js';
import { preprocessJob } from '../../src/pipeline/preprocess-job.js';
import type { BenchHost, PeerPass } from '../host.js';
import { withoutAlpha } from '../inputs.js';
import type { BenchResult, FrameHandoff } from '../report-types.js';
import { percentile, spreadOf } from '../stats.js';
import { KERNELS_RUNTIME, reasonOf } from './suite-output.js';
import type { PipelinePlan } from './pipeline.js';

/** The stages of one frame's preprocessing, as the row's stageMs names them. */
const STAGES = ['handoff', 'stainFit', 'localize', 'scaleCheck', 'patches'] as const;

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
 * RGB8 where they are RGBA8; and patches deferred to the GPU. Where the host keeps frames in raw
 * files (Node), three more: patches deferred with each frame read by a WriterFrame (into a transfer
 * buffer, as its frame travels on), and each frame read from its file into a buffer of the source's and then
 * copied into kernel memory (a plain Frame), against read straight into kernel memory (what a
 * WriterFrame's `writePixels` does with `fs.readSync(fd, target)`): the copy a WriterFrame saves.
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
  const files = host.rawFrameFiles?.(frames);
  const inMemory: FrameHandoff = inbox ? 'inbox' : 'copied';

  const ours: PassTimes[] = [];
  const deferred: PassTimes[] = [];
  // With the inbox, the copying path too (as where memory cannot be shared), so the two compare in one run.
  const copied: PassTimes[] = [];
  const rgb: PassTimes[] = [];
  const fileCopied: PassTimes[] = [];
  const fileWritten: PassTimes[] = [];
  // Patches deferred, each frame read from its file by its source: what a host feeding a GPU
  // spends per frame (the writer reads into a transfer buffer: the frame travels on to the GPU).
  const deferredFile: PassTimes[] = [];
  const peer: PassTimes[] = [];
  let peerRuntime: string | undefined;
  let peerProblem: string | undefined;
  // Our rows in a rotating order, so that none is always the one right after the peer's Python
  // process, and an untimed pass of every row after each peer run. Passes right after the peer ran
  // 2.5 times slower on a 2-core VM (patch stage 12.5 against 2.8 ms a frame, localization 6.4
  // against 3.0), as a stream running continuously never does; and spawning the peer forks this
  // process (libuv), so every private page is copy-on-write until written again: the first frame
  // written into a 20 MB buffer after the fork took 55-95 ms of CPU instead of ~1.5 (page faults;
  // a scratch spawnSync('/bin/true') between two copies shows the same, 74-85 ms). With only one
  // row settled, the rows whose frames pass through a buffer of their own (copied, file-copied)
  // paid it on every timed pass and read about half the rate a loop without the peer gives.
  const passRows: Array<{ run: () => PassTimes; timed: PassTimes[] }> = [
    { run: () => onePass(frames, job, inMemory), timed: ours },
    ...(inbox ? [{ run: () => onePass(frames, job, 'copied'), timed: copied }] : []),
    ...(rgbFrames.length > 0 ? [{ run: () => onePass(rgbFrames, job, inMemory), timed: rgb }] : []),
    { run: () => onePass(frames, deferredJob, 'copied'), timed: deferred },
    ...(files
      ? [
          { run: () => onePass(frames, job, 'file-copied'), timed: fileCopied },
          { run: () => onePass(frames, job, 'file-written'), timed: fileWritten },
          { run: () => onePass(frames, deferredJob, 'file-copied'), timed: deferredFile },
        ]
      : []),
  ];
  try {
    // Warm-up, every row once: the kernels compiled, JIT, and each row's own buffers allocated and
    // touched (the recycled transfer buffer, the raw-file source's), so no timed pass pays for that.
    for (const row of passRows) row.run();
    for (let pass = 0; pass < passes; pass++) {
      for (let k = 0; k < passRows.length; k++) {
        const row = passRows[(pass + k) % passRows.length];
        row.timed.push(row.run());
      }
      if (host.preprocessPeer && !peerProblem) {
        try {
          const run = await host.preprocessPeer(frames, job);
          peerRuntime = run.runtime;
          peer.push(peerTimes(run));
          for (const row of passRows) row.run(); // settle (untimed): see above
        } catch (error) {
          peerProblem = reasonOf(error);
        }
      }
    }
  } finally {
    files?.close();
  }

  function onePass(passFrames: readonly Frame[], passJob: typeof job, handoff: FrameHandoff): PassTimes {
    const times: PassTimes = { cells: 0, cpuMs: 0, wallMs: 0, stageMs: [] };
    passFrames.forEach((frame, k) => {
      const cpuAt = clock();
      const wallAt = performance.now();
      const prepared = handOver(frame, k, passJob, handoff);
      const wallMs = performance.now() - wallAt;
      times.cpuMs += clock() - cpuAt;
      times.wallMs += wallMs;
      times.cells += prepared.cells.length;
      // localize includes scaleCheck (the scale estimate or check), given apart too.
      const { stainFit, localize, scaleCheck, patches } = prepared.timingsMs;
      times.stageMs.push({
        handoff: Math.max(0, wallMs - stainFit - localize - patches),
        stainFit,
        localize,
        ...(scaleCheck !== undefined ? { scaleCheck } : {}),
        patches,
      });
    });
    return times;
  }

  /** Frame k handed to the kernels as `handoff` says, then prepared. */
  function handOver(frame: Frame, k: number, passJob: typeof job, handoff: FrameHandoff): PreparedFrame {
    if (handoff === 'inbox') return preprocessFrame(kernels, frame, passJob); // its one copy: into kernel memory
    if (handoff === 'copied') {
      const packed = buffers.pack(frame);
      const prepared = preprocessFrame(kernels, packed.frame as Frame, passJob);
      buffers.give(packed.transfer[0]);
      return prepared;
    }
    const header = frameHeader(frame);
    const byteLength = frame.pixels.byteLength;
    if (handoff === 'file-copied') {
      // The source's own buffer, recycled as the pool recycles its transfer buffers.
      const own = buffers.lend(byteLength);
      files!.read(k, own);
      const prepared = preprocessFrame(kernels, { ...header, pixels: own }, passJob); // the scope's copy into kernel memory
      buffers.give(own.buffer);
      return prepared;
    }
    // As a WriterFrame into a worker's inbox: the next kernel buffer, grown to hold the frame.
    const ptr = kernels.memory.nextPtr();
    const target = inboxTarget({ memory: kernels.memory.memory, ptr }, byteLength);
    if (!target) throw new Error(`a ${frame.width} x ${frame.height} frame does not fit in kernel memory`);
    files!.read(k, target);
    return preprocessFrame(kernels, { ...header, inboxPtr: ptr }, passJob);
  }

  const result = preprocessRow(host, plan, card.id, ours, 'cpu', inMemory);
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
  const fileRows: BenchResult[] = [];
  if (fileCopied.length > 0) {
    for (const [timed, handoff] of [
      [fileCopied, 'file-copied'],
      [fileWritten, 'file-written'],
    ] as const) {
      const row = preprocessRow(host, plan, card.id, timed, 'cpu', handoff);
      row.notes!.push('frames read from raw files (the page cache: the kernel copies each); passes interleaved with the other rows');
      fileRows.push(row);
    }
  }
  const gpuRow = preprocessRow(host, plan, card.id, deferred, 'gpu', 'copied');
  gpuRow.notes!.push(
    'patches deferred: the CPU stages left when a GPU cuts the patches (planned batches); the frame handed on is not copied again',
  );
  const gpuRows = [gpuRow];
  if (deferredFile.length > 0) {
    const row = preprocessRow(host, plan, card.id, deferredFile, 'gpu', 'file-copied');
    row.notes!.push(
      'patches deferred, frames read from raw files by a WriterFrame: it writes into a transfer buffer (the frame travels on to the GPU), which the worker copies into kernel memory: the host CPU a frame costs on the accelerator path, the read included',
    );
    gpuRows.push(row);
  }
  host.log(
    `${host.env} preprocessing only, ${card.id} on ${frames.length} ${plan.frames.description}: ${result.cellsPerSecond.toFixed(0)} cells/s per core` +
      (result.peer ? ` vs NumPy peer ${result.peer.cellsPerSecond.median.toFixed(0)} (${result.relativeToPeer!.toFixed(1)}x)` : '') +
      (copiedRow ? `; frames copied twice instead of written into kernel memory: ${copiedRow.cellsPerSecond.toFixed(0)}` : '') +
      (rgbRow ? `; as RGB8: ${rgbRow.cellsPerSecond.toFixed(0)}` : '') +
      `; patches left to a GPU: ${gpuRow.cellsPerSecond.toFixed(0)} cells/s per core` +
      (gpuRows[1] ? ` (frames read from raw files by a WriterFrame: ${gpuRows[1].cellsPerSecond.toFixed(0)})` : '') +
      (fileRows.length === 2
        ? `; from raw files, read then copied (Frame) ${fileRows[0].cellsPerSecond.toFixed(0)} vs read straight into kernel memory (WriterFrame) ${fileRows[1].cellsPerSecond.toFixed(0)}`
        : ''),
  );
  return [...rows, ...gpuRows, ...fileRows];
}

/** One preprocessing-only row from timed passes. */
function preprocessRow(
  host: BenchHost,
  plan: PipelinePlan,
  modelId: string,
  ours: PassTimes[],
  patchesOn: 'cpu' | 'gpu',
  handoff: FrameHandoff,
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
      HANDOFF_NOTES[handoff],
    ],
  };
}

const HANDOFF_NOTES: Record<FrameHandoff, string> = {
  inbox: "handoff: the frame written once into kernel memory (the pool writes into the worker's shared memory: its inbox)",
  copied: 'handoff: the frame copied into a recycled buffer (the pool) and into kernel memory (the worker)',
  'file-copied':
    "handoff: the frame read from its raw file into a buffer (the source's own for a plain Frame; a recycled transfer buffer for a WriterFrame whose frame travels on), then copied into kernel memory",
  'file-written': "handoff: the frame read from its raw file straight into kernel memory (a WriterFrame's writePixels)",
};

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
