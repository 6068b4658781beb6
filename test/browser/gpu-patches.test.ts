// WGSL patches (src/patch/gpu-patches.ts) against the WASM patch kernel in real Chromium on
// SwiftShader's WebGPU adapter: the same frames, centres and specs must give the same float32 NCHW
// values within 1 grey level, and the same skipped cells. Without an adapter the test skips.
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import type { PatchComparison } from './gpu-patches-entry.js';

const ENTRY = '/build/test-browser/gpu-patches-entry.js';

describe('patches in WGSL vs the WASM kernel (Chromium, SwiftShader)', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    await build({
      entryPoints: ['test/browser/gpu-patches-entry.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      loader: { '.wasm': 'binary' },
      outfile: 'build/test-browser/gpu-patches-entry.js',
      logLevel: 'warning',
    });
    session = await openBrowser({ webgpu: true, protocolTimeoutMs: 600_000 });
  }, 120_000);
  afterAll(async () => session?.close());

  it('agree within 1 grey level on random frames, centres (borders included) and specs', async (context) => {
    const result = await callInPage<PatchComparison>(session.page, ENTRY, 'comparePatches', [11, 40]);
    if (result.adapter === null) context.skip();
    expect(result.cases).toBe(40);
    expect(result.cells).toBeGreaterThan(60);
    expect(result.skipped).toBeGreaterThan(0); // border 'skip' was exercised
    expect(result.writtenMismatches).toBe(0);
    expect(result.maxGreyLevels).toBeLessThanOrEqual(1);
  }, 600_000);

  it('the comparison catches a patch value two grey levels off', async (context) => {
    const result = await callInPage<PatchComparison>(session.page, ENTRY, 'comparePatches', [11, 5, true]);
    if (result.adapter === null) context.skip();
    expect(result.corrupted).toBe(true);
    expect(result.maxGreyLevels).toBeGreaterThan(1);
  }, 600_000);
});
