import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { bccdFrames } from '../support/frames.js';
import { pageFrames } from '../support/page-run.js';
import { shippedModelCard } from '../support/test-model.js';

interface EmbedRun {
  backend?: string;
  error?: { code: string; message: string };
  results?: Array<{ cells: Array<{ class?: string }> }>;
}

// The route the README gives for bundlers that do not follow `new URL(..., import.meta.url)`: the
// browser build bundled by esbuild as an IIFE (a classic script, no import.meta.url at all) at
// /app/, with the package's files copied beside it into /app/smearscope-assets/.
describe('an IIFE bundle with the assets copied beside it', () => {
  const root = mkdtempSync(join(tmpdir(), 'smearscope-iife-'));
  let frames: ReturnType<typeof pageFrames>;
  let session: BrowserSession;
  const run = (options: Record<string, unknown>) =>
    callInPage<EmbedRun>(session.page, '/test/browser/embed-page.js', 'run', [null, { backend: 'wasm', ...options }, frames]);

  beforeAll(async () => {
    await build({
      entryPoints: ['dist/browser/index.js'],
      bundle: true,
      format: 'iife',
      globalName: 'smearscope',
      outfile: join(root, 'smearscope.js'),
      logLevel: 'silent',
    });
    writeFileSync(join(root, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<script src="./smearscope.js"></script>\n');
    cpSync('dist/workers', join(root, 'smearscope-assets/workers'), { recursive: true });
    cpSync('dist/ort', join(root, 'smearscope-assets/ort'), { recursive: true });
    cpSync('models', join(root, 'smearscope-assets/models'), { recursive: true, filter: (source) => !/\/(train|zoo)$/.test(source) });
    frames = pageFrames(await bccdFrames(1));
    session = await openBrowser({ webgpu: false, isolated: false, mounts: { '/': '.', '/shared/': '../shared', '/app/': root } });
    await session.page.goto(`${session.server.url}/app/index.html`);
  });
  afterAll(async () => {
    await session?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('takes a relative assetsPath against the page, in the workers too (ONNX Runtime is found)', async () => {
    const found = await run({ assetsPath: 'smearscope-assets/' });
    expect(found.error).toBeUndefined();
    expect(found.backend).toBe('wasm');
    expect(found.results![0].cells.filter((c) => c.class).length).toBeGreaterThan(0);
  });

  it('without assetsPath says IO_FAILED: pass assetsPath (a vendor model URL does not avoid it), not a raw TypeError', async () => {
    const vendorCard = '/app/smearscope-assets/' + shippedModelCard();
    const lost = await run({ model: vendorCard });
    expect(lost.error?.code).toBe('IO_FAILED');
    expect(lost.error?.message).toMatch(/no usable import\.meta\.url .*pass its URL as assetsPath/);
  });
});
