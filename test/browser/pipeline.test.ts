import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScope, type FrameResult } from '../../dist/node/index.js';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { bccdFrames, copyFrame } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';

interface PageCell {
  x: number;
  y: number;
  class: string;
  probs: Record<string, number>;
}
interface PageRun {
  backend: string;
  reason: string;
  notes: string[];
  events: string[];
  crossOriginIsolated: boolean;
  results: Array<{ label: string; error?: unknown; cells: PageCell[] }>;
}

// The same frames through Node (native) and through Chromium (webgpu on SwiftShader, and wasm):
// the same cells and probabilities within 1e-3.
describe('pipeline in Chromium', () => {
  const frames = bccdFrames(3);
  let node: FrameResult[];
  let session: BrowserSession;
  const pageFrames = frames.map((f) => ({
    width: f.width,
    height: f.height,
    label: f.label,
    micronsPerPixel: f.micronsPerPixel,
    pixels: Buffer.from(f.pixels).toString('base64'),
  }));
  const card = '/' + shippedModelCard();

  beforeAll(async () => {
    const scope = await createScope({ model: shippedModelCard(), backend: 'native', workers: 1, batchSize: 4 });
    node = [];
    for await (const r of scope.analyzeStream(frames.map((f) => copyFrame(f)))) node.push(r);
    await scope.dispose();
    session = await openBrowser({ webgpu: true });
  });
  afterAll(async () => session?.close());

  const compare = (run: PageRun) => {
    expect(run.results.map((r) => r.label)).toEqual(node.map((r) => r.label));
    expect(node.reduce((n, r) => n + r.cells.length, 0)).toBeGreaterThan(0);
    for (let f = 0; f < node.length; f++) {
      const expected = node[f].cells;
      const got = run.results[f].cells;
      expect(got.map((c) => [c.x, c.y])).toEqual(expected.map((c) => [c.x, c.y]));
      for (let c = 0; c < expected.length; c++) {
        expect(got[c].class).toBe(expected[c].decision?.class);
        for (const [code, p] of Object.entries(expected[c].decision!.probs)) expect(Math.abs(got[c].probs[code] - p)).toBeLessThan(1e-3);
      }
    }
  };

  it('wasm (threads: the page is cross-origin isolated) matches Node', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [card, 'wasm', pageFrames]);
    expect(run.crossOriginIsolated).toBe(true);
    expect(run.backend).toBe('wasm');
    compare(run);
  });

  it('webgpu (SwiftShader) matches Node', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [card, 'webgpu', pageFrames]).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${session.console.slice(-20).join('\n')}`);
      },
    );
    expect(run.backend).toBe('webgpu');
    compare(run);
  });

  it('auto picks webgpu here and says why', async () => {
    const run = await callInPage<PageRun>(session.page, '/test/browser/pipeline-page.js', 'analyze', [
      card,
      'auto',
      pageFrames.slice(0, 1),
    ]);
    expect(run.backend).toBe('webgpu');
    expect(run.reason).toMatch(/auto picked webgpu/);
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
