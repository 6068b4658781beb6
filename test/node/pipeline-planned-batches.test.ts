// Planned batches (src/patch/batch-plan.ts): the inference worker cuts the patches from frames it
// was sent, instead of the preprocess workers. In a browser on WebGPU it does so on the GPU
// (test/browser/pipeline.test.ts); here the testing hook makes a CPU session plan too, so the
// worker cuts them with its own kernels (its path after a lost GPU device). The protocol (frames sent
// once per worker, slots across frames, border 'skip', encoded frames, release, a crash) is the same.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMosaic } from '../../bench/mosaic.js';
import { createScope, type FrameResult, type Scope } from '../../dist/node/index.js';
import { testingHooks } from '../../src/testing.js';
import { BCCD_DIR, BCCD_MICRONS_PER_PIXEL, bccdFrames, copyFrame } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';

// Marrow-cell mosaics (5 whole cells each) between BCCD frames (about one leukocyte each, some at the
// frame's edge): with batches of 4, batches span frames and frames span batches.
const bccd = await bccdFrames(4);
const mosaics = await Promise.all(
  [21, 22, 23].map(async (seed) => (await generateMosaic({ width: 900, height: 700, cells: 5, seed })).frame),
);
const frames = [mosaics[0], bccd[0], mosaics[1], bccd[1], bccd[2], mosaics[2], bccd[3]];

async function collect(stream: AsyncIterable<FrameResult>): Promise<FrameResult[]> {
  const out: FrameResult[] = [];
  for await (const r of stream) out.push(r);
  return out;
}

/** Largest |p - q| over every class of every cell, and whether cells, classes and skips agree. */
function compare(planned: FrameResult[], filled: FrameResult[]) {
  let maxProbDiff = 0;
  let sameCells = planned.length === filled.length;
  for (let f = 0; f < Math.min(planned.length, filled.length); f++) {
    const a = planned[f];
    const b = filled[f];
    sameCells &&= JSON.stringify(a.skippedAtBorder) === JSON.stringify(b.skippedAtBorder) && a.cells.length === b.cells.length;
    a.cells.forEach((cell, c) => {
      const other = b.cells[c];
      if (!other || cell.x !== other.x || cell.y !== other.y || cell.decision?.class !== other.decision?.class) sameCells = false;
      for (const [code, p] of Object.entries(cell.decision?.probs ?? {})) {
        maxProbDiff = Math.max(maxProbDiff, Math.abs(p - (other?.decision?.probs[code] ?? Number.NaN)) || 0);
        if (!Number.isFinite(other?.decision?.probs[code])) sameCells = false;
      }
    });
  }
  return { maxProbDiff, sameCells };
}

