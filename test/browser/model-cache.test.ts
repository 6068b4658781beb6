import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { bccdFrames } from '../support/frames.js';
import { pageFrames } from '../support/page-run.js';
import { shippedModelCard } from '../support/test-model.js';

interface EmbedRun {
  error?: { code: string; message: string };
  progress: Array<{ url: string; loadedBytes: number; totalBytes?: number; fromCache: boolean }>;
}

// A vendor ships new versions of its card (same URL, same graph file name): the model cache keeps
// one graph per card id (the version in use), and a graph read back from it reports its size.
describe('the model cache in Cache Storage', () => {
  const vendor = mkdtempSync(join(tmpdir(), 'smearscope-vendor-'));
  const card = JSON.parse(readFileSync(shippedModelCard(), 'utf8')) as { id: string; version: string; model: string };
  const onnxBytes = statSync(join('models', card.model)).size;
  let frames: ReturnType<typeof pageFrames>;
  let session: BrowserSession;
  const load = (version: string) => {
    writeFileSync(join(vendor, 'card.json'), JSON.stringify({ ...card, version }));
    return callInPage<EmbedRun>(session.page, '/test/browser/embed-page.js', 'run', [
      '/dist/browser/index.js',
      { backend: 'wasm', model: '/vendor/card.json' },
      frames,
    ]);
  };
  const cachedGraphs = async () =>
    (
      (await session.page.evaluate(
        "caches.open('smearscope-models-v1').then((c) => c.keys()).then((keys) => keys.map((r) => r.url))",
      )) as string[]
    ).filter((url) => url.includes('.onnx'));

  beforeAll(async () => {
    copyFileSync(join('models', card.model), join(vendor, basename(card.model)));
    frames = pageFrames(await bccdFrames(1));
    session = await openBrowser({ webgpu: false, isolated: false, mounts: { '/': '.', '/shared/': '../shared', '/vendor/': vendor } });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(vendor, { recursive: true, force: true });
  });

  it('keeps only the graph of the version loaded last', async () => {
    for (const version of ['2.0.0', '2.0.1', '2.0.2']) {
      const run = await load(version);
      expect(run.error).toBeUndefined();
      const graphs = await cachedGraphs();
      expect(graphs).toHaveLength(1);
      expect(decodeURIComponent(graphs[0])).toContain(`smearscope-model=${card.id}@${version}`);
    }
  });

  it('reports totalBytes for a graph read from the cache', async () => {
    const run = await load('2.0.2');
    const graph = run.progress.filter((p) => p.url.endsWith('.onnx'));
    expect(graph.at(-1)).toMatchObject({ loadedBytes: onnxBytes, totalBytes: onnxBytes, fromCache: true });
  });
});
