// The fp16 graphs in real Chromium (headless, WebGPU on SwiftShader): on wasm the float16 graph must
// follow the float32 one on held-out cells; on WebGPU the dtype follows the adapter's 'shader-f16'.
// SwiftShader has no 'shader-f16', so there WebGPU must refuse an explicit fp16 and auto must pick
// fp32; the fp16-on-WebGPU comparison runs only on an adapter with 'shader-f16' and skips otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtypeAgreement } from '../../models/train/fp16-agreement.mjs';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { heldOutSample } from '../support/held-out-cells.js';

const PAGE = '/test/browser/fp16-page.js';
const CARD = 'models/pb8-resnet10g.json';
const CELLS = 24;
// Bounds as in test/node/fp16.test.ts (float16 storage, float32 arithmetic: wasm and native); a GPU
// with 'shader-f16' also adds in float16, so its bound is wider.
const MAX_PROBABILITY_DIFFERENCE = 0.01;
const MIN_TOP1_AGREEMENT = 23 / 24;
const GPU_MAX_PROBABILITY_DIFFERENCE = 0.05;
const GPU_MIN_TOP1_AGREEMENT = 22 / 24;

interface PageRun {
  backend?: string;
  dtype?: string;
  notes?: string[];
  probs?: Record<string, number>[];
  errors?: string[];
  error?: { code: string; message: string };
}

describe('fp16 vs fp32 in Chromium (SwiftShader WebGPU)', () => {
  let session: BrowserSession;
  const { cells, micronsPerPixel } = heldOutSample(CARD, CELLS);
  const urls = cells.map((cell) => cell.path.replace(/^\.\.\/shared\//, '/shared/'));
  const classify = (backend: string, dtype: string, images = urls) =>
    callInPage<PageRun>(session.page, PAGE, 'classifyCells', [`/${CARD}`, backend, dtype, images, micronsPerPixel]);
  let fp32: PageRun;

  beforeAll(async () => {
    session = await openBrowser({ webgpu: true });
    fp32 = await classify('wasm', 'fp32');
  });
  afterAll(async () => session?.close());

  it('wasm: the float16 graph gives the float32 graph’s top-1 class and probabilities within the bound', async () => {
    const fp16 = await classify('wasm', 'fp16');
    expect(fp32.error, session.console.join('\n')).toBeUndefined();
    expect(fp16.error, session.console.join('\n')).toBeUndefined();
    expect([fp32.dtype, fp16.dtype]).toEqual(['fp32', 'fp16']);
    expect(fp16.notes?.[0]).toMatch(/^dtype fp16 as requested: wasm has no float16 kernels/);
    expect(fp16.errors).toEqual([]);
    const agreement = dtypeAgreement(fp32.probs!, fp16.probs!);
    expect(agreement.cells).toBe(CELLS);
    expect(agreement.top1Agreement).toBeGreaterThanOrEqual(MIN_TOP1_AGREEMENT);
    expect(agreement.maxProbabilityDifference).toBeLessThanOrEqual(MAX_PROBABILITY_DIFFERENCE);
    expect(agreement.maxProbabilityDifference).toBeGreaterThan(0);
  });

  it("webgpu: auto picks fp16 only with 'shader-f16'; an explicit fp16 without it is refused", async (context) => {
    const shaderF16 = await callInPage<boolean | null>(session.page, PAGE, 'adapterShaderF16', []);
    if (shaderF16 === null) context.skip('no WebGPU adapter in this Chromium');
    const auto = await classify('webgpu', 'auto', []);
    expect(auto.error, session.console.join('\n')).toBeUndefined();
    expect(auto.backend).toBe('webgpu');
    expect(auto.dtype).toBe(shaderF16 ? 'fp16' : 'fp32');
    expect(auto.notes?.[0]).toMatch(shaderF16 ? /has 'shader-f16'/ : /lacks 'shader-f16'/);
    if (!shaderF16) {
      const refused = await classify('webgpu', 'fp16', []);
      expect(refused.error).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/'shader-f16'/) });
    }
  });

  it("webgpu fp16 follows wasm fp32 on held-out cells (needs an adapter with 'shader-f16')", async (context) => {
    const shaderF16 = await callInPage<boolean | null>(session.page, PAGE, 'adapterShaderF16', []);
    // SwiftShader (this machine's adapter) has no 'shader-f16': nothing can run float16 shaders here.
    if (!shaderF16) context.skip(shaderF16 === null ? 'no WebGPU adapter' : "the WebGPU adapter has no 'shader-f16' (SwiftShader)");
    const gpu = await classify('webgpu', 'fp16');
    expect(gpu.error, session.console.join('\n')).toBeUndefined();
    expect(gpu.dtype).toBe('fp16');
    const agreement = dtypeAgreement(fp32.probs!, gpu.probs!);
    expect(agreement.top1Agreement).toBeGreaterThanOrEqual(GPU_MIN_TOP1_AGREEMENT);
    expect(agreement.maxProbabilityDifference).toBeLessThanOrEqual(GPU_MAX_PROBABILITY_DIFFERENCE);
  });
});
