// The frame inbox (src/pipeline/frame-inbox.ts): where a preprocess worker's kernel memory is shared
// (always in Node), the pool writes each frame's pixels straight into it instead of copying them
// into a transfer buffer that the worker copies again. The results must be those of the copying
// path, frame for frame, across frames of other sizes and channels (the memory grows between
// frames), a crash and its retry on a fresh worker (a new memory), and two workers.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutAlpha } from '../../bench/inputs.js';
import { createScope, type Frame, type FrameResult, type Scope } from '../../dist/node/index.js';
import { testingHooks } from '../../src/testing.js';
import { CameraFrame } from '../support/camera-frame.js';
import { BCCD_DIR, bccdFrames, copyFrame } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';

/** `frame` tiled 2 x 2: a frame four times as large (the worker's memory must grow for it). */
function tiled(frame: Frame): Frame {
  const { width, height, channels } = frame;
  const pixels = new Uint8Array(4 * width * height * channels);
  const row = width * channels;
  for (let y = 0; y < 2 * height; y++) {
    const source = frame.pixels.subarray((y % height) * row, ((y % height) + 1) * row);
    pixels.set(source, 2 * y * row);
    pixels.set(source, (2 * y + 1) * row);
  }
  return { ...frame, width: 2 * width, height: 2 * height, pixels, label: `${frame.label} 2x2` };
}

/** `frame` as RGB8 (3 bytes per pixel). */
function rgb(frame: Frame): Frame {
  return { ...withoutAlpha(frame), label: `${frame.label} rgb` };
}

function cellsOf(results: FrameResult[]) {
  return results.map((r) => ({
    label: r.label,
    error: r.error?.code,
    cells: r.cells.map((c) => ({ x: c.x, y: c.y, class: c.decision?.class, probs: c.decision?.probs })),
  }));
}

function expectSameResults(got: FrameResult[], expected: FrameResult[]) {
  const a = cellsOf(got);
  const b = cellsOf(expected);
  expect(a.map((r) => [r.label, r.error, r.cells.length])).toEqual(b.map((r) => [r.label, r.error, r.cells.length]));
  for (let f = 0; f < a.length; f++) {
    expect(a[f].cells.map((c) => [c.x, c.y, c.class])).toEqual(b[f].cells.map((c) => [c.x, c.y, c.class]));
    for (let c = 0; c < a[f].cells.length; c++) {
      for (const [code, p] of Object.entries(b[f].cells[c].probs!)) expect(Math.abs(a[f].cells[c].probs![code] - p)).toBeLessThan(1e-5);
    }
  }
}

