import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScope, type Frame, type FrameResult } from '../../dist/node/index.js';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { bccdFrames, copyFrame } from '../support/frames.js';
import { expectSameCells, pageFrames, type PageRun } from '../support/page-run.js';
import { shippedModelCard } from '../support/test-model.js';

// Most hosts (a plain web server, Electron's file pages) send no COOP/COEP: the page is not
// cross-origin isolated and `SharedArrayBuffer` does not exist there. Inference must still run, on
// one WASM thread, and find what Node finds.
describe('a page served without COOP/COEP', () => {
  let frames: Frame[];
  let node: FrameResult[];
  let session: BrowserSession;
  const card = '/' + shippedModelCard();

  beforeAll(async () => {
    frames = await bccdFrames(2);
    const scope = await createScope({ model: shippedModelCard(), backend: 'native', workers: 1, batchSize: 4 });
    node = [];
    for await (const r of scope.analyzeStream(frames.map((f) => copyFrame(f)))) node.push(r);
    await scope.dispose();
    session = await openBrowser({ webgpu: true, isolated: false });
  });
  afterAll(async () => session?.close());

  it('is really not isolated: no SharedArrayBuffer', async () => {
    expect(await session.page.evaluate('[crossOriginIsolated, typeof SharedArrayBuffer]')).toEqual([false, 'undefined']);
  });

  it('wasm classifies cells on one thread per session, a session per core, as Node does', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'wasm',
      pageFrames(frames),
    ]).catch((error: Error) => {
      throw new Error(`${error.message}\n${session.console.slice(-20).join('\n')}`);
    });
    expect(run.crossOriginIsolated).toBe(false);
    expect(run.backend).toBe('wasm');
    expect(run.notes).toContain('wasm: 1 thread');
    // Without shared memory a session has one thread; the cores are used through one session each.
    const cores = Math.min(4, run.hardwareConcurrency ?? 1);
    expect(run.inferenceLayout).toMatchObject({ sessions: cores, threads: 1 });
    // No shared memory here: the frames are copied to the worker, which copies them into its kernels.
    expect(run.frameHandoffs).toEqual({ inbox: 0, copied: frames.length, written: 0 });
    expectSameCells(run, node);
  });

  it('numThreads 2 runs one thread and the notes say so, why, and which headers would give threads', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'wasm',
      pageFrames(frames.slice(0, 1)),
      { scope: { numThreads: 2 } },
    ]);
    expect(run.inferenceLayout).toMatchObject({ sessions: 1, threads: 1 });
    const note = run.notes.find((n) => n.startsWith('wasm: '));
    expect(note).toMatch(/^wasm: 1 thread \(numThreads 2 asked for: this page is not cross-origin isolated/);
    expect(note).toMatch(/Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/);
    expectSameCells(run, node.slice(0, 1));
  });

  it('WriterFrames write into recycled transfer buffers here (no shared memory), with the same cells', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'wasm',
      pageFrames(frames),
      { asWriters: true },
    ]);
    expect(run.crossOriginIsolated).toBe(false);
    expect(run.frameHandoffs).toEqual({ inbox: 0, copied: 0, written: frames.length });
    expect(run.writerTargets).toEqual(frames.map(() => 'plain'));
    expectSameCells(run, node);
  });

  it('auto classifies cells too (on wasm: the only WebGPU adapter here is SwiftShader)', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'auto',
      pageFrames(frames.slice(0, 1)),
    ]);
    expect(run.crossOriginIsolated).toBe(false);
    expect(run.backend).toBe('wasm');
    expect(run.results[0].error).toBeUndefined();
    expectSameCells(run, node.slice(0, 1));
  });
});
