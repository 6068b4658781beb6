/**
 * EfficientNetV2-S (Tan & Le: "EfficientNetV2: Smaller Models and Faster Training", ICML 2021,
 * Table 4), one of the architectures HematoNet compares: a 3x3 stride-2 stem (24), three Fused-MBConv
 * stages and three MBConv stages with squeeze-excitation, then a 1x1 conv to 1280, pooling and the
 * classifier. Block order, widths and names as torchvision's efficientnet_v2_s (dropout and stochastic
 * depth are training-only and left out).
 */
import { finishClassifierGraph, startClassifierGraph } from './classifier-head.js';
import { convBnSilu, fusedMbconv, mbconv } from './efficientnet-blocks.js';
import type { OnnxGraph } from './onnx-writer.js';
import type { RandomSource } from './seeded-weights.js';
import { ZOO_INPUT_CHANNELS, ZOO_OUTPUT_NAMES } from './zoo-contract.js';

export const EFFICIENTNETV2_S_ID = 'efficientnetv2-s';
/** The input HematoNet's CoAtNet comparison uses for every model (see models/README.md); the paper trains V2-S at 300 and evaluates at 384. */
export const EFFICIENTNETV2_S_INPUT_PIXELS = 224;

/** Table 4: block kind, expansion, stride, output channels, layers. */
const STAGES = [
  { fused: true, expansion: 1, stridePixels: 1, channels: 24, layers: 2 },
  { fused: true, expansion: 4, stridePixels: 2, channels: 48, layers: 4 },
  { fused: true, expansion: 4, stridePixels: 2, channels: 64, layers: 4 },
  { fused: false, expansion: 4, stridePixels: 2, channels: 128, layers: 6 },
  { fused: false, expansion: 6, stridePixels: 1, channels: 160, layers: 9 },
  { fused: false, expansion: 6, stridePixels: 2, channels: 256, layers: 15 },
] as const;
const STEM_CHANNELS = 24;
export const EFFICIENTNETV2_S_FEATURE_CHANNELS = 1280;

/**
 * The graph with weights drawn from `random`: input `image` [batch, 3, inputPixels, inputPixels],
 * outputs logits [batch, classCount], features [batch, 1280], feature_map [batch, 1280, h, w]
 * (h = ceil(inputPixels / 32)).
 */
export function buildEfficientnetV2SGraph(
  random: RandomSource,
  classCount: number,
  inputPixels = EFFICIENTNETV2_S_INPUT_PIXELS,
): OnnxGraph {
  const { layers, image } = startClassifierGraph('efficientnet_v2_s', random, inputPixels);
  let x = convBnSilu(layers, image, 'features.0', {
    inChannels: ZOO_INPUT_CHANNELS,
    outChannels: STEM_CHANNELS,
    kernelPixels: 3,
    stridePixels: 2,
    padPixels: 1,
  });
  let inChannels = STEM_CHANNELS;
  STAGES.forEach((stage, stageIndex) => {
    for (let layer = 0; layer < stage.layers; layer++) {
      const spec = {
        inChannels: layer === 0 ? inChannels : stage.channels,
        outChannels: stage.channels,
        expansion: stage.expansion,
        stridePixels: layer === 0 ? stage.stridePixels : (1 as const),
      };
      const prefix = `features.${stageIndex + 1}.${layer}`;
      x = stage.fused ? fusedMbconv(layers, x, prefix, spec) : mbconv(layers, x, prefix, spec);
    }
    inChannels = stage.channels;
  });
  x = convBnSilu(
    layers,
    x,
    `features.${STAGES.length + 1}`,
    { inChannels, outChannels: EFFICIENTNETV2_S_FEATURE_CHANNELS, kernelPixels: 1 },
    ZOO_OUTPUT_NAMES.featureMap,
  );
  return finishClassifierGraph(layers, x, EFFICIENTNETV2_S_FEATURE_CHANNELS, classCount);
}
