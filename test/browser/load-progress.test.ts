import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { bccdFrames } from '../support/frames.js';
import { pageFrames } from '../support/page-run.js';
import { shippedModelCard } from '../support/test-model.js';

interface EmbedRun {
  error?: { code: string; message: string };
  events?: string[];
  progress: Array<{ url: string; loadedBytes: number }>;
  results?: Array<{ cells: Array<{ class?: string }> }>;
}

// createScope's onProgress is the host's code: when it throws (a UI bug), the model still loads,
// as a throwing analyzeStream onProgress affects no frame; the throw is reported once, in scope.events.
describe('a createScope onProgress that throws', () => {
  let session: BrowserSession;
  let frames: ReturnType<typeof pageFrames>;

  beforeAll(async () => {
    frames = pageFrames(await bccdFrames(1));
    session = await openBrowser({ webgpu: false, isolated: false });
  });
  afterAll(async () => session?.close());

  it('does not stop the model loading; it is still called, and its throw is reported once', async () => {
    const run = await callInPage<EmbedRun>(session.page, '/test/browser/embed-page.js', 'run', [
      '/dist/browser/index.js',
      { backend: 'wasm', model: '/' + shippedModelCard(), cacheModel: false, failProgress: true },
      frames,
    ]);
    expect(run.error).toBeUndefined();
    expect(run.results![0].cells.filter((c) => c.class).length).toBeGreaterThan(0);
    // Called for the card and for every chunk of the graph, although each call threw.
    expect(run.progress.filter((p) => p.url.endsWith('.onnx')).length).toBeGreaterThan(2);
    // Reported once, in the scope's events (where a stream's throwing onProgress goes), not on the console.
    const throwNote = 'onProgress threw while the model loaded (a bug in the host UI)';
    expect(run.events!.filter((event) => event.includes(throwNote))).toHaveLength(1);
    expect(session.console.filter((line) => line.includes(throwNote))).toEqual([]);
  });
});
