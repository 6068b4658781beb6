/**
 * CoAtNet's two blocks (Dai et al. 2021, sec. 3 and appendix A.1), pre-norm, with the downsampling of
 * a stage's first block done as x <- Proj(Pool(x)) + Block(Pool(Norm(x))):
 * - MBConv: BN, 1x1 expand to 4x the output width (stride 2 in a stage's first block: the paper's
 *   Conv(Norm(x), stride = 2), sec. 3.3; it is what brings CoAtNet-0 to the published 4.2 GFLOPs), BN,
 *   GELU, 3x3 depthwise, BN, GELU, squeeze-excitation (0.25 of the output width), 1x1 projection with bias.
 * - Transformer: LayerNorm, relative self-attention (heads of 32 channels), residual; LayerNorm,
 *   MLP (4x, GELU), residual. Works on tokens [N, T, C]; the first block of a stage takes a feature map.
 * Names follow timm's coatnet_0 (`stages.2.blocks.0.attn.q.weight`) where the structures agree.
 */
import { gelu } from './activations.js';
import { addNode } from './graph-builder.js';
import { layerNorm } from './layer-norm.js';
import { add, averagePool, batchNorm, conv2d, type LayerContext } from './layers.js';
import { intsAttribute } from './onnx-writer.js';
import { relativeSelfAttention } from './relative-attention.js';
import { squeezeExcite } from './squeeze-excite.js';
import { tokenLinear, toTokens } from './token-layers.js';

const MBCONV_EXPANSION = 4;
const SE_RATIO = 0.25;
const MLP_EXPANSION = 4;
export const COATNET_HEAD_CHANNELS = 32;
/** timm's CoAtNet LayerNorm epsilon. */
export const COATNET_LAYER_NORM_EPSILON = 1e-6;
/**
 * BN gamma before each MBConv branch's projection: with the identity statistics of an untrained BN,
 * nothing normalizes the residual stream, and at 1 its variance grows block by block (as in resnext50.ts).
 */
const BRANCH_SCALE = 0.5;

export interface BlockSpec {
  inChannels: number;
  outChannels: number;
  /** 2 in a stage's first block (downsampling), else 1 (and then inChannels = outChannels). */
  stridePixels: 1 | 2;
}

const POOL_2X2 = { kernelPixels: 2, stridePixels: 2 };

/** x [N, in, h, w] -> [N, out, h / stride, w / stride]. */
export function coatnetMbconv(layers: LayerContext, x: string, prefix: string, spec: BlockSpec): string {
  const { inChannels, outChannels, stridePixels } = spec;
  const mid = outChannels * MBCONV_EXPANSION;
  const shortcut = stridePixels === 2 ? downsampleShortcut(layers, x, `${prefix}.shortcut`, inChannels, outChannels) : x;
  let y = batchNorm(layers, x, `${prefix}.pre_norm`, inChannels);
  y = conv2d(layers, y, `${prefix}.conv1_1x1`, { inChannels, outChannels: mid, kernelPixels: 1, stridePixels });
  y = gelu(layers, batchNorm(layers, y, `${prefix}.norm1`, mid), `${prefix}.norm1.act`);
  y = conv2d(layers, y, `${prefix}.conv2_kxk`, { inChannels: mid, outChannels: mid, kernelPixels: 3, padPixels: 1, groups: mid });
  y = gelu(layers, batchNorm(layers, y, `${prefix}.norm2`, mid, BRANCH_SCALE), `${prefix}.norm2.act`);
  y = squeezeExcite(layers, y, `${prefix}.se`, mid, Math.floor(outChannels * SE_RATIO));
  y = conv2d(layers, y, `${prefix}.conv3_1x1`, { inChannels: mid, outChannels, kernelPixels: 1, bias: true });
  return add(layers, y, shortcut, `${prefix}.add`);
}

export interface TransformerBlockSpec extends BlockSpec {
  /** Token grid of the block's output. */
  height: number;
  width: number;
}

/**
 * Stride 2: x is a feature map [N, in, 2h, 2w]; stride 1: tokens [N, h*w, out]. Returns tokens
 * [N, h*w, out].
 */
export function coatnetTransformer(layers: LayerContext, x: string, prefix: string, spec: TransformerBlockSpec): string {
  const { inChannels, outChannels, stridePixels, height, width } = spec;
  const positions = height * width;
  let shortcut = x;
  let normed: string;
  if (stridePixels === 2) {
    shortcut = toTokens(
      layers,
      downsampleShortcut(layers, x, `${prefix}.shortcut`, inChannels, outChannels),
      `${prefix}.shortcut.tokens`,
      outChannels,
      positions,
    );
    normed = channelLayerNorm(layers, x, `${prefix}.norm1.norm`, inChannels);
    normed = averagePool(layers, normed, `${prefix}.norm1.down`, POOL_2X2);
    normed = toTokens(layers, normed, `${prefix}.norm1.tokens`, inChannels, positions);
  } else {
    normed = layerNorm(layers, x, `${prefix}.norm1`, inChannels, COATNET_LAYER_NORM_EPSILON);
  }
  const attention = relativeSelfAttention(layers, normed, `${prefix}.attn`, {
    inChannels,
    channels: outChannels,
    headChannels: COATNET_HEAD_CHANNELS,
    height,
    width,
  });
  let y = add(layers, shortcut, attention, `${prefix}.attn.add`);
  let mlp = layerNorm(layers, y, `${prefix}.norm2`, outChannels, COATNET_LAYER_NORM_EPSILON);
  mlp = tokenLinear(layers, mlp, `${prefix}.mlp.fc1`, { inFeatures: outChannels, outFeatures: outChannels * MLP_EXPANSION });
  mlp = gelu(layers, mlp, `${prefix}.mlp.act`);
  mlp = tokenLinear(layers, mlp, `${prefix}.mlp.fc2`, { inFeatures: outChannels * MLP_EXPANSION, outFeatures: outChannels });
  y = add(layers, y, mlp, `${prefix}.mlp.add`);
  return y;
}

/** Proj(Pool(x)): 2x2 average pool, then a 1x1 conv with bias to the new width. */
function downsampleShortcut(layers: LayerContext, x: string, name: string, inChannels: number, outChannels: number): string {
  const pooled = averagePool(layers, x, `${name}.pool`, POOL_2X2);
  return conv2d(layers, pooled, `${name}.expand`, { inChannels, outChannels, kernelPixels: 1, bias: true });
}

/** LayerNorm over the channels of a feature map [N, C, h, w] (timm's LayerNorm2d): to NHWC and back. */
function channelLayerNorm(layers: LayerContext, x: string, name: string, channels: number): string {
  const graph = layers.graph;
  const channelsLast = addNode(graph, {
    opType: 'Transpose',
    name: `${name}.nhwc`,
    inputs: [x],
    attributes: { perm: intsAttribute([0, 2, 3, 1]) },
  });
  const normed = layerNorm(layers, channelsLast, name, channels, COATNET_LAYER_NORM_EPSILON);
  return addNode(graph, { opType: 'Transpose', name: `${name}.nchw`, inputs: [normed], attributes: { perm: intsAttribute([0, 3, 1, 2]) } });
}
