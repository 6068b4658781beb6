/**
 * CoAtNet-0 (Dai, Liu, Le, Tan: "CoAtNet: Marrying Convolution and Attention for All Data Sizes",
 * NeurIPS 2021; Table 3 layout, Table 4 size), the architecture HematoNet classifies bone-marrow cells
 * with: a two-conv stem (S0, 64 wide), two MBConv stages (S1: 2 x 96, S2: 3 x 192) and two
 * relative-attention transformer stages (S3: 5 x 384, S4: 2 x 768), the C-C-T-T layout, each stage
 * halving the grid. Head as timm's paper-like coatnet_0: average pool, LayerNorm, a 768-wide tanh
 * pre-logits layer, the classifier. At 224 x 224 the grids are 112, 56, 28, 14 and 7.
 */
import { gelu, tanh } from './activations.js';
import { startClassifierGraph } from './classifier-head.js';
import { coatnetMbconv, coatnetTransformer, COATNET_LAYER_NORM_EPSILON } from './coatnet-blocks.js';
import { finishGraph } from './graph-builder.js';
import { layerNorm } from './layer-norm.js';
import { batchNorm, conv2d, globalAveragePoolFlat, linear } from './layers.js';
import type { OnnxGraph } from './onnx-writer.js';
import type { RandomSource } from './seeded-weights.js';
import { toFeatureMap } from './token-layers.js';
import { ZOO_INPUT_CHANNELS, ZOO_OUTPUT_NAMES } from './zoo-contract.js';
import { SmearscopeError } from '../../src/errors.js';

export const COATNET0_ID = 'coatnet-0';
/** Input side of the published ImageNet-1k model (Table 4, 224^2). */
export const COATNET0_INPUT_PIXELS = 224;

const STEM_CHANNELS = 64;
const STAGES = [
  { kind: 'C', blocks: 2, channels: 96 },
  { kind: 'C', blocks: 3, channels: 192 },
  { kind: 'T', blocks: 5, channels: 384 },
  { kind: 'T', blocks: 2, channels: 768 },
] as const;
/** Stem and four stages each halve the grid. */
const TOTAL_STRIDE = 32;
export const COATNET0_FEATURE_CHANNELS = STAGES[STAGES.length - 1].channels;

/**
 * The graph with weights drawn from `random`: input `image` [batch, 3, inputPixels, inputPixels]
 * (a multiple of 32), outputs `logits` [batch, classCount] and `features` [batch, 768] (the pooled
 * last stage, before the head's LayerNorm). No feature_map output: the head is not one linear layer
 * on the pooled map, so a class activation map from the card's weights would be wrong.
 */
export function buildCoatnet0Graph(random: RandomSource, classCount: number, inputPixels = COATNET0_INPUT_PIXELS): OnnxGraph {
  if (!Number.isInteger(inputPixels) || inputPixels <= 0 || inputPixels % TOTAL_STRIDE !== 0) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `CoAtNet-0 needs an input side that is a multiple of ${TOTAL_STRIDE} pixels, got ${inputPixels}`,
    );
  }
  const { layers, image } = startClassifierGraph('coatnet_0', random, inputPixels);
  let x = conv2d(layers, image, 'stem.conv1', {
    inChannels: ZOO_INPUT_CHANNELS,
    outChannels: STEM_CHANNELS,
    kernelPixels: 3,
    stridePixels: 2,
    padPixels: 1,
  });
  x = gelu(layers, batchNorm(layers, x, 'stem.norm1', STEM_CHANNELS), 'stem.norm1.act');
  x = conv2d(layers, x, 'stem.conv2', { inChannels: STEM_CHANNELS, outChannels: STEM_CHANNELS, kernelPixels: 3, padPixels: 1 });

  let grid = inputPixels / 2;
  let inChannels = STEM_CHANNELS;
  STAGES.forEach((stage, stageIndex) => {
    grid /= 2;
    const isLastStage = stageIndex === STAGES.length - 1;
    // A transformer stage after another ends in tokens: its first block pools a feature map.
    if (stage.kind === 'T' && STAGES[stageIndex - 1].kind === 'T') {
      x = toFeatureMap(layers, x, `stages.${stageIndex}.unflatten`, { channels: inChannels, height: grid * 2, width: grid * 2 });
    }
    for (let block = 0; block < stage.blocks; block++) {
      const prefix = `stages.${stageIndex}.blocks.${block}`;
      const spec = {
        inChannels: block === 0 ? inChannels : stage.channels,
        outChannels: stage.channels,
        stridePixels: block === 0 ? (2 as const) : (1 as const),
      };
      x =
        stage.kind === 'C'
          ? coatnetMbconv(layers, x, prefix, spec)
          : coatnetTransformer(layers, x, prefix, { ...spec, height: grid, width: grid });
    }
    if (isLastStage) {
      x = toFeatureMap(layers, x, `stages.${stageIndex}.output`, { channels: stage.channels, height: grid, width: grid });
    }
    inChannels = stage.channels;
  });

  const features = globalAveragePoolFlat(layers, x, 'head.global_pool', ZOO_OUTPUT_NAMES.features);
  let head = layerNorm(layers, features, 'head.norm', COATNET0_FEATURE_CHANNELS, COATNET_LAYER_NORM_EPSILON);
  head = linear(layers, head, 'head.pre_logits.fc', { inFeatures: COATNET0_FEATURE_CHANNELS, outFeatures: COATNET0_FEATURE_CHANNELS });
  head = tanh(layers, head, 'head.pre_logits.act');
  const logits = linear(
    layers,
    head,
    'head.fc',
    { inFeatures: COATNET0_FEATURE_CHANNELS, outFeatures: classCount },
    ZOO_OUTPUT_NAMES.logits,
  );
  return finishGraph(layers.graph, [logits, features]);
}
