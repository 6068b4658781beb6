import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScope, type Frame, type FrameResult } from '../../dist/node/index.js';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { bccdFrames, copyFrame } from '../support/frames.js';
import { expectSameCells, pageFrames as toPageFrames, type PageRun } from '../support/page-run.js';
import { shippedModelCard } from '../support/test-model.js';

// The same frames through Node (native) and through Chromium (webgpu on SwiftShader, and wasm):
// the same cells and probabilities within 1e-3.
describe('pipeline in Chromium', () => {
  let frames: Frame[];
  let node: FrameResult[];
  let session: BrowserSession;
  let pageFrames: ReturnType<typeof toPageFrames>;
  const card = '/' + shippedModelCard();

  beforeAll(async () => {
    frames = await bccdFrames(3);
    pageFrames = toPageFrames(frames);
    const scope = await createScope({ model: shippedModelCard(), backend: 'native', workers: 1, batchSize: 4 });
    node = [];
    for await (const r of scope.analyzeStream(frames.map((f) => copyFrame(f)))) node.push(r);
    await scope.dispose();
    session = await openBrowser({ webgpu: true });
  });
  afterAll(async () => session?.close());

  const compare = (run: PageRun) => expectSameCells(run, node);

  it('wasm (threads: the page is cross-origin isolated) matches Node', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [card, 'wasm', pageFrames]);
    expect(run.crossOriginIsolated).toBe(true);
    expect(run.backend).toBe('wasm');
    // Isolated: the preprocess worker's kernel memory is shared, the pool writes each frame into it.
    expect(run.frameHandoffs).toEqual({ inbox: pageFrames.length, copied: 0, written: 0 });
    compare(run);
  });

  it('wasm with numThreads 2 runs two threads here (test/browser/non-isolated.test.ts: one without isolation)', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'wasm',
      pageFrames.slice(0, 1),
      { scope: { numThreads: 2 } },
    ]);
    expect(run.inferenceLayout).toMatchObject({ sessions: 1, threads: 2 });
    expect(run.notes).toContain('wasm: 2 threads');
    expectSameCells(run, node.slice(0, 1));
  });

  it('wasm, frames that write their own pixels (WriterFrame): into the kernel memory itself, matching Node', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'wasm',
      pageFrames,
      { asWriters: true },
    ]);
    expect(run.frameHandoffs).toEqual({ inbox: 0, copied: 0, written: pageFrames.length });
    expect(run.writerTargets).toEqual(pageFrames.map(() => 'shared'));
    compare(run);
  });

  /** The frames through a webgpu scope in the page (page options as pipeline-page.js takes them). */
  async function onWebgpu(pageOptions?: object): Promise<PageRun> {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'webgpu',
      pageFrames,
      ...(pageOptions ? [pageOptions] : []),
    ]).catch((error: Error) => {
      throw new Error(`${error.message}\n${session.console.slice(-20).join('\n')}`);
    });
    expect(run.backend).toBe('webgpu');
    return run;
  }

  it('webgpu (SwiftShader) matches Node', async () => {
    const run = await onWebgpu();
    // By default the patches are cut on the GPU, straight into the session's input buffer; the
    // frames' pixels travel on to it, so the pool sends them rather than writing them into the kernels.
    expect(run.patchesOn).toBe('gpu');
    expect(run.frameHandoffs).toEqual({ inbox: 0, copied: pageFrames.length, written: 0 });
    expect(run.notes.join('\n')).toMatch(/patches: cut on the GPU/);
    compare(run);
  });

  it('webgpu, WriterFrames: written into transfer buffers (their pixels travel on to the GPU), matching Node', async () => {
    const run = await onWebgpu({ asWriters: true });
    expect(run.patchesOn).toBe('gpu');
    expect(run.frameHandoffs).toEqual({ inbox: 0, copied: 0, written: pageFrames.length });
    expect(run.writerTargets).toEqual(pageFrames.map(() => 'plain'));
    compare(run);
  });

  it('webgpu: frames over the GPU buffer limits are cut on the CPU into the bound input, and match Node', async () => {
    // Every frame over the (lowered) limit: each segment's patches come from the worker's kernels,
    // written into their slots of the session's GPU input; padding still cleared on the GPU.
    const run = await onWebgpu({ gpuFrameBytes: 1 });
    expect(run.patchesOn).toBe('gpu');
    compare(run);
  });

  it('webgpu with gpuPatches false cuts patches on the CPU and matches Node', async () => {
    const run = await onWebgpu({ scope: { gpuPatches: false } });
    expect(run.patchesOn).toBe('cpu');
    expect(run.notes.join('\n')).toMatch(/patches: cut on the CPU \(gpuPatches false\)/);
    compare(run);
  });

  it('auto passes over the software adapter (SwiftShader) for wasm and says why', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'auto',
      pageFrames.slice(0, 1),
    ]);
    expect(run.backend).toBe('wasm');
    expect(run.reason).toMatch(
      /auto picked wasm after: webgpu: skipped, the WebGPU adapter (is a fallback \(software\) adapter|renders in software)/,
    );
    // Landing on wasm, auto runs the CPU layout: a single-threaded session per core.
    expect(run.inferenceLayout).toMatchObject({ sessions: Math.min(4, run.hardwareConcurrency ?? 1), threads: 1 });
  });

  it('a lost WebGPU device falls back to wasm and says so', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'webgpu',
      pageFrames,
      { loseDeviceFirst: true },
    ]);
    expect(run.backend).toBe('wasm');
    expect(run.events.join('\n')).toMatch(/device lost.*fell back to wasm/);
    compare(run);
  });
});
