/**
 * Multi-head self-attention with a relative position bias over a 2-D grid of tokens, as in CoAtNet
 * (Dai et al. 2021, eq. 3): softmax(q k^T / sqrt(d) + B) v, where B[head, i, j] is a learned scalar
 * per head and per relative offset (dy, dx) of positions i and j: a table of (2h-1)(2w-1) entries
 * per head, gathered into [heads, T, T] by constant indices.
 */
import { addInitializer, addInt64Constant, addNode, scalarConstant } from './graph-builder.js';
import type { LayerContext } from './layers.js';
import { intAttribute, intsAttribute } from './onnx-writer.js';
import { uniformFloats } from './seeded-weights.js';
import { tokenLinear } from './token-layers.js';

export interface RelativeAttentionSpec {
  inChannels: number;
  /** Attention and output width; heads x headChannels. */
  channels: number;
  headChannels: number;
  /** Token grid (T = height x width). */
  height: number;
  width: number;
}

/**
 * Bound of the seeded bias table. timm draws it from N(0, 0.02); a wider spread makes the bias
 * move the untrained logits, so a test sees a graph that gathered the wrong offsets.
 */
const BIAS_TABLE_BOUND = 0.5;

/** tokens [N, T, inChannels] -> [N, T, channels]: q, k, v projections, biased attention, output projection. */
export function relativeSelfAttention(layers: LayerContext, tokens: string, name: string, spec: RelativeAttentionSpec): string {
  const { inChannels, channels, headChannels, height, width } = spec;
  const graph = layers.graph;
  const heads = channels / headChannels;
  const positions = height * width;
  const headsShape = addInt64Constant(graph, `${name}.heads_shape`, [4], [0, positions, heads, headChannels]);
  const project = (part: string, perm: number[]) => {
    const flat = tokenLinear(layers, tokens, `${name}.${part}`, { inFeatures: inChannels, outFeatures: channels });
    const split = addNode(graph, { opType: 'Reshape', name: `${name}.${part}.heads`, inputs: [flat, headsShape] });
    return addNode(graph, {
      opType: 'Transpose',
      name: `${name}.${part}.transpose`,
      inputs: [split],
      attributes: { perm: intsAttribute(perm) },
    });
  };
  const q = project('q', [0, 2, 1, 3]); // [N, heads, T, d]
  const k = project('k', [0, 2, 3, 1]); // [N, heads, d, T]
  const v = project('v', [0, 2, 1, 3]); // [N, heads, T, d]

  const qScaled = addNode(graph, {
    opType: 'Mul',
    name: `${name}.q.scale`,
    inputs: [q, scalarConstant(graph, 1 / Math.sqrt(headChannels))],
  });
  const scores = addNode(graph, { opType: 'MatMul', name: `${name}.scores`, inputs: [qScaled, k] }); // [N, heads, T, T]
  const biased = addNode(graph, {
    opType: 'Add',
    name: `${name}.rel_pos.add`,
    inputs: [scores, relativePositionBias(layers, `${name}.rel_pos`, heads, height, width)],
  });
  const weights = addNode(graph, { opType: 'Softmax', name: `${name}.softmax`, inputs: [biased], attributes: { axis: intAttribute(-1) } });
  const mixed = addNode(graph, { opType: 'MatMul', name: `${name}.mix`, inputs: [weights, v] }); // [N, heads, T, d]
  const byPosition = addNode(graph, {
    opType: 'Transpose',
    name: `${name}.merge.transpose`,
    inputs: [mixed],
    attributes: { perm: intsAttribute([0, 2, 1, 3]) },
  });
  const mergedShape = addInt64Constant(graph, `${name}.merge_shape`, [3], [0, positions, channels]);
  const merged = addNode(graph, { opType: 'Reshape', name: `${name}.merge`, inputs: [byPosition, mergedShape] });
  return tokenLinear(layers, merged, `${name}.proj`, { inFeatures: channels, outFeatures: channels });
}

/** The learned table [heads, (2h-1)(2w-1)] gathered into the bias [heads, T, T]. */
function relativePositionBias(layers: LayerContext, name: string, heads: number, height: number, width: number): string {
  const graph = layers.graph;
  const offsets = (2 * height - 1) * (2 * width - 1);
  const table = addInitializer(
    graph,
    `${name}.relative_position_bias_table`,
    [heads, offsets],
    uniformFloats(layers.random, heads * offsets, BIAS_TABLE_BOUND),
  );
  const indices = addInt64Constant(
    graph,
    `${name}.relative_position_index`,
    [height * width * height * width],
    relativePositionIndex(height, width),
  );
  const gathered = addNode(graph, {
    opType: 'Gather',
    name: `${name}.gather`,
    inputs: [table, indices],
    attributes: { axis: intAttribute(1) },
  });
  const shape = addInt64Constant(graph, `${name}.shape`, [3], [heads, height * width, height * width]);
  return addNode(graph, { opType: 'Reshape', name, inputs: [gathered, shape] });
}

/**
 * For query position i and key position j (row-major on a height x width grid), the table column
 * of their offset: (yi - yj + height - 1) * (2 width - 1) + (xi - xj + width - 1). Length T * T.
 */
export function relativePositionIndex(height: number, width: number): number[] {
  const positions = height * width;
  const index: number[] = new Array(positions * positions);
  for (let i = 0; i < positions; i++) {
    const [yi, xi] = [Math.floor(i / width), i % width];
    for (let j = 0; j < positions; j++) {
      const [yj, xj] = [Math.floor(j / width), j % width];
      index[i * positions + j] = (yi - yj + height - 1) * (2 * width - 1) + (xi - xj + width - 1);
    }
  }
  return index;
}
