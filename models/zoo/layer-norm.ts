/**
 * LayerNormalization over the last axis (opset 17), with the weight 1 and bias 0 of a freshly
 * initialized torch.nn.LayerNorm: both are learned parameters and counted as such.
 */
import { addInitializer, addNode } from './graph-builder.js';
import type { LayerContext } from './layers.js';
import { floatAttribute, intAttribute } from './onnx-writer.js';
import { constantFloats } from './seeded-weights.js';

/** x [..., channels] -> same shape, each vector normalized to mean 0, variance 1, then scaled and shifted. */
export function layerNorm(layers: LayerContext, x: string, name: string, channels: number, epsilon = 1e-5, outputName?: string): string {
  const graph = layers.graph;
  const weight = addInitializer(graph, `${name}.weight`, [channels], constantFloats(channels, 1));
  const bias = addInitializer(graph, `${name}.bias`, [channels], constantFloats(channels, 0));
  return addNode(graph, {
    opType: 'LayerNormalization',
    name,
    inputs: [x, weight, bias],
    attributes: { axis: intAttribute(-1), epsilon: floatAttribute(epsilon) },
    outputName,
  });
}
