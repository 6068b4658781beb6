import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createScope, type ModelCard, type ScopeOptions } from '../../dist/node/index.js';
import { dtypeAgreement } from '../../models/train/fp16-agreement.mjs';
import { resolveDtype } from '../../src/inference/dtype.js';
import { heldOutSample } from '../support/held-out-cells.js';

const SHIPPED = ['bm7-resnet10g', 'bm7-resnet10gn', 'bm7-resnet10s', 'pb8-resnet10g', 'pb8-resnet10gc'];
/** Held-out cells per model and dtype: ~2 s a pass on native. */
const CELLS = 48;
// The bounds: on the whole held-out splits the fp16 graphs agree on every cell's top-1 class and move
// no probability by more than 0.002 (the cards' fp16.agreement, `npm run models:fp16`). A cell whose
// two best classes lie closer than that could flip: at most one in 48 may.
const MAX_PROBABILITY_DIFFERENCE = 0.01;
const MIN_TOP1_AGREEMENT = 47 / 48;

/** Probabilities of the held-out cells' single cell, in list order, through the SDK end to end. */
async function classify(cardPath: string, options: ScopeOptions) {
  const { cells, micronsPerPixel } = heldOutSample(cardPath, CELLS);
  const scope = await createScope({ model: cardPath, backend: 'native', workers: 1, batchSize: 16, ...options });
  try {
    const frames = cells.map((cell) => ({ encoded: new Uint8Array(readFileSync(cell.path)), label: cell.path }));
    const probs: Record<string, number>[] = [];
    for await (const result of scope.analyzeStream(frames, { singleCell: true, ...(micronsPerPixel ? { micronsPerPixel } : {}) })) {
      expect(result.error).toBeUndefined();
      probs.push(result.cells[0].decision!.probs);
    }
    return { probs, dtype: scope.dtype, notes: scope.notes };
  } finally {
    await scope.dispose();
  }
}

describe('dtype: which graph a backend runs', () => {
  it("auto is fp16 only on WebGPU whose adapter has 'shader-f16', and says why", () => {
    expect(resolveDtype('auto', 'webgpu', true, true)).toEqual({ dtype: 'fp16', note: expect.stringMatching(/has 'shader-f16'/) });
    expect(resolveDtype('auto', 'webgpu', true, false)).toEqual({ dtype: 'fp32', note: expect.stringMatching(/lacks 'shader-f16'/) });
    expect(resolveDtype('auto', 'webgpu', true, undefined).dtype).toBe('fp32');
    expect(resolveDtype('auto', 'webgpu', false, true)).toEqual({ dtype: 'fp32', note: expect.stringMatching(/no fp16 graph/) });
    expect(resolveDtype('auto', 'webgpu', false, false).note).toMatch(/lacks 'shader-f16'/);
    for (const backend of ['wasm', 'native'] as const) expect(resolveDtype('auto', backend, true, true).dtype).toBe('fp32');
  });

  it("an explicit fp16 runs where the graph can run, and is refused on an adapter without 'shader-f16'", () => {
    expect(resolveDtype('fp16', 'native', true, false)).toEqual({ dtype: 'fp16', note: expect.stringMatching(/no float16 kernels/) });
    expect(resolveDtype('fp16', 'webgpu', true, undefined).dtype).toBe('fp16');
    expect(() => resolveDtype('fp16', 'webgpu', true, false)).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }));
    expect(() => resolveDtype('fp16', 'wasm', false, false)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(resolveDtype('fp32', 'webgpu', true, true).dtype).toBe('fp32');
  });

  it('createScope refuses an unknown dtype, and fp16 for a card without a float16 graph, with typed errors', async () => {
    for (const dtype of ['float16', 'FP16', 16, null]) {
      await expect(createScope({ model: 'models/pb8-resnet10g.json', dtype: dtype as never })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^dtype must be one of auto, fp32, fp16, got /),
      });
    }
    const card = JSON.parse(readFileSync('models/pb8-resnet10g.json', 'utf8')) as ModelCard;
    delete card.fp16;
    const onnx = new Uint8Array(readFileSync('models/pb8-resnet10g.onnx'));
    await expect(createScope({ model: { card, onnx }, backend: 'native', dtype: 'fp16' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/has no float16 graph/),
    });
  });

  it('every shipped card names its float16 graph and states its measured agreement', () => {
    for (const id of SHIPPED) {
      const card = JSON.parse(readFileSync(`models/${id}.json`, 'utf8')) as ModelCard;
      expect(card.fp16?.model).toBe(`${id}.fp16.onnx`);
      expect(card.fp16?.agreement?.top1Agreement).toBeGreaterThanOrEqual(0.99);
      expect(Math.abs(card.fp16!.agreement!.balancedAccuracyFp16 - card.fp16!.agreement!.balancedAccuracyFp32)).toBeLessThanOrEqual(0.01);
    }
  });
});

describe('fp16 graphs against fp32 on held-out cells (native, through createScope)', () => {
  for (const id of SHIPPED) {
    it(`${id}: same top-1 class, probabilities within ${MAX_PROBABILITY_DIFFERENCE}`, async () => {
      const card = `models/${id}.json`;
      const fp32 = await classify(card, { dtype: 'fp32' });
      const fp16 = await classify(card, { dtype: 'fp16' });
      expect(fp32.dtype).toBe('fp32');
      expect(fp16.dtype).toBe('fp16');
      expect(fp16.notes[0]).toMatch(/^dtype fp16 as requested/);
      const agreement = dtypeAgreement(fp32.probs, fp16.probs);
      expect(agreement.cells).toBe(CELLS);
      expect(agreement.top1Agreement).toBeGreaterThanOrEqual(MIN_TOP1_AGREEMENT);
      expect(agreement.maxProbabilityDifference).toBeLessThanOrEqual(MAX_PROBABILITY_DIFFERENCE);
      // Not two copies of one graph: float16 weights move the probabilities a little.
      expect(agreement.maxProbabilityDifference).toBeGreaterThan(0);
    });
  }

  it('auto stays fp32 on native and does not read the float16 graph', async () => {
    const card = JSON.parse(readFileSync('models/pb8-resnet10g.json', 'utf8')) as ModelCard;
    const onnx = new Uint8Array(readFileSync('models/pb8-resnet10g.onnx'));
    // An fp16 graph that cannot load: auto on native must never touch it.
    const scope = await createScope({ model: { card, onnx, onnxFp16: new Uint8Array([1, 2, 3]) }, backend: 'native', workers: 1 });
    try {
      expect(scope.dtype).toBe('fp32');
      expect(scope.notes[0]).toMatch(/^dtype fp32 \(auto: native has no float16 kernels\)/);
    } finally {
      await scope.dispose();
    }
  });
});
