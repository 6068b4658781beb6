/**
 * A small sequential CNN (~0.29 M parameters) standing for the light second model of the
 * bone-marrow study: five stages of 3x3 conv, BN, ReLU, the first four followed by a 2x2 max pool
 * (250 -> 125 -> 62 -> 31 -> 15), then global pooling and a linear head. The last stage is not
 * pooled so the CAM map keeps 15 x 15 cells of resolution.
 */
import { finishClassifierGraph, startClassifierGraph } from './classifier-head.js';
import { batchNorm, conv2d, maxPool, relu } from './layers.js';
import type { OnnxGraph } from './onnx-writer.js';
import type { RandomSource } from './seeded-weights.js';
import { ZOO_INPUT_CHANNELS, ZOO_OUTPUT_NAMES } from './zoo-contract.js';

export const SMALL_CNN_ID = 'small-cnn';

const STAGE_CHANNELS = [16, 32, 64, 128, 160];
export const SMALL_CNN_FEATURE_CHANNELS = STAGE_CHANNELS[STAGE_CHANNELS.length - 1];

/** The graph with weights drawn from `random`: input `image` [batch, 3, 250, 250], outputs logits/features/feature_map. */
export function buildSmallCnnGraph(random: RandomSource, classCount: number): OnnxGraph {
  const { layers, image } = startClassifierGraph('small_cnn', random);
  let x = image;
  let inChannels = ZOO_INPUT_CHANNELS;
  STAGE_CHANNELS.forEach((outChannels, stageIndex) => {
    const prefix = `stage${stageIndex + 1}`;
    const isLastStage = stageIndex === STAGE_CHANNELS.length - 1;
    x = conv2d(layers, x, `${prefix}.conv`, { inChannels, outChannels, kernelPixels: 3, padPixels: 1 });
    x = batchNorm(layers, x, `${prefix}.bn`, outChannels);
    x = relu(layers, x, `${prefix}.relu`, isLastStage ? ZOO_OUTPUT_NAMES.featureMap : undefined);
    if (!isLastStage) x = maxPool(layers, x, `${prefix}.pool`, { kernelPixels: 2, stridePixels: 2 });
    inChannels = outChannels;
  });
  return finishClassifierGraph(layers, x, SMALL_CNN_FEATURE_CHANNELS, classCount);
}
