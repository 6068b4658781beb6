/**
 * Start and end of every zoo classifier graph: the `image` input, then the head that turns the last
 * feature map into the three outputs (feature_map, features = global average pool, logits = linear).
 */
import { addInput, createGraphDraft, finishGraph } from './graph-builder.js';
import { globalAveragePoolFlat, linear, type LayerContext } from './layers.js';
import type { OnnxGraph } from './onnx-writer.js';
import type { RandomSource } from './seeded-weights.js';
import { ZOO_BATCH_DIM, ZOO_INPUT_CHANNELS, ZOO_INPUT_NAME, ZOO_INPUT_PIXELS, ZOO_OUTPUT_NAMES } from './zoo-contract.js';

/** A new graph with the `image` input [batch, 3, inputPixels, inputPixels]; returns the layer context and the input name. */
export function startClassifierGraph(
  graphName: string,
  random: RandomSource,
  inputPixels = ZOO_INPUT_PIXELS,
): { layers: LayerContext; image: string } {
  const graph = createGraphDraft(graphName);
  const image = addInput(graph, ZOO_INPUT_NAME, [ZOO_BATCH_DIM, ZOO_INPUT_CHANNELS, inputPixels, inputPixels]);
  return { layers: { graph, random }, image };
}

/**
 * Adds pooling and the linear classifier (named `fc`, as in torchvision) on `featureMap`, which
 * must already be the value named ZOO_OUTPUT_NAMES.featureMap, and declares the three outputs.
 */
export function finishClassifierGraph(layers: LayerContext, featureMap: string, featureChannels: number, classCount: number): OnnxGraph {
  const features = globalAveragePoolFlat(layers, featureMap, 'avgpool', ZOO_OUTPUT_NAMES.features);
  const logits = linear(layers, features, 'fc', { inFeatures: featureChannels, outFeatures: classCount }, ZOO_OUTPUT_NAMES.logits);
  return finishGraph(layers.graph, [logits, features, featureMap]);
}