describe('planned batches: patches cut by the inference worker', () => {
  let scope: Scope;
  beforeAll(async () => {
    // batchSize 4 with ~3-9 cells a frame: batches span frames, and frames span batches.
    scope = await createScope({ model: shippedModelCard(), backend: 'wasm', workers: 1, batchSize: 4 });
  });
  afterAll(async () => {
    testingHooks(scope).planBatches = undefined;
    await scope?.dispose();
  });

  const run = async (plan: boolean, options: Parameters<Scope['analyzeStream']>[1] = {}, inputs = frames.map((f) => copyFrame(f))) => {
    testingHooks(scope).planBatches = plan;
    try {
      return await collect(scope.analyzeStream(inputs, options));
    } finally {
      testingHooks(scope).planBatches = undefined;
    }
  };

  it('a CPU session cuts patches in the preprocess workers unless told to plan', () => {
    expect(testingHooks(scope).patchesOn).toBe('cpu');
  });

  it('give the same cells, classes and probabilities as filled batches (reflect and skip borders)', async () => {
    for (const border of ['reflect', 'skip'] as const) {
      const filled = await run(false, { border });
      const planned = await run(true, { border });
      expect(planned.map((r) => r.error)).toEqual(frames.map(() => undefined));
      const cells = planned.reduce((n, r) => n + r.cells.length, 0);
      expect(cells).toBeGreaterThan(12); // several batches of 4, across frames
      if (border === 'skip') expect(planned.reduce((n, r) => n + r.skippedAtBorder.length, 0)).toBeGreaterThan(0);
      const { maxProbDiff, sameCells } = compare(planned, filled);
      expect(sameCells).toBe(true);
      // The same kernel cuts the same patches; only the batch companions of a cell may differ.
      expect(maxProbDiff).toBeLessThan(1e-5);
      // Filled patches were timed in the preprocess worker; planned ones are not made there.
      expect(planned.every((r) => r.timingsMs.patches < 50)).toBe(true);
    }
  }, 180_000);

  it('encoded frames: the decoded pixels go on to the inference worker', async () => {
    const names = ['BloodImage_00000.jpg', 'BloodImage_00001.jpg', 'BloodImage_00002.jpg'];
    const encoded = () =>
      names.map((name) => ({
        encoded: new Uint8Array(readFileSync(`${BCCD_DIR}/${name}`)),
        label: name,
        micronsPerPixel: BCCD_MICRONS_PER_PIXEL,
      }));
    const filled = await run(false, {}, encoded() as never);
    const planned = await run(true, {}, encoded() as never);
    expect(planned.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    expect(planned.reduce((n, r) => n + r.cells.length, 0)).toBeGreaterThan(0);
    const { maxProbDiff, sameCells } = compare(planned, filled);
    expect(sameCells).toBe(true);
    expect(maxProbDiff).toBeLessThan(1e-5);
  }, 120_000);

  it('the inference worker lets go of every frame when a stream ends, finished or aborted; concurrent streams keep apart', async () => {
    const hooks = testingHooks(scope);
    hooks.planBatches = true;
    try {
      // Two streams at once on one scope: their frames must not be mistaken for each other's.
      const [a, b] = await Promise.all([
        collect(scope.analyzeStream(frames.map((f) => copyFrame(f)))),
        collect(scope.analyzeStream([...frames].reverse().map((f) => copyFrame(f)))),
      ]);
      const reference = await run(false);
      hooks.planBatches = true; // run() put it back
      expect(compare(a, reference).sameCells).toBe(true);
      expect(compare([...b].reverse(), reference).sameCells).toBe(true);
      expect(await hooks.framesHeldByInferenceWorker()).toBe(0);
      // Aborted when a small frame is done, while the crowded one after it has some cells sent and
      // others still queued (never to be batched now): those are let go too.
      const controller = new AbortController();
      const crowded = (await generateMosaic({ width: 1600, height: 1600, cells: 20, seed: 31 })).frame;
      const aborted = await collect(
        scope.analyzeStream([copyFrame(mosaics[0]), copyFrame(crowded), copyFrame(crowded)], {
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      ).catch((error: unknown) => error);
      expect(aborted).toMatchObject({ code: 'ABORTED' });
      expect(await hooks.framesHeldByInferenceWorker()).toBe(0);
    } finally {
      hooks.planBatches = undefined;
    }
  }, 180_000);

  it('a crash of the inference worker fails only the frames it held, says why, and the stream goes on', async () => {
    const reference = await run(false);
    await testingHooks(scope).crashInferenceOnNextRun();
    const planned = await run(true);
    expect(scope.events.some((e) => /inference worker crashed/.test(e))).toBe(true);
    const failed = planned.filter((r) => r.error);
    // The first batch's frames were in the crashed worker (a CPU session keeps them there).
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(frames.length);
    for (const r of failed) expect(r.error).toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringMatching(/planned batches/) });
    // Every other frame is complete and equal to the reference.
    const ok = planned.filter((r) => !r.error);
    const { maxProbDiff, sameCells } = compare(
      ok,
      ok.map((r) => reference[r.index]),
    );
    expect(sameCells).toBe(true);
    expect(maxProbDiff).toBeLessThan(1e-5);
    // The scope is usable afterwards, planned or not.
    const again = await run(true);
    expect(again.every((r) => !r.error)).toBe(true);
  }, 180_000);
});