describe('frame inbox: frames written straight into the preprocess workers’ kernel memory', () => {
  let scope: Scope;
  let inputs: Frame[];
  let copied: FrameResult[];

  beforeAll(async () => {
    const bccd = await bccdFrames(4);
    // Small, four times larger, small again, RGB: the memory grows, and later frames sit in a larger one.
    inputs = [bccd[0], tiled(bccd[1]), bccd[2], rgb(bccd[3]), tiled(bccd[0])];
    scope = await createScope({ model: shippedModelCard(), backend: 'native', workers: 2, batchSize: 4 });
    testingHooks(scope).frameInbox = false;
    copied = [];
    for await (const r of scope.analyzeStream(inputs.map((f) => copyFrame(f)))) copied.push(r);
    testingHooks(scope).frameInbox = true;
  });
  afterAll(async () => scope?.dispose());

  it('gives the results of the copying path, frame for frame, and leaves the caller’s frames as they were', async () => {
    const hooks = testingHooks(scope);
    expect(hooks.frameHandoffs).toEqual({ inbox: 0, copied: inputs.length, written: 0 });
    expect(copied.reduce((n, r) => n + r.cells.length, 0)).toBeGreaterThan(4);
    const mine = inputs.map((f) => copyFrame(f));
    const results: FrameResult[] = [];
    for await (const r of scope.analyzeStream(mine)) results.push(r);
    expect(hooks.frameHandoffs).toEqual({ inbox: inputs.length, copied: inputs.length, written: 0 });
    expectSameResults(results, copied);
    for (let i = 0; i < inputs.length; i++) expect(Buffer.from(mine[i].pixels).equals(Buffer.from(inputs[i].pixels))).toBe(true);
  });

  it('a crash mid-frame is retried on a fresh worker, whose own memory gets the frame', async () => {
    const hooks = testingHooks(scope);
    const before = hooks.frameHandoffs.inbox;
    hooks.crashPreprocess = (i) => (i === 1 || i === 3 ? 1 : undefined);
    const results: FrameResult[] = [];
    try {
      for await (const r of scope.analyzeStream(inputs.map((f) => copyFrame(f)))) results.push(r);
    } finally {
      hooks.crashPreprocess = undefined;
    }
    // Two more handoffs than frames: the crashed attempts, then their retries.
    expect(hooks.frameHandoffs.inbox - before).toBe(inputs.length + 2);
    expectSameResults(results, copied);
  });

  it('transferFrames and deferred patches keep sending the pixels', async () => {
    const hooks = testingHooks(scope);
    const before = { ...hooks.frameHandoffs };
    const results: FrameResult[] = [];
    for await (const r of scope.analyzeStream(
      inputs.map((f) => copyFrame(f)),
      { transferFrames: true },
    ))
      results.push(r);
    expect(hooks.frameHandoffs).toEqual({ ...before, copied: before.copied + inputs.length });
    expectSameResults(results, copied);
    // Planned batches defer the patches: each frame's pixels travel on to the inference worker.
    hooks.planBatches = true;
    const planned: FrameResult[] = [];
    try {
      for await (const r of scope.analyzeStream(inputs.map((f) => copyFrame(f)))) planned.push(r);
    } finally {
      hooks.planBatches = undefined;
    }
    expect(hooks.frameHandoffs).toEqual({ ...before, copied: before.copied + 2 * inputs.length });
    expectSameResults(planned, copied);
  });

  // What a camera SDK or an app hands over is often more than the four fields: a class whose
  // size and pixels are getters, a frame with a release() method or a device handle. None of it may
  // be posted to a worker (a function cannot be cloned: DataCloneError; a getter is not an own
  // field: a copy of the object has no width); only the header goes with the pixels.
  it('frames with methods, handles or getters give the same results on every path (inbox, copied, handed over)', async () => {
    const hooks = testingHooks(scope);
    const extras = (f: Frame) => ({
      ...copyFrame(f),
      release: () => undefined,
      device: { id: 7, close() {} },
      stageMicrons: { x: 1, y: 2, toString: () => 'stage' },
    });
    const frames = () => inputs.map((f, i) => (i % 2 ? extras(f) : new CameraFrame(copyFrame(f)))) as unknown as Frame[];
    const run = async (options = {}) => {
      const results: FrameResult[] = [];
      for await (const r of scope.analyzeStream(frames(), options)) results.push(r);
      return results;
    };
    // Each run by the path it names (frame handoffs counted by the pool).
    const before = { ...hooks.frameHandoffs };
    expectSameResults(await run(), copied);
    expect(hooks.frameHandoffs).toEqual({ ...before, inbox: before.inbox + inputs.length });
    hooks.frameInbox = false;
    try {
      expectSameResults(await run(), copied);
    } finally {
      hooks.frameInbox = true;
    }
    expect(hooks.frameHandoffs).toEqual({ ...before, inbox: before.inbox + inputs.length, copied: before.copied + inputs.length });
    expectSameResults(await run({ transferFrames: true }), copied);
    expect(hooks.frameHandoffs).toEqual({ ...before, inbox: before.inbox + inputs.length, copied: before.copied + 2 * inputs.length });
    // An encoded frame with a method of its own: the same.
    const name = inputs[0].label!;
    const encoded = {
      encoded: new Uint8Array(readFileSync(`${BCCD_DIR}/${name}`)),
      label: name,
      micronsPerPixel: 0.075,
      close: () => undefined,
    };
    const fromFile: FrameResult[] = [];
    for await (const r of scope.analyzeStream([encoded] as never)) fromFile.push(r);
    expect(fromFile.map((r) => [r.label, r.error?.code, r.cells.length > 0])).toEqual([[name, undefined, true]]);
  });
});
