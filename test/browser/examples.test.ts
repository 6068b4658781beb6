import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type BrowserSession } from '../support/chromium.js';

const run = promisify(execFile);
const IMAGE = '/shared/data/bccd/JPEGImages/BloodImage_00000.jpg';

interface ExampleResult {
  backend?: string;
  reason?: string;
  cells?: Array<{ class?: string }>;
  error?: { code: string; message: string };
}

// The browser examples as their users would run them: built with their own tool (Vite, esbuild)
// and opened in Chromium on a page without COOP/COEP, on a BCCD frame. auto runs wasm here.
describe('examples in Chromium', () => {
  let session: BrowserSession;

  beforeAll(async () => {
    rmSync('build/examples', { recursive: true, force: true });
    await build({
      root: 'examples/vite-app',
      configFile: 'examples/vite-app/vite.config.js',
      logLevel: 'error',
      build: { outDir: '../../build/examples/vite-app', emptyOutDir: true },
    });
    await run('node', ['examples/esbuild-app/build.mjs', 'build/examples/esbuild-app']);
    session = await openBrowser({ webgpu: false, isolated: false });
  }, 300_000);
  afterAll(async () => session?.close());

  async function open(path: string): Promise<ExampleResult> {
    await session.page.goto(`${session.server.url}${path}?image=${IMAGE}&mpp=0.075`);
    await session.page.waitForFunction("['done', 'failed'].includes(document.querySelector('#status')?.textContent)", { timeout: 240_000 });
    return JSON.parse((await session.page.$eval('#result', (el) => el.textContent)) ?? '{}') as ExampleResult;
  }

  const expectCells = (result: ExampleResult) => {
    expect(result.error).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(result.cells!.length).toBeGreaterThan(0);
    for (const cell of result.cells!) expect(cell.class).toMatch(/^[A-Z]{3}$/);
  };

  it('plain page (no bundler)', async () => expectCells(await open('/examples/plain-page/index.html')));
  it('Vite app (built)', async () => expectCells(await open('/build/examples/vite-app/index.html')));
  it('esbuild app (IIFE bundle, assets copied, assetsPath)', async () => expectCells(await open('/build/examples/esbuild-app/index.html')));
});
