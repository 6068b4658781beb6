import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built library: the pipeline runs real worker_threads from dist/node.
import { createScope, SmearscopeError, type FrameResult, type Scope } from '../../dist/node/index.js';
import { testingHooks } from '../../src/testing.js';
import { bccdFrames, copyFrame } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';

const frames = await bccdFrames(6);

function summarize(results: FrameResult[]) {
  return results.map((r) => ({
    label: r.label,
    cells: r.cells.map((c) => ({ x: c.x, y: c.y, class: c.decision?.class, probs: c.decision?.probs })),
  }));
}

async function collect(stream: AsyncIterable<FrameResult>): Promise<FrameResult[]> {
  const out: FrameResult[] = [];
  for await (const r of stream) out.push(r);
  return out;
}

describe('pipeline in Node', () => {
  let wasm: Scope;
  let native: Scope;
  beforeAll(async () => {
    [wasm, native] = await Promise.all([
      createScope({ model: shippedModelCard(), backend: 'wasm', workers: 1, batchSize: 4 }),
      createScope({ model: shippedModelCard(), backend: 'native', workers: 1, batchSize: 4 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([wasm?.dispose(), native?.dispose()]);
  });

  it('wasm and native give the same cells and probabilities within 1e-3', async () => {
    expect(wasm.backend).toBe('wasm');
    expect(native.backend).toBe('native');
    const run = async (scope: Scope) => {
      const out: FrameResult[] = [];
      for await (const r of scope.analyzeStream(frames.map((f) => copyFrame(f)))) out.push(r);
      return out;
    };
    const [a, b] = await Promise.all([run(wasm), run(native)]);
    expect(a.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const cells = a.reduce((n, r) => n + r.cells.length, 0);
    expect(cells).toBeGreaterThan(0);
    const sa = summarize(a);
    const sb = summarize(b);
    for (let f = 0; f < sa.length; f++) {
      expect(sb[f].cells.map((c) => [c.x, c.y])).toEqual(sa[f].cells.map((c) => [c.x, c.y]));
      for (let c = 0; c < sa[f].cells.length; c++) {
        expect(sb[f].cells[c].class).toBe(sa[f].cells[c].class);
        for (const [code, p] of Object.entries(sa[f].cells[c].probs!)) expect(Math.abs(sb[f].cells[c].probs![code] - p)).toBeLessThan(1e-3);
      }
    }
  });

  it('keeps the caller frame intact and results in input order with per-stage timings', async () => {
    const frame = copyFrame(frames[0]);
    const before = frame.pixels.slice(0, 64);
    const result = await wasm.analyzeFrame(frame);
    expect(frame.pixels.byteLength).toBe(640 * 480 * 4);
    expect(Array.from(frame.pixels.slice(0, 64))).toEqual(Array.from(before));
    expect(result.timingsMs.total).toBeGreaterThan(0);
    // The documented stages, no more (the worker times the scale check apart, for the bench only).
    expect(Object.keys(result.timingsMs).sort()).toEqual(['inference', 'localize', 'patches', 'stainFit', 'total']);
    expect(result.scaleSource).toBe('given');
    expect(result.micronsPerPixel).toBe(0.075);
    // Without a scale it is estimated from the erythrocytes, and the result says so.
    const { micronsPerPixel: _, ...unscaled } = copyFrame(frames[3]);
    const estimated = await wasm.analyzeFrame(unscaled);
    expect(estimated.scaleSource).toBe('frame');
    expect(estimated.micronsPerPixel).toBeGreaterThan(0.03);
    expect(estimated.micronsPerPixel).toBeLessThan(0.3);
  });

  it('attaches embeddings and class activation maps on request', async () => {
    const result = await native.analyzeFrame(copyFrame(frames[0]), { includeFeatures: true, includeCam: true });
    expect(result.cells.length).toBeGreaterThan(0);
    const card = native.card;
    for (const { decision: cell } of result.cells) {
      if (!cell) throw new Error('a cell without a decision');
      expect(cell.features!.length).toBe(card.outputs.classifier!.weights[0].length);
      // The logits are the classifier applied to the features: softmax of them is the cell's probs.
      const logits = card.outputs.classifier!.weights.map((w, c) =>
        w.reduce((sum, v, k) => sum + v * cell.features![k], card.outputs.classifier!.bias[c]),
      );
      const top = logits.indexOf(Math.max(...logits));
      expect(card.classes[top]).toBe(cell.class);
      expect(cell.cam!.width * cell.cam!.height).toBe(cell.cam!.values.length);
      expect(Math.max(...cell.cam!.values)).toBeCloseTo(1, 5);
      expect(Math.min(...cell.cam!.values)).toBeGreaterThanOrEqual(0);
    }
    const plain = await native.analyzeFrame(copyFrame(frames[0]));
    expect(plain.cells[0].decision?.features).toBeUndefined();
    expect(plain.cells[0].decision).toBeDefined();
    expect(plain.cells[0].decision?.cam).toBeUndefined();
  });

  it('isolates failures: a corrupt file and a wrong-size frame yield errors, the stream goes on', async () => {
    const good = copyFrame(frames[1], 'good');
    const inputs = [
      copyFrame(frames[0], 'first'),
      { encoded: new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]), label: 'corrupt.jpg' },
      { width: 10, height: 10, channels: 4 as const, pixels: new Uint8Array(7), label: 'wrong-size' },
      good,
    ];
    const results: FrameResult[] = [];
    for await (const r of wasm.analyzeStream(inputs)) results.push(r);
    expect(results.map((r) => r.label)).toEqual(['first', 'corrupt.jpg', 'wrong-size', 'good']);
    expect(results[1].error?.code).toBe('DECODE_FAILED');
    expect(results[2].error?.code).toBe('INVALID_FRAME');
    expect(results[0].error).toBeUndefined();
    expect(results[3].error).toBeUndefined();
    await expect(wasm.analyzeFrame(inputs[2] as never)).rejects.toBeInstanceOf(SmearscopeError);
  });

  it('replaces a crashed preprocess worker and retries its frame once; every frame is accounted for', async () => {
    const results: FrameResult[] = [];
    const inputs = frames.slice(0, 4).map((f, i) => copyFrame(f, `f${i}`));
    // Frame 1 crashes its worker on the first attempt; the retry on a fresh worker succeeds.
    testingHooks(wasm).crashPreprocess = (i) => (i === 1 ? 1 : undefined);
    for await (const r of wasm.analyzeStream(inputs)) results.push(r);
    expect(results.map((r) => r.label)).toEqual(['f0', 'f1', 'f2', 'f3']);
    expect(results.every((r) => !r.error)).toBe(true);
    const twice: FrameResult[] = [];
    testingHooks(wasm).crashPreprocess = (i) => (i === 1 ? 2 : undefined);
    for await (const r of wasm.analyzeStream([copyFrame(frames[0], 'a'), copyFrame(frames[1], 'b')])) twice.push(r);
    testingHooks(wasm).crashPreprocess = undefined;
    expect(twice.map((r) => r.label)).toEqual(['a', 'b']);
    expect(twice[1].error?.code).toBe('WORKER_CRASHED');
    // The pool is healthy afterwards.
    expect((await wasm.analyzeFrame(copyFrame(frames[2]))).error).toBeUndefined();
  });

  it("transferFrames hands each frame's pixels to its worker: same results, the caller's pixels detached, no retry after a crash", async () => {
    const reference: FrameResult[] = [];
    for await (const r of wasm.analyzeStream(frames.slice(0, 3).map((f) => copyFrame(f)))) reference.push(r);
    const inputs = frames.slice(0, 3).map((f) => copyFrame(f));
    const handedOver: FrameResult[] = [];
    for await (const r of wasm.analyzeStream(inputs, { transferFrames: true })) handedOver.push(r);
    expect(summarize(handedOver)).toEqual(summarize(reference));
    expect(inputs.every((f) => f.pixels.byteLength === 0)).toBe(true);
    // A crash mid-frame takes the handed-over pixels along: the frame fails instead of a retry.
    testingHooks(wasm).crashPreprocess = (i) => (i === 1 ? 1 : undefined);
    const crashed: FrameResult[] = [];
    try {
      for await (const r of wasm.analyzeStream([copyFrame(frames[0], 'a'), copyFrame(frames[1], 'b')], { transferFrames: true }))
        crashed.push(r);
    } finally {
      testingHooks(wasm).crashPreprocess = undefined;
    }
    expect(crashed[0].error).toBeUndefined();
    expect(crashed[1].error?.code).toBe('WORKER_CRASHED');
    expect(crashed[1].error?.message).toMatch(/handed over \(transferFrames\), so it is not retried/);
    // A frame already handed over (its pixels detached) is refused at once, not posted.
    const again = await collect(wasm.analyzeStream([inputs[0]], { transferFrames: true }));
    expect(again[0].error).toMatchObject({ code: 'INVALID_FRAME', message: expect.stringMatching(/0 bytes .*detached/) });
    // Checked before any frame is taken (thrown by analyzeStream itself or its first step).
    const badOption = async () => collect(wasm.analyzeStream([copyFrame(frames[0])], { transferFrames: 'yes' as unknown as boolean }));
    await expect(badOption()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('restarts a crashed inference worker and retries the batch', async () => {
    // The next batch goes to the session used least recently: run one batch on each session in turn
    // (the scope has one per core), then crash the one that took the first of them. (Crashing
    // session 0 made this test depend on the batches of the tests before it.)
    const hooks = testingHooks(wasm);
    const users: number[] = [];
    let reference: FrameResult | undefined;
    for (let i = 0; i < hooks.inferenceLayout.sessions; i++) {
      const before = hooks.inferenceLayout.batchesDone;
      reference = await wasm.analyzeFrame(copyFrame(frames[0]));
      users.push(hooks.inferenceLayout.batchesDone.findIndex((n, s) => n > before[s]));
    }
    expect(new Set(users).size).toBe(hooks.inferenceLayout.sessions);
    await hooks.crashInferenceOnNextRun(users[0]);
    const again = await wasm.analyzeFrame(copyFrame(frames[0]));
    expect(wasm.events.some((e) => /inference worker crashed/.test(e))).toBe(true);
    expect(again.cells.length).toBeGreaterThan(0);
    expect(again.cells.map((c) => c.decision?.probs)).toEqual(reference!.cells.map((c) => c.decision?.probs));
  });

  it('cancels mid-stream promptly and the scope stays usable', async () => {
    const controller = new AbortController();
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield copyFrame(frames[pulled % frames.length]);
      }
    }
    const seen: FrameResult[] = [];
    const started = performance.now();
    const error = await (async () => {
      for await (const r of wasm.analyzeStream(endless(), { signal: controller.signal, maxFramesInFlight: 4 })) {
        seen.push(r);
        if (seen.length === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    const stoppedAfterMs = performance.now() - started;
    expect((error as SmearscopeError).code).toBe('ABORTED');
    expect(seen.length).toBe(3);
    const pulledAtAbort = pulled;
    await new Promise((r) => setTimeout(r, 300));
    expect(pulled).toBe(pulledAtAbort); // the source is no longer read
    expect(pulled).toBeLessThanOrEqual(3 + 4 + 1); // bounded read-ahead: backpressure
    // Workers are free: a new frame is analyzed right away.
    const after = await wasm.analyzeFrame(copyFrame(frames[0]));
    expect(after.error).toBeUndefined();
    expect(stoppedAfterMs).toBeGreaterThan(0);
  });

  it('an AbortSignal aborted before the call stops analyzeStream and analyzeFrame at their first step: ABORTED, no frame taken', async () => {
    let pulled = 0;
    function* source() {
      for (const frame of frames) {
        pulled++;
        yield copyFrame(frame);
      }
    }
    const handoffs = testingHooks(wasm).frameHandoffs;
    const seen: FrameResult[] = [];
    const error = await (async () => {
      for await (const r of wasm.analyzeStream(source(), { signal: AbortSignal.abort() })) seen.push(r);
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(seen).toEqual([]);
    expect(pulled).toBe(0);
    const controller = new AbortController();
    controller.abort();
    await expect(wasm.analyzeFrame(copyFrame(frames[0]), { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(testingHooks(wasm).frameHandoffs).toEqual(handoffs); // no frame reached a worker
  });

  it('a frame source that throws: the frames it gave are answered first, then the stream ends with IO_FAILED and its error as cause', async () => {
    const unplugged = new Error('camera unplugged');
    function* camera() {
      yield copyFrame(frames[0], 'a');
      yield copyFrame(frames[1], 'b');
      throw unplugged;
    }
    const seen: FrameResult[] = [];
    const error = await (async () => {
      for await (const r of wasm.analyzeStream(camera())) seen.push(r);
    })().catch((e: unknown) => e);
    expect(seen.map((r) => [r.label, r.error])).toEqual([
      ['a', undefined],
      ['b', undefined],
    ]);
    expect(error).toBeInstanceOf(SmearscopeError);
    expect(error).toMatchObject({
      code: 'IO_FAILED',
      cause: unplugged,
      message: expect.stringMatching(/^the frame source threw after giving 2 frame\(s\).*: camera unplugged;/),
    });
  });

  it('bad thresholds are refused when the call is made, naming the option, before any frame is taken', async () => {
    let pulled = 0;
    function* source() {
      pulled++;
      yield copyFrame(frames[0]);
    }
    const handoffs = testingHooks(wasm).frameHandoffs;
    let thrown: unknown;
    try {
      wasm.analyzeStream(source(), { thresholds: { confidence: 2 } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'options.thresholds.confidence must be a probability in [0, 1], got 2',
    });
    expect(pulled).toBe(0);
    await expect(wasm.analyzeFrame(copyFrame(frames[0]), { thresholds: { blast: -1 } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'options.thresholds.blast must be a probability in [0, 1], got -1',
    });
    expect(testingHooks(wasm).frameHandoffs).toEqual(handoffs); // no frame reached a worker
  });

  it('reports progress and rejects bad options with typed errors', async () => {
    const progress: number[] = [];
    for await (const _ of wasm.analyzeStream(
      frames.slice(0, 3).map((f) => copyFrame(f)),
      { onProgress: (p) => progress.push(p.framesDone) },
    )) {
      // drain
    }
    expect(progress).toEqual([1, 2, 3]);
    await expect(createScope({ model: shippedModelCard(), batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createScope({ model: 'models/does-not-exist.json' })).rejects.toMatchObject({ code: 'IO_FAILED' });
    // In Node, webgpu is onnxruntime-node's WebGPU EP: with no Vulkan driver it has no adapter.
    const icd = process.env.VK_ICD_FILENAMES;
    process.env.VK_ICD_FILENAMES = '/nonexistent/no-vulkan-driver.json';
    try {
      await expect(createScope({ model: shippedModelCard(), backend: 'webgpu' })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    } finally {
      if (icd === undefined) delete process.env.VK_ICD_FILENAMES;
      else process.env.VK_ICD_FILENAMES = icd;
    }
  });
});
