/**
 * Builds the reference-architecture zoo: for each model an .onnx with seeded weights and, for the
 * classifiers, a model card next to it. Same seed, same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCoatnet0Graph, COATNET0_ID, COATNET0_INPUT_PIXELS } from './coatnet.js';
import { buildEfficientnetV2SGraph, EFFICIENTNETV2_S_ID, EFFICIENTNETV2_S_INPUT_PIXELS } from './efficientnetv2.js';
import { countFlops, countParameters } from './graph-cost.js';
import { buildMatmulGraph, MATMUL_DEFAULT_SIZES, matmulId } from './matmul.js';
import { encodeOnnxModel, type OnnxGraph } from './onnx-writer.js';
import { buildResnext50Graph, RESNEXT50_ID } from './resnext50.js';
import { seededRandom, type RandomSource } from './seeded-weights.js';
import { buildSmallCnnGraph, SMALL_CNN_ID } from './small-cnn.js';
import { serializeModelCard, zooModelCard } from './zoo-card.js';
import { ZOO_INPUT_PIXELS, zooScheme } from './zoo-contract.js';
import { SmearscopeError } from '../../src/errors.js';

export const DEFAULT_ZOO_SEED = 1;

interface ZooEntry {
  id: string;
  /** Human description (the class scheme's name is appended); also the ONNX doc_string. */
  description: string;
  buildGraph: (random: RandomSource, classCount: number) => OnnxGraph;
  /** Classifiers: their class scheme (unless buildZoo's `scheme` overrides it) and input side; they get a model card. */
  classifier?: { scheme: string; inputPixels: number };
}

const ZOO: ZooEntry[] = [
  {
    id: RESNEXT50_ID,
    description: 'ResNeXt-50 (32x4d), torchvision topology, untrained reference graph',
    buildGraph: buildResnext50Graph,
    classifier: { scheme: 'bone-marrow-21', inputPixels: ZOO_INPUT_PIXELS },
  },
  {
    id: SMALL_CNN_ID,
    description: 'Small sequential CNN (5 conv-BN-ReLU stages, ~0.29 M parameters), untrained reference graph',
    buildGraph: buildSmallCnnGraph,
    classifier: { scheme: 'bone-marrow-21', inputPixels: ZOO_INPUT_PIXELS },
  },
  {
    id: matmulId(MATMUL_DEFAULT_SIZES),
    description: 'One 1024 x 1024 x 1024 MatMul with a seeded weight: raw matrix-rate probe',
    buildGraph: (random) => buildMatmulGraph(random, MATMUL_DEFAULT_SIZES),
  },
  {
    id: COATNET0_ID,
    description: 'CoAtNet-0 (C-C-T-T, relative attention; Dai et al. 2021), untrained: for speed only',
    buildGraph: (random, classCount) => buildCoatnet0Graph(random, classCount, COATNET0_INPUT_PIXELS),
    classifier: { scheme: 'hematonet-18', inputPixels: COATNET0_INPUT_PIXELS },
  },
  {
    id: EFFICIENTNETV2_S_ID,
    description: 'EfficientNetV2-S (Fused-MBConv + MBConv with SE; Tan & Le 2021), untrained: for speed only',
    buildGraph: (random, classCount) => buildEfficientnetV2SGraph(random, classCount, EFFICIENTNETV2_S_INPUT_PIXELS),
    classifier: { scheme: 'hematonet-18', inputPixels: EFFICIENTNETV2_S_INPUT_PIXELS },
  },
];

/** Ids buildZoo knows, in build order. */
export const ZOO_MODEL_IDS: readonly string[] = ZOO.map((entry) => entry.id);

export interface ZooBuildResult {
  id: string;
  onnxPath: string;
  /** null for the matmul probe, which has no card. */
  cardPath: string | null;
  /** Learned parameters (BN running statistics excluded). */
  parameters: number;
  /** 2 x multiply-accumulates per cell (per batch item); for the matmul probe, per run. */
  flopsPerCell: number;
  /** Size of the .onnx file in bytes. */
  bytes: number;
  /** Wall time to build and write this model, in milliseconds (informative only). */
  buildMilliseconds: number;
}

/**
 * Writes `<id>.onnx` (and `<id>.json`, the card) into `outDir` (created if missing) for every zoo
 * model, or those in `options.only`. Each model draws its weights from a fresh seededRandom(seed),
 * so its bytes do not depend on which other models are built. `options.scheme` gives every
 * classifier that class scheme instead of its own (bone-marrow-21 for the Matek models,
 * hematonet-18 for CoAtNet-0 and EfficientNetV2-S).
 */
export async function buildZoo(
  outDir: string,
  options: { seed?: number; only?: string[]; scheme?: string } = {},
): Promise<ZooBuildResult[]> {
  const seed = options.seed ?? DEFAULT_ZOO_SEED;
  seededRandom(seed); // validates the seed before any file is written
  if (options.scheme !== undefined) zooScheme(options.scheme); // likewise the scheme
  const unknown = (options.only ?? []).filter((id) => !ZOO_MODEL_IDS.includes(id));
  if (unknown.length > 0) {
    throw new SmearscopeError('INVALID_ARGUMENT', `unknown zoo model ${unknown.join(', ')}; known: ${ZOO_MODEL_IDS.join(', ')}`);
  }
  const entries = options.only ? ZOO.filter((entry) => options.only!.includes(entry.id)) : ZOO;
  await writeOrFail(outDir, () => mkdir(outDir, { recursive: true }));

  const results: ZooBuildResult[] = [];
  for (const entry of entries) {
    const startMilliseconds = performance.now();
    const scheme = entry.classifier ? zooScheme(options.scheme ?? entry.classifier.scheme) : undefined;
    const graph = entry.buildGraph(seededRandom(seed), scheme?.classes.length ?? 0);
    const flopsPerCell = countFlops(graph);
    const parameters = countParameters(graph);
    const description = scheme ? `${entry.description}, ${scheme.classes.length} classes (${scheme.id})` : entry.description;
    const onnxBytes = encodeOnnxModel(graph, {
      producerName: 'smearscope-zoo',
      producerVersion: '0.1.0',
      docString: `${description}; untrained deterministic weights, seed ${seed}`,
    });
    const onnxFileName = `${entry.id}.onnx`;
    const onnxPath = join(outDir, onnxFileName);
    await writeOrFail(onnxPath, () => writeFile(onnxPath, onnxBytes));

    let cardPath: string | null = null;
    if (entry.classifier && scheme) {
      const card = zooModelCard({
        id: entry.id,
        description,
        onnxFileName,
        graph,
        scheme,
        inputPixels: entry.classifier.inputPixels,
        seed,
        flopsPerCell,
        parameters,
      });
      const path = join(outDir, `${entry.id}.json`);
      await writeOrFail(path, () => writeFile(path, serializeModelCard(card)));
      cardPath = path;
    }
    results.push({
      id: entry.id,
      onnxPath,
      cardPath,
      parameters,
      flopsPerCell,
      bytes: onnxBytes.length,
      buildMilliseconds: performance.now() - startMilliseconds,
    });
  }
  return results;
}

async function writeOrFail(path: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw new SmearscopeError('IO_FAILED', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
