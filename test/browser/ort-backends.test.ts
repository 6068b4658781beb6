import { writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { shippedModelsPlugin } from '../../scripts/shipped-models.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZoo } from '../../models/zoo/build.js';
import { buildCoatnet0Graph } from '../../models/zoo/coatnet.js';
import { buildEfficientnetV2SGraph } from '../../models/zoo/efficientnetv2.js';
import { countFlops, countParameters } from '../../models/zoo/graph-cost.js';
import { encodeOnnxModel, type OnnxGraph } from '../../models/zoo/onnx-writer.js';
import { seededRandom, type RandomSource } from '../../models/zoo/seeded-weights.js';
import { serializeModelCard, zooModelCard } from '../../models/zoo/zoo-card.js';
import { zooScheme } from '../../models/zoo/zoo-contract.js';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import { mulberry32 } from '../support/random.js';

/** The HematoNet architectures, smallest first (5.7 and 8.3 GFLOPs a cell at 224 x 224), built at SMALL_PIXELS. */
const SMALL_PIXELS = 64;
const HEMATONET_BUILDERS: Record<string, (random: RandomSource, classCount: number, inputPixels: number) => OnnxGraph> = {
  'efficientnetv2-s': buildEfficientnetV2SGraph,
  'coatnet-0': buildCoatnet0Graph,
};
const HEMATONET_MODELS = Object.keys(HEMATONET_BUILDERS);
/**
 * SwiftShader compiles a pipeline per distinct kernel: the first run of a 40-block graph takes
 * tens of seconds on 2 idle cores and several minutes when the machine is shared, so one page call
 * and one test may take this long (counts, not times, are what the tests check).
 */
const WEBGPU_RUN_TIMEOUT_MS = 900_000;

/** Writes build/test-models/<id>-64.onnx and its card (hematonet-18, 64 x 64, seed 3). */
async function writeSmallHematonetModel(id: string): Promise<void> {
  const graph = HEMATONET_BUILDERS[id](seededRandom(3), 18, SMALL_PIXELS);
  const onnxFileName = `${id}-${SMALL_PIXELS}.onnx`;
  await writeFile(`build/test-models/${onnxFileName}`, encodeOnnxModel(graph, { producerName: 'test', producerVersion: '0' }));
  const card = zooModelCard({
    id: `${id}-${SMALL_PIXELS}`,
    description: `${id} at ${SMALL_PIXELS} x ${SMALL_PIXELS}, untrained`,
    onnxFileName,
    graph,
    scheme: zooScheme('hematonet-18'),
    inputPixels: SMALL_PIXELS,
    seed: 3,
    flopsPerCell: countFlops(graph),
    parameters: countParameters(graph),
  });
  await writeFile(`build/test-models/${id}-${SMALL_PIXELS}.json`, serializeModelCard(card));
}

// One batch of the small reference CNN, and one cell through each HematoNet architecture
// (EfficientNetV2-S, CoAtNet-0), through onnxruntime-web in real Chromium, on WebGPU (SwiftShader)
// and on WASM: both must give the same logits. The HematoNet graphs run at 64 x 64 instead of
// 224 x 224: the same operators, layers and weights (CoAtNet's relative-bias tables shrink with the
// grid), at 1/12 of the work; at 224 one cell took over 3 minutes on SwiftShader on a loaded 2-core VM.
describe('onnxruntime-web in Chromium: webgpu vs wasm', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    await buildZoo('build/test-models', { only: ['small-cnn'] });
    for (const id of HEMATONET_MODELS) await writeSmallHematonetModel(id);
    await build({
      entryPoints: ['test/browser/session-entry.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['onnxruntime-web-use-extern-wasm'],
      plugins: [shippedModelsPlugin],
      outfile: 'build/test-browser/session-entry.js',
      logLevel: 'warning',
    });
    session = await openBrowser({ webgpu: true, protocolTimeoutMs: WEBGPU_RUN_TIMEOUT_MS });
  });
  afterAll(async () => session?.close());

  it('gives the same logits and features on both backends', async () => {
    const rng = mulberry32(7);
    const batchSize = 2;
    const input = Array.from({ length: batchSize * 3 * 250 * 250 }, () => rng() * 2 - 1);
    type Run = { backend: string; notes: string[]; logits: number[]; features: number[] };
    const run = (backend: string) =>
      callInPage<Run>(session.page, '/build/test-browser/session-entry.js', 'runBatch', [
        '/build/test-models/small-cnn.json',
        backend,
        batchSize,
        input,
      ]);
    const wasm = await run('wasm');
    const webgpu = await run('webgpu').catch((error: Error) => {
      throw new Error(`webgpu run failed: ${error.message}\n${session.console.join('\n')}`);
    });
    expect(webgpu.backend).toBe('webgpu');
    expect(wasm.logits).toHaveLength(batchSize * 21);
    expect(webgpu.logits).toHaveLength(wasm.logits.length);
    const scale = Math.max(1, ...wasm.logits.map(Math.abs));
    for (let i = 0; i < wasm.logits.length; i++) expect(Math.abs(webgpu.logits[i] - wasm.logits[i]) / scale).toBeLessThan(1e-3);
    for (let i = 0; i < wasm.features.length; i++)
      expect(Math.abs(webgpu.features[i] - wasm.features[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(wasm.features[i])));
    // Distinct cells give distinct logits: the comparison is not between two constant outputs.
    expect(wasm.logits.slice(0, 21)).not.toEqual(wasm.logits.slice(21, 42));
    console.log(`webgpu notes: ${webgpu.notes.join('; ')}`);
  });

  for (const modelId of HEMATONET_MODELS) {
    it(`gives the same ${modelId} logits on both backends (one ${SMALL_PIXELS} x ${SMALL_PIXELS} cell)`, {
      timeout: WEBGPU_RUN_TIMEOUT_MS,
    }, async () => {
      const rng = mulberry32(11);
      const input = Array.from({ length: 3 * SMALL_PIXELS * SMALL_PIXELS }, () => rng() * 4 - 2);
      type Run = { backend: string; notes: string[]; logits: number[]; features: number[] };
      const run = (backend: string) =>
        callInPage<Run>(session.page, '/build/test-browser/session-entry.js', 'runBatch', [
          `/build/test-models/${modelId}-${SMALL_PIXELS}.json`,
          backend,
          1,
          input,
        ]);
      const wasm = await run('wasm');
      const webgpu = await run('webgpu').catch((error: Error) => {
        throw new Error(`webgpu run of ${modelId} failed: ${error.message}\n${session.console.join('\n')}`);
      });
      expect(webgpu.backend).toBe('webgpu');
      expect(wasm.logits).toHaveLength(18);
      expect(webgpu.logits).toHaveLength(18);
      const scale = Math.max(1, ...wasm.logits.map(Math.abs));
      for (let i = 0; i < 18; i++) expect(Math.abs(webgpu.logits[i] - wasm.logits[i]) / scale).toBeLessThan(1e-3);
      // Untrained logits still spread over the classes: not a comparison of two constants.
      expect(Math.max(...wasm.logits) - Math.min(...wasm.logits)).toBeGreaterThan(1e-3);
      console.log(`${modelId} webgpu notes: ${webgpu.notes.join('; ')}`);
    });
  }
});
