import { readFileSync } from 'node:fs';
import { addInput, createGraphDraft, finishGraph } from '../../models/zoo/graph-builder.js';
import { conv2d, globalAveragePoolFlat, linear, relu } from '../../models/zoo/layers.js';
import { encodeOnnxModel } from '../../models/zoo/onnx-writer.js';
import { seededRandom } from '../../models/zoo/seeded-weights.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { shippedModelCard } from './test-model.js';

/** Side of the tiny model's input, pixels (the smallest a card may declare is 8). */
const SIDE = 16;

export interface TinyModelOptions {
  /** The graph's batch dimension: a number fixes it (default: symbolic). */
  batch?: number;
  /** Channels of the feature map, and of the pooled features (default 32). */
  featureChannels?: number;
}

/**
 * A vendor-like classifier small enough to build per test: image [batch, 3, 16, 16] -> 1x1 conv,
 * ReLU (feature_map [batch, C, 16, 16]) -> global average pool (features [batch, C]) -> linear
 * (logits), with the default card's classes, and a card that matches it (the default card's
 * preprocessing, classifier weights of width C, input.batch as the graph's). Tests edit the card
 * to make it disagree.
 */
export function tinyModel(options: TinyModelOptions = {}): { card: ModelCard; onnx: Uint8Array } {
  const { batch, featureChannels = 32 } = options;
  const shipped = JSON.parse(readFileSync(shippedModelCard(), 'utf8')) as ModelCard;
  const classCount = shipped.classes.length;
  const layers = { graph: createGraphDraft('tiny'), random: seededRandom(1) };
  const image = addInput(layers.graph, 'image', [batch ?? 'batch', 3, SIDE, SIDE]);
  const conv = conv2d(layers, image, 'conv', { inChannels: 3, outChannels: featureChannels, kernelPixels: 1, bias: true });
  const featureMap = relu(layers, conv, 'relu', 'feature_map');
  const features = globalAveragePoolFlat(layers, featureMap, 'pool', 'features');
  const logits = linear(layers, features, 'fc', { inFeatures: featureChannels, outFeatures: classCount }, 'logits');
  const onnx = encodeOnnxModel(finishGraph(layers.graph, [logits, features, featureMap]), {
    producerName: 'smearscope-test',
    producerVersion: '0',
  });
  const { fp16: _fp16, ...rest } = shipped;
  const card: ModelCard = {
    ...rest,
    id: 'tiny',
    model: 'tiny.onnx',
    input: { ...shipped.input, width: SIDE, height: SIDE, batch: batch ?? null },
    outputs: {
      logits: 'logits',
      features: 'features',
      featureMap: 'feature_map',
      classifier: {
        weights: Array.from({ length: classCount }, () => new Array<number>(featureChannels).fill(0.01)),
        bias: new Array<number>(classCount).fill(0),
      },
    },
  };
  return { card, onnx };
}
