import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { bccdFrames } from '../support/frames.js';
import { pageFrames } from '../support/page-run.js';
import { shippedModelCard } from '../support/test-model.js';

interface EmbedRun {
  models: string[];
  backend?: string;
  reason?: string;
  error?: { code: string; message: string };
  progress: Array<{ url: string; loadedBytes: number; totalBytes?: number; fromCache: boolean }>;
  results?: Array<{ label: string; error?: unknown; cells: Array<{ class: string }> }>;
}

// The browser build as a host serves it: a copy of the package (dist/ + models/) under /pkg/, and
// the same files moved to /moved/ as a host that relocates them would. Files are deleted between
// steps to show what is loaded from where: the model from Cache Storage on a second start, the
// workers and ONNX Runtime from `assetsPath`, and a missing file as IO_FAILED naming its URL.
describe('embedding the browser build', () => {
  const root = mkdtempSync(join(tmpdir(), 'smearscope-embed-'));
  const pkg = join(root, 'pkg');
  const moved = join(root, 'moved');
  const onnxBytes = statSync(shippedModelCard().replace(/\.json$/, '.onnx')).size;
  let frames: ReturnType<typeof pageFrames>;
  let session: BrowserSession;
  const run = (options: Record<string, unknown>) =>
    callInPage<EmbedRun>(session.page, '/test/browser/embed-page.js', 'run', [
      '/pkg/dist/browser/index.js',
      { backend: 'wasm', ...options },
      frames,
    ]);

  beforeAll(async () => {
    for (const folder of ['dist/browser', 'dist/workers', 'dist/ort']) cpSync(folder, join(pkg, folder), { recursive: true });
    cpSync('models', join(pkg, 'models'), { recursive: true, filter: (source) => !/\/(train|zoo)$/.test(source) });
    mkdirSync(moved);
    cpSync('dist/workers', join(moved, 'workers'), { recursive: true });
    cpSync('dist/ort', join(moved, 'ort'), { recursive: true });
    cpSync(join(pkg, 'models'), join(moved, 'models'), { recursive: true });
    frames = pageFrames(await bccdFrames(1));
    session = await openBrowser({ webgpu: false, isolated: false, mounts: { '/': '.', '/pkg/': pkg, '/moved/': moved } });
  });
  afterAll(async () => {
    await session?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('loads a shipped model by id from the package layout, reporting its bytes as they arrive', async () => {
    const first = await run({});
    expect(first.error).toBeUndefined();
    expect(first.models).toContain('bm7-resnet10s');
    expect(first.results![0].cells.filter((c) => c.class).length).toBeGreaterThan(0);
    const graph = first.progress.filter((p) => p.url.endsWith('/pkg/models/bm7-resnet10s.onnx'));
    expect(graph.length).toBeGreaterThan(2); // streamed: a start, chunks, the end
    expect(graph.at(-1)).toMatchObject({ loadedBytes: onnxBytes, totalBytes: onnxBytes, fromCache: false });
    for (let i = 1; i < graph.length; i++) expect(graph[i].loadedBytes).toBeGreaterThanOrEqual(graph[i - 1].loadedBytes);
  });

  it('starts again with the model files gone from the server: card and graph come from Cache Storage', async () => {
    rmSync(join(pkg, 'models'), { recursive: true });
    const second = await run({});
    expect(second.error).toBeUndefined();
    expect(second.results![0].cells.filter((c) => c.class).length).toBeGreaterThan(0);
    const graph = second.progress.filter((p) => p.url.endsWith('.onnx'));
    expect(graph.at(-1)).toMatchObject({ loadedBytes: onnxBytes, fromCache: true });
    // And without the cache the same start fails, naming the missing URL.
    const uncached = await run({ cacheModel: false });
    expect(uncached.error?.code).toBe('IO_FAILED');
    expect(uncached.error?.message).toMatch(/\/pkg\/models\/bm7-resnet10s\.json: HTTP 404/);
  });

  it('finds workers and ONNX Runtime under assetsPath when the host moved them; a missing one is IO_FAILED naming its URL', async () => {
    rmSync(join(pkg, 'dist/workers'), { recursive: true });
    rmSync(join(pkg, 'dist/ort'), { recursive: true });
    const lost = await run({});
    expect(lost.error?.code).toBe('IO_FAILED');
    expect(lost.error?.message).toMatch(/\/pkg\/dist\/workers\/(preprocess|inference)\.worker\.js: HTTP 404/);

    const found = await run({ assetsPath: '/moved/' });
    expect(found.error).toBeUndefined();
    expect(found.results![0].cells.filter((c) => c.class).length).toBeGreaterThan(0);

    rmSync(join(moved, 'ort'), { recursive: true });
    const noRuntime = await run({ assetsPath: '/moved/' });
    expect(noRuntime.error?.code).toBe('IO_FAILED');
    expect(noRuntime.error?.message).toMatch(/\/moved\/ort\/ort-wasm-simd-threaded(\.asyncify)?\.(mjs|wasm): HTTP 404/);
  });
});
