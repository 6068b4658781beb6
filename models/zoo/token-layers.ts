/**
 * Transformer stages work on tokens [N, T, C] (T = h x w positions) instead of feature maps
 * [N, C, h, w]: the two layout changes, and the linear layer on the last axis (MatMul + bias,
 * as torch.nn.Linear exports on a 3-D input).
 */
import { addInitializer, addInt64Constant, addNode } from './graph-builder.js';
import type { LayerContext } from './layers.js';
import { intsAttribute } from './onnx-writer.js';
import { uniformFloats } from './seeded-weights.js';

/** [N, channels, h, w] -> [N, h*w, channels] (row-major positions). */
export function toTokens(layers: LayerContext, x: string, name: string, channels: number, positions: number): string {
  const shape = addInt64Constant(layers.graph, `${name}.shape`, [3], [0, channels, positions]);
  const flat = addNode(layers.graph, { opType: 'Reshape', name: `${name}.flatten`, inputs: [x, shape] });
  return addNode(layers.graph, { opType: 'Transpose', name, inputs: [flat], attributes: { perm: intsAttribute([0, 2, 1]) } });
}

/** [N, h*w, channels] -> [N, channels, h, w]; `outputName` names the result exactly (a graph output). */
export function toFeatureMap(
  layers: LayerContext,
  tokens: string,
  name: string,
  size: { channels: number; height: number; width: number },
  outputName?: string,
): string {
  const { channels, height, width } = size;
  const channelsFirst = addNode(layers.graph, {
    opType: 'Transpose',
    name: `${name}.transpose`,
    inputs: [tokens],
    attributes: { perm: intsAttribute([0, 2, 1]) },
  });
  const shape = addInt64Constant(layers.graph, `${name}.shape`, [4], [0, channels, height, width]);
  return addNode(layers.graph, { opType: 'Reshape', name, inputs: [channelsFirst, shape], outputName });
}

/**
 * x [..., inFeatures] -> [..., outFeatures]: MatMul with a weight [inFeatures, outFeatures] (torch's
 * [out, in] transposed) plus a bias, both uniform in +-1/sqrt(inFeatures) as PyTorch initializes them.
 */
export function tokenLinear(layers: LayerContext, x: string, name: string, features: { inFeatures: number; outFeatures: number }): string {
  const { inFeatures, outFeatures } = features;
  const bound = 1 / Math.sqrt(inFeatures);
  const weight = addInitializer(
    layers.graph,
    `${name}.weight`,
    [inFeatures, outFeatures],
    uniformFloats(layers.random, inFeatures * outFeatures, bound),
  );
  const bias = addInitializer(layers.graph, `${name}.bias`, [outFeatures], uniformFloats(layers.random, outFeatures, bound));
  const product = addNode(layers.graph, { opType: 'MatMul', name: `${name}.matmul`, inputs: [x, weight] });
  return addNode(layers.graph, { opType: 'Add', name, inputs: [product, bias] });
}
