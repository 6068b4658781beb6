/**
 * ResNeXt-50 (32x4d), the bone-marrow classifier of Matek et al. (Blood 2021), with the topology of
 * torchvision's resnext50_32x4d: stem (7x7/2 conv, BN, ReLU, 3x3/2 max pool), bottleneck stages of
 * [3, 4, 6, 3] blocks with 32 groups of width 4 (per 64 planes), then global pooling and a linear
 * head. With 21 classes it has torchvision's 25,028,904 parameters less 979 rows of the 1000-class
 * head (2049 each): 23,022,933, 0.16 % below the 23,059,094 the paper reports.
 */
import { finishClassifierGraph, startClassifierGraph } from './classifier-head.js';
import { add, batchNorm, conv2d, maxPool, relu, type LayerContext } from './layers.js';
import type { OnnxGraph } from './onnx-writer.js';
import type { RandomSource } from './seeded-weights.js';
import { ZOO_INPUT_CHANNELS, ZOO_OUTPUT_NAMES } from './zoo-contract.js';

export const RESNEXT50_ID = 'resnext50-32x4d';

const STAGES = [
  { blocks: 3, planes: 64, stridePixels: 1 },
  { blocks: 4, planes: 128, stridePixels: 2 },
  { blocks: 6, planes: 256, stridePixels: 2 },
  { blocks: 3, planes: 512, stridePixels: 2 },
];
const GROUPS = 32;
const WIDTH_PER_GROUP = 4;
/** Bottleneck output channels = planes x 4. */
const EXPANSION = 4;
const STEM_CHANNELS = 64;
/**
 * BN scale (gamma) at the end of each residual branch. With He weights each branch adds about as
 * much variance as its input carries, so at 1 the variance doubles per block (feature_map up to
 * ~6,500 on a unit-scale input, near float16 limits); at 0.5 it stays near 100, logits near 20.
 * torchvision's zero_init_residual option is the extreme of the same idea.
 */
const RESIDUAL_BRANCH_SCALE = 0.5;
/** Channels of the last feature map and of `features`. */
export const RESNEXT50_FEATURE_CHANNELS = 512 * EXPANSION;

/** The graph with weights drawn from `random`: input `image` [batch, 3, 250, 250], outputs logits/features/feature_map. */
export function buildResnext50Graph(random: RandomSource, classCount: number): OnnxGraph {
  const { layers, image } = startClassifierGraph('resnext50_32x4d', random);
  let x = conv2d(layers, image, 'conv1', {
    inChannels: ZOO_INPUT_CHANNELS,
    outChannels: STEM_CHANNELS,
    kernelPixels: 7,
    stridePixels: 2,
    padPixels: 3,
  });
  x = batchNorm(layers, x, 'bn1', STEM_CHANNELS);
  x = relu(layers, x, 'relu');
  x = maxPool(layers, x, 'maxpool', { kernelPixels: 3, stridePixels: 2, padPixels: 1 });

  let inChannels = STEM_CHANNELS;
  STAGES.forEach((stage, stageIndex) => {
    for (let block = 0; block < stage.blocks; block++) {
      const isLastBlock = stageIndex === STAGES.length - 1 && block === stage.blocks - 1;
      x = bottleneck(layers, x, `layer${stageIndex + 1}.${block}`, {
        inChannels,
        planes: stage.planes,
        stridePixels: block === 0 ? stage.stridePixels : 1,
        outputName: isLastBlock ? ZOO_OUTPUT_NAMES.featureMap : undefined,
      });
      inChannels = stage.planes * EXPANSION;
    }
  });
  return finishClassifierGraph(layers, x, RESNEXT50_FEATURE_CHANNELS, classCount);
}

/**
 * torchvision's Bottleneck (stride on the grouped 3x3, as in "ResNet v1.5"): 1x1 reduce, 3x3 grouped,
 * 1x1 expand, each with BN; the shortcut is a strided 1x1 conv + BN when the shape changes.
 */
function bottleneck(
  layers: LayerContext,
  x: string,
  prefix: string,
  spec: { inChannels: number; planes: number; stridePixels: number; outputName?: string },
): string {
  const { inChannels, planes, stridePixels } = spec;
  const width = Math.floor(planes * (WIDTH_PER_GROUP / 64)) * GROUPS;
  const outChannels = planes * EXPANSION;

  let y = conv2d(layers, x, `${prefix}.conv1`, { inChannels, outChannels: width, kernelPixels: 1 });
  y = relu(layers, batchNorm(layers, y, `${prefix}.bn1`, width), `${prefix}.relu1`);
  y = conv2d(layers, y, `${prefix}.conv2`, {
    inChannels: width,
    outChannels: width,
    kernelPixels: 3,
    stridePixels,
    padPixels: 1,
    groups: GROUPS,
  });
  y = relu(layers, batchNorm(layers, y, `${prefix}.bn2`, width), `${prefix}.relu2`);
  y = conv2d(layers, y, `${prefix}.conv3`, { inChannels: width, outChannels, kernelPixels: 1 });
  y = batchNorm(layers, y, `${prefix}.bn3`, outChannels, RESIDUAL_BRANCH_SCALE);

  let shortcut = x;
  if (stridePixels !== 1 || inChannels !== outChannels) {
    shortcut = conv2d(layers, x, `${prefix}.downsample.0`, { inChannels, outChannels, kernelPixels: 1, stridePixels });
    shortcut = batchNorm(layers, shortcut, `${prefix}.downsample.1`, outChannels);
  }
  return relu(layers, add(layers, y, shortcut, `${prefix}.add`), `${prefix}.relu`, spec.outputName);
}
