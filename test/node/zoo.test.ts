/**
 * The reference-architecture zoo, end to end: build into a temp folder (once per file), load every
 * graph in onnxruntime-web (wasm, one thread), run it, and check outputs, cards, counts and
 * determinism; the HematoNet architectures also run in onnxruntime-node and must agree with wasm.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZoo, ZOO_MODEL_IDS, type ZooBuildResult } from '../../models/zoo/build.js';
import { buildCoatnet0Graph } from '../../models/zoo/coatnet.js';
import { buildEfficientnetV2SGraph } from '../../models/zoo/efficientnetv2.js';
import { countFlops, countParameters } from '../../models/zoo/graph-cost.js';
import { buildMatmulGraph, matmulFlops, MATMUL_DEFAULT_SIZES } from '../../models/zoo/matmul.js';
import { seededRandom } from '../../models/zoo/seeded-weights.js';
import { checkGraphAgainstCard } from '../../src/inference/check-graph.js';
import { validateModelCard, type ModelCard } from '../../src/inference/model-card.js';

ort.env.wasm.numThreads = 1;

const SEED = 7;
const PIXELS = 250;
const BONE_MARROW_21 = 'ABE ART BAS BLA EBO EOS FGC HAC KSC LYI LYT MMZ MON MYB NGB NGS NIF OTH PEB PLM PMO'.split(' ');
const HEMATONET_18 = BONE_MARROW_21.filter((code) => !['ART', 'NIF', 'OTH'].includes(code));
/** Building the zoo writes ~250 MB of graphs; on a loaded 2-core machine that takes a while. */
const BUILD_TIMEOUT_MS = 300_000;

let outDir: string;
let results: Map<string, ZooBuildResult>;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'smearscope-zoo-'));
  const built = await buildZoo(outDir, { seed: SEED });
  results = new Map(built.map((result) => [result.id, result]));
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function built(id: string): ZooBuildResult {
  const result = results.get(id);
  if (!result) throw new Error(`zoo did not build ${id}`);
  return result;
}

async function readCard(result: ZooBuildResult): Promise<ModelCard> {
  expect(result.cardPath).not.toBeNull();
  return validateModelCard(JSON.parse(await readFile(result.cardPath!, 'utf8')), result.cardPath!);
}

/** Deterministic pseudo-image in [-2, 2): a normalized patch has about this range. */
function patternImage(batchSize: number, seed: number, pixels = PIXELS): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: batchSize * 3 * pixels * pixels }, () => random() * 4 - 2);
}

async function runClassifier(result: ZooBuildResult, card: ModelCard, batchSize: number): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(await readFile(result.onnxPath), { executionProviders: ['wasm'] });
  try {
    checkGraphAgainstCard(session, card);
    expect(session.inputNames).toEqual(['image']);
    expect(session.outputNames).toEqual(['logits', 'features', 'feature_map']);
    const image = new ort.Tensor('float32', patternImage(batchSize, 99), [batchSize, 3, PIXELS, PIXELS]);
    return await session.run({ image });
  } finally {
    await session.release();
  }
}

/**
 * Checks the graph's wiring from its outputs: features = mean of feature_map over h x w, and
 * logits = the card's classifier applied to features (so CAM with the card's weights is right).
 */
function expectConsistentHead(outputs: Record<string, ort.Tensor>, card: ModelCard, batchSize: number): void {
  const featureMap = outputs.feature_map.data as Float32Array;
  const features = outputs.features.data as Float32Array;
  const logits = outputs.logits.data as Float32Array;
  const [, channels, mapHeight, mapWidth] = outputs.feature_map.dims;
  const mapArea = mapHeight * mapWidth;
  const { weights, bias } = card.outputs.classifier!;
  for (const array of [featureMap, features, logits]) {
    expect(array.every(Number.isFinite)).toBe(true);
    expect(Math.max(...array.slice(0, 4096)) - Math.min(...array.slice(0, 4096))).toBeGreaterThan(1e-3);
  }
  for (let item = 0; item < batchSize; item++) {
    for (const channel of [0, 1, Math.floor(channels / 2), channels - 1]) {
      const offset = (item * channels + channel) * mapArea;
      let sum = 0;
      for (let index = 0; index < mapArea; index++) sum += featureMap[offset + index];
      expect(features[item * channels + channel]).toBeCloseTo(sum / mapArea, 3);
    }
    for (let classIndex = 0; classIndex < weights.length; classIndex++) {
      let dot = bias[classIndex];
      for (let channel = 0; channel < channels; channel++) dot += weights[classIndex][channel] * features[item * channels + channel];
      const logit = logits[item * weights.length + classIndex];
      expect(Math.abs(logit - dot)).toBeLessThan(1e-4 * (1 + Math.abs(dot)));
    }
  }
}

