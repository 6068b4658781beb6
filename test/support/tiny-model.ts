import { readFileSync } from 'node:fs';
import { addInput, addNode, createGraphDraft, finishGraph } from '../../models/zoo/graph-builder.js';
import { conv2d, globalAveragePoolFlat, linear, relu } from '../../models/zoo/layers.js';
import { encodeOnnxModel, intAttribute } from '../../models/zoo/onnx-writer.js';
import { seededRandom } from '../../models/zoo/seeded-weights.js';
import type { ModelCard } from '../../src/inference/model-card-types.js';
import { shippedModelCard } from './test-model.js';

/** Side of the tiny model's input, pixels (the smallest a card may declare is 8). */
const SIDE = 16;
/** TensorProto.DataType of each float type, Cast's `to`. */
const ONNX_FLOAT = { float32: 1, float16: 10 } as const;

export interface TinyModelOptions {
  /** The graph's batch dimension: a number fixes it (default: symbolic). */
  batch?: number;
  /** Channels of the feature map, and of the pooled features (default 32). */
  featureChannels?: number;
  /** The input's and the logits' element types (default float32); float16 ones are Cast from and to
   * float32 inside, as a float16 export that casts at the graph's boundaries too does. */
  inputType?: 'float32' | 'float16';
  logitsType?: 'float32' | 'float16';
  /** End in Softmax, so the "logits" output gives probabilities (a mistake the loader must catch). */
  softmax?: boolean;
}

/**
 * A vendor-like classifier small enough to build per test: image [batch, 3, 16, 16] -> 1x1 conv,
 * ReLU (feature_map [batch, C, 16, 16]) -> global average pool (features [batch, C]) -> linear
 * (logits), with the default card's classes, and a card that matches it (the default card's
 * preprocessing, classifier weights of width C, input.batch as the graph's). Tests edit the card
 * to make it disagree.
 */
export function tinyModel(options: TinyModelOptions = {}): { card: ModelCard; onnx: Uint8Array } {
  const { batch, featureChannels = 32, inputType = 'float32', logitsType = 'float32', softmax = false } = options;
  const shipped = JSON.parse(readFileSync(shippedModelCard(), 'utf8')) as ModelCard;
  const classCount = shipped.classes.length;
  const layers = { graph: createGraphDraft('tiny'), random: seededRandom(1) };
  const input = addInput(layers.graph, 'image', [batch ?? 'batch', 3, SIDE, SIDE], inputType);
  const image =
    inputType === 'float32'
      ? input
      : addNode(layers.graph, { opType: 'Cast', name: 'cast', inputs: [input], attributes: { to: intAttribute(ONNX_FLOAT.float32) } });
  const conv = conv2d(layers, image, 'conv', { inChannels: 3, outChannels: featureChannels, kernelPixels: 1, bias: true });
  const featureMap = relu(layers, conv, 'relu', 'feature_map');
  const features = globalAveragePoolFlat(layers, featureMap, 'pool', 'features');
  const fc = linear(layers, features, 'fc', { inFeatures: featureChannels, outFeatures: classCount });
  const scores = softmax
    ? addNode(layers.graph, { opType: 'Softmax', name: 'softmax', inputs: [fc], attributes: { axis: intAttribute(1) } })
    : fc;
  const logits = addNode(layers.graph, {
    opType: 'Cast',
    name: 'logits.cast',
    inputs: [scores],
    attributes: { to: intAttribute(ONNX_FLOAT[logitsType]) },
    outputName: 'logits',
  });
  const graph = finishGraph(layers.graph, [logits, features, featureMap]);
  graph.outputs[0].elementType = logitsType;
  const onnx = encodeOnnxModel(graph, { producerName: 'smearscope-test', producerVersion: '0' });
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
