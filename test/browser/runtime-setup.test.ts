import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { CSP_WITH_WASM, CSP_WITHOUT_WASM } from '../support/csp.js';
import { bccdFrames } from '../support/frames.js';
import { pageFrames } from '../support/page-run.js';
import { startProxy, type TestProxy } from '../support/proxy.js';

interface EmbedRun {
  backend?: string;
  error?: { code: string; message: string };
  results?: Array<{ error?: { code: string; message: string }; cells: Array<{ class?: string }> }>;
}

const ORT_MJS = '/dist/ort/ort-wasm-simd-threaded.mjs';
const ORT_WASM = '/dist/ort/ort-wasm-simd-threaded.wasm';

// When ONNX Runtime's own files cannot run (a kiosk offline without them cached, a strict
// Content-Security-Policy), ORT says only "no available backend found": the error must say which
// file or which policy, not blame the model (MODEL_MISMATCH). Pages go through a proxy that drops
// connections (a network error, not a 404) or sends another CSP.
describe('ONNX Runtime that cannot start', () => {
  let session: BrowserSession;
  let frames: ReturnType<typeof pageFrames>;
  let proxy: TestProxy | undefined;
  const runThrough = async (options: { drop?: string[]; csp?: string }, scope: Record<string, unknown> = {}) => {
    proxy = await startProxy(session.server.url, options.csp ? { headers: { 'Content-Security-Policy': options.csp } } : {});
    proxy.drop = options.drop ?? [];
    await session.page.goto(`${proxy.url}/test/browser/blank.html`);
    return callInPage<EmbedRun>(session.page, '/test/browser/embed-page.js', 'run', [
      '/dist/browser/index.js',
      { backend: 'wasm', cacheModel: false, ...scope },
      frames,
    ]);
  };

  beforeAll(async () => {
    frames = pageFrames(await bccdFrames(1));
    session = await openBrowser({ webgpu: false, isolated: false });
  });
  afterAll(async () => {
    await proxy?.close();
    await session?.close();
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it.each([
    ['glue', ORT_MJS],
    ['binary', ORT_WASM],
  ])('its %s unreachable (offline): IO_FAILED naming its URL and what a kiosk needs', async (_, path) => {
    const run = await runThrough({ drop: [path] });
    expect(run.error?.code).toBe('IO_FAILED');
    expect(run.error?.message).toContain(`${proxy!.url}${path}`);
    expect(run.error?.message).toMatch(/HTTP caching or a service worker/);
  });

  it("a CSP without 'wasm-unsafe-eval': BACKEND_UNAVAILABLE naming it; the kernels (locateOnly) say so too", async () => {
    const run = await runThrough({ csp: CSP_WITHOUT_WASM });
    expect(run.error?.code).toBe('BACKEND_UNAVAILABLE');
    expect(run.error?.message).toMatch(/Content-Security-Policy .*'wasm-unsafe-eval'/);
    const locate = await runThrough({ csp: CSP_WITHOUT_WASM }, { locateOnly: true });
    expect(locate.results?.[0].error?.code).toBe('KERNEL_FAILED');
    expect(locate.results?.[0].error?.message).toMatch(/'wasm-unsafe-eval'/);
  });

  it("'wasm-unsafe-eval' and worker-src 'self' are enough (README's example policy)", async () => {
    const run = await runThrough({ csp: CSP_WITH_WASM });
    expect(run.error).toBeUndefined();
    expect(run.results![0].cells.filter((c) => c.class).length).toBeGreaterThan(0);
  });
});
