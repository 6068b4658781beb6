// Frames written straight into a preprocess worker's shared kernel memory (the frame slot) instead
// of packed into a recycled buffer, transferred and copied again: the kernels' memory is shared in
// Node, a frame in the slot gives exactly what a copied frame gives, and the pool sends frames that
// way (FrameBuffers.pack is never called), growing the slot for a larger frame. (A replaced worker
// gets a new slot: pipeline.test.ts crashes a preprocess worker mid-stream and checks every frame.)
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { platform } from '#platform';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateMosaic } from '../../bench/mosaic.js';
import { loadModel } from '../../src/inference/load-model.js';
import { instantiateKernels, instantiateShareableKernels } from '../../src/kernels/load.js';
import { FrameBuffers } from '../../src/pipeline/frame-buffers.js';
import { resolveFrameLimits } from '../../src/pipeline/frame-limits.js';
import { preprocessFrame, type PreparedFrame } from '../../src/pipeline/preprocess-frame.js';
import { preprocessJob } from '../../src/pipeline/preprocess-job.js';
import { PreprocessPool } from '../../src/pipeline/preprocess-pool.js';
import type { WorkerHost } from '../../src/pipeline/worker-host.js';
import { shippedModelCard } from '../support/test-model.js';

/** The built preprocess worker (npm run build) behind the pool under test (src/, so its FrameBuffers can be watched). */
const builtWorkers: WorkerHost = {
  spawnWorker(name) {
    const worker = new Worker(resolve(`dist/node/${name}.worker.js`));
    const listeners: Array<(reason: string) => void> = [];
    worker.on('exit', (code) => {
      for (const listener of listeners) listener(`exited with code ${code}`);
    });
    return {
      endpoint: nodeEndpoint(worker),
      onExit: (listener) => listeners.push(listener),
      terminate: async () => void (await worker.terminate()),
    };
  },
};

/** A prepared frame without its timings (they differ run to run). */
const comparable = ({ timingsMs: _, ...rest }: PreparedFrame) => rest;

describe('frame slot (shared kernel memory)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a frame placed in the shared memory prepares exactly as a copied one', async () => {
    const shared = await instantiateShareableKernels();
    expect(shared.memory.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const { card } = await loadModel(platform, shippedModelCard());
    const job = preprocessJob(card, {}, false);
    const { frame } = await generateMosaic({ seed: 2, width: 900, height: 700, cells: 4 });
    const ptr = shared.memory.alloc(frame.pixels.byteLength);
    shared.memory.u8(ptr, frame.pixels.byteLength).set(frame.pixels);
    const inSlot = preprocessFrame(shared, { ...frame, pixels: shared.memory.u8(ptr, frame.pixels.byteLength) }, job, {
      ptr,
      width: frame.width,
      height: frame.height,
      channels: frame.channels,
    });
    const copied = preprocessFrame(await instantiateKernels(), frame, job);
    expect(copied.cells.length).toBeGreaterThan(0);
    expect(comparable(inSlot)).toEqual(comparable(copied));
    expect(() => preprocessFrame(shared, frame, job, { ptr, width: frame.width - 1, height: frame.height, channels: 4 })).toThrow(
      expect.objectContaining({ code: 'INVALID_FRAME' }),
    );
  });

  it('the pool writes frames into the worker slot: same results, no packed copies, the caller frame intact', async () => {
    const pack = vi.spyOn(FrameBuffers.prototype, 'pack');
    const { card } = await loadModel(platform, shippedModelCard());
    const job = preprocessJob(card, {}, false);
    const small = (await generateMosaic({ seed: 4, width: 700, height: 600, cells: 3 })).frame;
    const large = (await generateMosaic({ seed: 5, width: 1000, height: 800, cells: 5 })).frame;
    const kernels = await instantiateKernels();
    const expected = [small, large].map((frame) => comparable(preprocessFrame(kernels, frame, job)));
    const pool = new PreprocessPool(builtWorkers, 1);
    try {
      const limits = resolveFrameLimits(undefined);
      // small, then large (the slot grows), then small again in the grown slot.
      const got = [await pool.prepare(small, job, limits), await pool.prepare(large, job, limits), await pool.prepare(small, job, limits)];
      expect(got.map(comparable)).toEqual([expected[0], expected[1], expected[0]]);
      expect(pack).not.toHaveBeenCalled();
      expect(small.pixels.byteLength).toBe(700 * 600 * 4); // not transferred away
    } finally {
      await pool.terminate();
    }
  }, 120_000);
});
