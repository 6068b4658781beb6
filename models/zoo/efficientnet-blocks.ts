/**
 * EfficientNetV2's two blocks (Tan & Le 2021, Figure 2), with torchvision's layer names and
 * BatchNorm epsilon (1e-3):
 * - MBConv: 1x1 expand, BN, SiLU; 3x3 depthwise (the stride), BN, SiLU; squeeze-excitation (0.25 of
 *   the block's input width); 1x1 project, BN.
 * - Fused-MBConv: the expand and the depthwise conv fused into one 3x3 conv, BN, SiLU; then a 1x1
 *   project, BN (expansion 1: the 3x3 conv alone, BN, SiLU).
 * A residual connection when the block keeps stride and width.
 */
import { silu } from './activations.js';
import { add, batchNorm, conv2d, type LayerContext } from './layers.js';
import { squeezeExcite } from './squeeze-excite.js';

export const EFFICIENTNET_BN_EPSILON = 1e-3;
const SE_RATIO = 0.25;
/**
 * BN gamma after each residual branch's projection: with the identity statistics of an untrained
 * BN the residual stream is not normalized, and over 40 blocks at 1 its variance would grow by
 * orders of magnitude (the same reasoning as resnext50.ts).
 */
const BRANCH_SCALE = 0.2;

export interface EfficientBlockSpec {
  inChannels: number;
  outChannels: number;
  expansion: number;
  stridePixels: 1 | 2;
}

/** x [N, in, h, w] -> [N, out, h / stride, w / stride]. */
export function mbconv(layers: LayerContext, x: string, prefix: string, spec: EfficientBlockSpec): string {
  const { inChannels, outChannels, expansion, stridePixels } = spec;
  const mid = inChannels * expansion;
  let y = convBnSilu(layers, x, `${prefix}.block.0`, { inChannels, outChannels: mid, kernelPixels: 1 });
  y = convBnSilu(layers, y, `${prefix}.block.1`, {
    inChannels: mid,
    outChannels: mid,
    kernelPixels: 3,
    stridePixels,
    padPixels: 1,
    groups: mid,
  });
  y = squeezeExcite(layers, y, `${prefix}.block.2`, mid, Math.max(1, Math.floor(inChannels * SE_RATIO)));
  y = conv2d(layers, y, `${prefix}.block.3.0`, { inChannels: mid, outChannels, kernelPixels: 1 });
  return normAndResidual(layers, x, y, `${prefix}.block.3.1`, prefix, spec);
}

/** x [N, in, h, w] -> [N, out, h / stride, w / stride]. */
export function fusedMbconv(layers: LayerContext, x: string, prefix: string, spec: EfficientBlockSpec): string {
  const { inChannels, outChannels, expansion, stridePixels } = spec;
  if (expansion === 1) {
    const y = conv2d(layers, x, `${prefix}.block.0.0`, { inChannels, outChannels, kernelPixels: 3, stridePixels, padPixels: 1 });
    const normed = batchNorm(layers, y, `${prefix}.block.0.1`, outChannels, isResidual(spec) ? BRANCH_SCALE : 1, EFFICIENTNET_BN_EPSILON);
    const activated = silu(layers, normed, `${prefix}.block.0.2`);
    return isResidual(spec) ? add(layers, activated, x, `${prefix}.add`) : activated;
  }
  const mid = inChannels * expansion;
  let y = convBnSilu(layers, x, `${prefix}.block.0`, { inChannels, outChannels: mid, kernelPixels: 3, stridePixels, padPixels: 1 });
  y = conv2d(layers, y, `${prefix}.block.1.0`, { inChannels: mid, outChannels, kernelPixels: 1 });
  return normAndResidual(layers, x, y, `${prefix}.block.1.1`, prefix, spec);
}

/** Conv (no bias), BN, SiLU, named `${name}.0/.1/.2` as torchvision's Conv2dNormActivation. */
export function convBnSilu(layers: LayerContext, x: string, name: string, spec: Parameters<typeof conv2d>[3], outputName?: string): string {
  const y = conv2d(layers, x, `${name}.0`, spec);
  return silu(layers, batchNorm(layers, y, `${name}.1`, spec.outChannels, 1, EFFICIENTNET_BN_EPSILON), `${name}.2`, outputName);
}

function isResidual(spec: EfficientBlockSpec): boolean {
  return spec.stridePixels === 1 && spec.inChannels === spec.outChannels;
}

/** The projection's BN (named `normName`), then the skip connection when the block keeps stride and width. */
function normAndResidual(
  layers: LayerContext,
  x: string,
  projected: string,
  normName: string,
  prefix: string,
  spec: EfficientBlockSpec,
): string {
  if (!isResidual(spec)) return batchNorm(layers, projected, normName, spec.outChannels, 1, EFFICIENTNET_BN_EPSILON);
  const normed = batchNorm(layers, projected, normName, spec.outChannels, BRANCH_SCALE, EFFICIENTNET_BN_EPSILON);
  return add(layers, normed, x, `${prefix}.add`);
}
