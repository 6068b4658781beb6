import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZoo } from '../../models/zoo/build.js';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { mulberry32 } from '../support/random.js';

// One batch of the small reference CNN through onnxruntime-web in real Chromium, on WebGPU
// (SwiftShader) and on WASM: both must give the same logits.
describe('onnxruntime-web in Chromium: webgpu vs wasm', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    await buildZoo('build/test-models', { only: ['small-cnn'] });
    await build({
      entryPoints: ['test/browser/session-entry.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['onnxruntime-web-use-extern-wasm'],
      outfile: 'build/test-browser/session-entry.js',
      logLevel: 'warning',
    });
    session = await openBrowser({ webgpu: true });
  });
  afterAll(async () => session?.close());

  it('gives the same logits and features on both backends', async () => {
    const rng = mulberry32(7);
    const batchSize = 2;
    const input = Array.from({ length: batchSize * 3 * 250 * 250 }, () => rng() * 2 - 1);
    type Run = { backend: string; notes: string[]; logits: number[]; features: number[] };
    const run = (backend: string) =>
      callInPage<Run>(session.page, '/build/test-browser/session-entry.js', 'runBatch', ['/build/test-models/small-cnn.json', backend, batchSize, input]);
    const wasm = await run('wasm');
    const webgpu = await run('webgpu').catch((error: Error) => {
      throw new Error(`webgpu run failed: ${error.message}\n${session.console.join('\n')}`);
    });
    expect(webgpu.backend).toBe('webgpu');
    expect(wasm.logits).toHaveLength(batchSize * 21);
    expect(webgpu.logits).toHaveLength(wasm.logits.length);
    const scale = Math.max(1, ...wasm.logits.map(Math.abs));
    for (let i = 0; i < wasm.logits.length; i++) expect(Math.abs(webgpu.logits[i] - wasm.logits[i]) / scale).toBeLessThan(1e-3);
    for (let i = 0; i < wasm.features.length; i++) expect(Math.abs(webgpu.features[i] - wasm.features[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(wasm.features[i])));
    // Distinct cells give distinct logits: the comparison is not between two constant outputs.
    expect(wasm.logits.slice(0, 21)).not.toEqual(wasm.logits.slice(21, 42));
    console.log(`webgpu notes: ${webgpu.notes.join('; ')}`);
  });
});