function expectCardContract(card: ModelCard, result: ZooBuildResult): void {
  expect(card.id).toBe(result.id);
  expect(card.scheme).toBe('bone-marrow-21');
  expect(card.model).toBe(`${result.id}.onnx`);
  expect(card.classes).toEqual(BONE_MARROW_21);
  expect(card.input).toEqual({
    name: 'image',
    width: 250,
    height: 250,
    layout: 'NCHW',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    patchMicrons: 25,
    batch: null,
  });
  expect(card.outputs.logits).toBe('logits');
  expect(card.outputs.features).toBe('features');
  expect(card.outputs.featureMap).toBe('feature_map');
  expect(card.parameters).toBe(result.parameters);
  expect(card.flopsPerCell).toBe(result.flopsPerCell);
  expect(card.provenance.trained).toBe(false);
  expect(card.provenance.notes).toContain(`seed ${SEED}`);
}

describe('zoo build', () => {
  it('builds every model with a file of the reported size', async () => {
    expect([...results.keys()]).toEqual([...ZOO_MODEL_IDS]);
    for (const result of results.values()) {
      expect((await readFile(result.onnxPath)).length).toBe(result.bytes);
    }
  });

  it('is deterministic: same seed, same bytes; another seed, other bytes', { timeout: 2 * BUILD_TIMEOUT_MS }, async () => {
    const againDir = await mkdtemp(join(tmpdir(), 'smearscope-zoo-again-'));
    const otherDir = await mkdtemp(join(tmpdir(), 'smearscope-zoo-other-'));
    try {
      const again = await buildZoo(againDir, { seed: SEED });
      const other = await buildZoo(otherDir, { seed: SEED + 1 });
      const sha256 = async (path: string) =>
        createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
      for (const [index, result] of [...results.values()].entries()) {
        expect(await sha256(again[index].onnxPath)).toBe(await sha256(result.onnxPath));
        expect(await sha256(other[index].onnxPath)).not.toBe(await sha256(result.onnxPath));
        expect(other[index].bytes).toBe(result.bytes);
      }
    } finally {
      await rm(againDir, { recursive: true, force: true });
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('rejects unknown model ids and bad seeds with INVALID_ARGUMENT', async () => {
    await expect(buildZoo(outDir, { only: ['resnet-9000'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildZoo(outDir, { seed: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(buildZoo(outDir, { only: ['small-cnn'], scheme: 'peripheral-blood-aml-15' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });

  it('gives a classifier another class scheme on request', async () => {
    const schemeDir = await mkdtemp(join(tmpdir(), 'smearscope-zoo-scheme-'));
    try {
      const [result] = await buildZoo(schemeDir, { seed: SEED, only: ['small-cnn'], scheme: 'hematonet-18' });
      const card = await readCard(result);
      expect(card.scheme).toBe('hematonet-18');
      expect(card.classes).toEqual(HEMATONET_18);
      expect(card.outputs.classifier!.weights).toHaveLength(18);
      expect(result.parameters).toBe(built('small-cnn').parameters - 3 * (160 + 1));
    } finally {
      await rm(schemeDir, { recursive: true, force: true });
    }
  });
});

describe('ResNeXt-50 (32x4d)', () => {
  it('has torchvision resnext50_32x4d parameters with a 21-class head, within 0.5 % of the paper', () => {
    const { parameters } = built('resnext50-32x4d');
    // torchvision: 25,028,904 with 1000 classes; a 21-class head drops 979 x (2048 + 1).
    expect(parameters).toBe(25_028_904 - 979 * 2049);
    expect(Math.abs(parameters - 23_059_094) / 23_059_094).toBeLessThan(0.005);
  });

  it('counts FLOPs per cell as PyTorch forward hooks do on the same topology at 250 x 250', () => {
    // Reference: 2 x MACs of every Conv2d/Linear, summed by hooks on a torch rebuild of torchvision's
    // Bottleneck at 250 x 250 input (one-off check, not run here): 10,963,489,152.
    expect(built('resnext50-32x4d').flopsPerCell).toBe(10_963_489_152);
  });

  it('runs at batch 1 in onnxruntime-web with consistent, finite outputs', async () => {
    const result = built('resnext50-32x4d');
    const card = await readCard(result);
    expectCardContract(card, result);
    const outputs = await runClassifier(result, card, 1);
    expect(outputs.logits.dims).toEqual([1, 21]);
    expect(outputs.features.dims).toEqual([1, 2048]);
    expect(outputs.feature_map.dims).toEqual([1, 2048, 8, 8]);
    expectConsistentHead(outputs, card, 1);
  });
});

describe('small CNN', () => {
  // Five 3x3 conv-BN-ReLU stages; 2x2 max pool after the first four.
  const stageChannels = [16, 32, 64, 128, 160];
  const stagePixels = [250, 125, 62, 31, 15];

  it('has the parameters and FLOPs of its layer list', () => {
    const result = built('small-cnn');
    let parameters = 160 * 21 + 21;
    let multiplyAccumulates = 160 * 21;
    stageChannels.forEach((outChannels, stage) => {
      const inChannels = stage === 0 ? 3 : stageChannels[stage - 1];
      parameters += 9 * inChannels * outChannels + 2 * outChannels;
      multiplyAccumulates += 9 * inChannels * outChannels * stagePixels[stage] ** 2;
    });
    expect(result.parameters).toBe(parameters);
    expect(result.parameters).toBeGreaterThan(250_000);
    expect(result.parameters).toBeLessThan(350_000);
    expect(result.flopsPerCell).toBe(2 * multiplyAccumulates);
  });

  it('runs at batch 2 in onnxruntime-web with consistent outputs that differ per cell', async () => {
    const result = built('small-cnn');
    const card = await readCard(result);
    expectCardContract(card, result);
    const outputs = await runClassifier(result, card, 2);
    expect(outputs.logits.dims).toEqual([2, 21]);
    expect(outputs.features.dims).toEqual([2, 160]);
    expect(outputs.feature_map.dims).toEqual([2, 160, 15, 15]);
    expectConsistentHead(outputs, card, 2);
    const logits = outputs.logits.data as Float32Array;
    expect(logits.slice(0, 21)).not.toEqual(logits.slice(21, 42));
  });
});

describe('matmul probe', () => {
  it('computes a x b like a JavaScript matmul, with the FLOPs of 2 N K M', async () => {
    const result = built('matmul-1024');
    const { rows, inner, columns } = MATMUL_DEFAULT_SIZES;
    expect(result.cardPath).toBeNull();
    expect(result.flopsPerCell).toBe(matmulFlops(MATMUL_DEFAULT_SIZES));
    expect(result.flopsPerCell).toBe(2 * 1024 ** 3);

    const weight = buildMatmulGraph(seededRandom(SEED)).initializers[0].values;
    const random = seededRandom(5);
    const a = Float32Array.from({ length: rows * inner }, () => random() * 2 - 1);
    const session = await ort.InferenceSession.create(await readFile(result.onnxPath), { executionProviders: ['wasm'] });
    try {
      const { product } = await session.run({ a: new ort.Tensor('float32', a, [rows, inner]) });
      expect(product.dims).toEqual([rows, columns]);
      const productValues = product.data as Float32Array;
      for (const [row, column] of [
        [0, 0],
        [1, 1023],
        [511, 7],
        [1023, 1023],
        [700, 300],
      ]) {
        let dot = 0;
        for (let k = 0; k < inner; k++) dot += a[row * inner + k] * weight[k * columns + column];
        expect(Math.abs(productValues[row * columns + column] - dot)).toBeLessThan(1e-4);
      }
    } finally {
      await session.release();
    }
  });
});

/** The card of a HematoNet architecture: 18 classes, 224 x 224, untrained. */
function expectHematonetCard(card: ModelCard, result: ZooBuildResult): void {
  expect(card.id).toBe(result.id);
  expect(card.scheme).toBe('hematonet-18');
  expect(card.classes).toEqual(HEMATONET_18);
  expect(card.input).toEqual({
    name: 'image',
    width: 224,
    height: 224,
    layout: 'NCHW',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    patchMicrons: 25,
    batch: null,
  });
  expect(card.parameters).toBe(result.parameters);
  expect(card.flopsPerCell).toBe(result.flopsPerCell);
  expect(card.provenance.trained).toBe(false);
  expect(card.provenance.notes).toContain(`seed ${SEED}`);
  expect(card.description).toContain('untrained');
}

/**
 * One batch through onnxruntime-web (wasm) and onnxruntime-node (cpu) with the same input: returns
 * both runs' outputs after checking the graph against its card and that the logits agree within
 * 1e-3 of the largest logit (at least 1).
 */
async function runOnBothBackends(
  result: ZooBuildResult,
  card: ModelCard,
  batchSize: number,
): Promise<{ web: Record<string, ort.Tensor>; native: Record<string, ortNode.Tensor> }> {
  const bytes = await readFile(result.onnxPath);
  const pixels = card.input.width;
  const input = patternImage(batchSize, 99, pixels);
  const webSession = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  let web: Record<string, ort.Tensor>;
  try {
    checkGraphAgainstCard(webSession, card);
    web = await webSession.run({ image: new ort.Tensor('float32', input, [batchSize, 3, pixels, pixels]) });
  } finally {
    await webSession.release();
  }
  const nativeSession = await ortNode.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  let native: Record<string, ortNode.Tensor>;
  try {
    native = await nativeSession.run({ image: new ortNode.Tensor('float32', input, [batchSize, 3, pixels, pixels]) });
  } finally {
    await nativeSession.release();
  }
  const webLogits = web.logits.data as Float32Array;
  const nativeLogits = native.logits.data as Float32Array;
  expect(native.logits.dims).toEqual(web.logits.dims);
  expect(webLogits.every(Number.isFinite)).toBe(true);
  const scale = Math.max(1, ...Array.from(webLogits, Math.abs));
  for (let index = 0; index < webLogits.length; index++) {
    expect(Math.abs(nativeLogits[index] - webLogits[index]) / scale).toBeLessThan(1e-3);
  }
  // Not two constant outputs: the untrained logits still spread over the classes.
  expect(Math.max(...webLogits) - Math.min(...webLogits)).toBeGreaterThan(1e-3);
  return { web, native };
}

/**
 * CoAtNet-0's parameters from the layer formulas (Dai et al. 2021, Table 3 widths and depths; MBConv
 * expansion 4 on the output width, SE 0.25; heads of 32 channels; a relative bias table of
 * (2h-1)(2w-1) per head; timm coatnet_0's head with a 768-wide pre-logits layer), independent of the builder.
 */
function coatnet0ParameterFormula(classCount: number, inputPixels: number): number {
  const norm = (channels: number) => 2 * channels;
  const dense = (inFeatures: number, outFeatures: number) => inFeatures * outFeatures + outFeatures;
  const mbconv = (inChannels: number, out: number, first: boolean) => {
    const mid = 4 * out;
    const reduced = out / 4;
    return (
      (first ? dense(inChannels, out) : 0) +
      norm(inChannels) +
      inChannels * mid +
      norm(mid) +
      9 * mid +
      norm(mid) +
      dense(mid, reduced) +
      dense(reduced, mid) +
      dense(mid, out)
    );
  };
  const transformer = (inChannels: number, out: number, first: boolean, grid: number) =>
    (first ? dense(inChannels, out) : 0) +
    norm(inChannels) +
    3 * dense(inChannels, out) +
    dense(out, out) +
    (out / 32) * (2 * grid - 1) ** 2 +
    norm(out) +
    dense(out, 4 * out) +
    dense(4 * out, out);
  let total = 3 * 64 * 9 + norm(64) + 64 * 64 * 9;
  let inChannels = 64;
  let grid = inputPixels / 2;
  for (const [kind, blocks, channels] of [
    ['C', 2, 96],
    ['C', 3, 192],
    ['T', 5, 384],
    ['T', 2, 768],
  ] as const) {
    grid /= 2;
    for (let block = 0; block < blocks; block++) {
      const blockIn = block === 0 ? inChannels : channels;
      total += kind === 'C' ? mbconv(blockIn, channels, block === 0) : transformer(blockIn, channels, block === 0, grid);
    }
    inChannels = channels;
  }
  return total + norm(768) + dense(768, 768) + dense(768, classCount);
}

describe('CoAtNet-0', () => {
  it("has the parameters of its layer formulas; with 1000 classes within 1 % of the paper's 25 M", () => {
    const atThousand = countParameters(buildCoatnet0Graph(seededRandom(SEED), 1000));
    expect(atThousand).toBe(coatnet0ParameterFormula(1000, 224));
    // Dai et al. 2021, Table 4: CoAtNet-0, 224^2, 25M parameters, 4.2B FLOPs.
    expect(Math.abs(atThousand - 25e6) / 25e6).toBeLessThan(0.01);
    expect(built('coatnet-0').parameters).toBe(coatnet0ParameterFormula(18, 224));
    expect(built('coatnet-0').parameters).toBe(atThousand - 982 * 769);
  });

  it("has within 2 % of the paper's 4.2 G multiply-adds per 224 x 224 cell (FLOPs = 2 x MACs here)", () => {
    const { flopsPerCell } = built('coatnet-0');
    expect(Math.abs(flopsPerCell / 2 - 4.2e9) / 4.2e9).toBeLessThan(0.02);
  });

  it('runs at batch 1 in onnxruntime-web and onnxruntime-node with the same logits', async () => {
    const result = built('coatnet-0');
    const card = await readCard(result);
    expectHematonetCard(card, result);
    // The head (LayerNorm, tanh pre-logits) is not one linear layer on a pooled map: no CAM.
    expect(card.outputs.featureMap).toBeUndefined();
    expect(card.outputs.classifier).toBeUndefined();
    const { web } = await runOnBothBackends(result, card, 1);
    expect(web.logits.dims).toEqual([1, 18]);
    expect(web.features.dims).toEqual([1, 768]);
  });
});

describe('EfficientNetV2-S', () => {
  it("with 1000 classes: within 1 % of the authors' released 21.5M and 8.4B at 384 x 384, torchvision's count exactly", () => {
    const graph = buildEfficientnetV2SGraph(seededRandom(SEED), 1000, 384);
    const parameters = countParameters(graph);
    const multiplyAdds = countFlops(graph) / 2;
    // The authors' release (google/automl, efficientnetv2/README.md, "Pretrained EfficientNetV2
    // Checkpoints"): EffNetV2-S 21.5M parameters, 8.4B FLOPs (multiply-adds, at its 384 evaluation size).
    expect(Math.abs(parameters - 21.5e6) / 21.5e6).toBeLessThan(0.01);
    expect(Math.abs(multiplyAdds - 8.4e9) / 8.4e9).toBeLessThan(0.01);
    // torchvision.models.efficientnet_v2_s (that release ported): 21,458,488 parameters, 8.37 GFLOPS.
    // Tan & Le 2021 Table 7 rounds to 22M and 8.8B: 2.5 % and 4.9 % above these.
    expect(parameters).toBe(21_458_488);
    expect(Math.abs(multiplyAdds - 8.37e9) / 8.37e9).toBeLessThan(0.005);
    expect(built('efficientnetv2-s').parameters).toBe(21_458_488 - 982 * 1281);
  });

  it('runs at batch 1 in onnxruntime-web and onnxruntime-node with the same, consistent outputs', async () => {
    const result = built('efficientnetv2-s');
    const card = await readCard(result);
    expectHematonetCard(card, result);
    const { web } = await runOnBothBackends(result, card, 1);
    expect(web.logits.dims).toEqual([1, 18]);
    expect(web.features.dims).toEqual([1, 1280]);
    expect(web.feature_map.dims).toEqual([1, 1280, 7, 7]);
    expectConsistentHead(web, card, 1);
  });
});
