/**
 * Squeeze-and-excitation (Hu et al. 2018) as EfficientNet and CoAtNet use it: global average pool,
 * 1x1 conv down to `reducedChannels` (with bias), SiLU, 1x1 conv back up (with bias), sigmoid, and
 * the input scaled channel by channel.
 */
import { sigmoid, silu } from './activations.js';
import { addNode } from './graph-builder.js';
import { conv2d, type LayerContext } from './layers.js';

/** x [N, channels, h, w] -> same shape; weights `${name}.fc1` / `${name}.fc2` as torchvision names them. */
export function squeezeExcite(layers: LayerContext, x: string, name: string, channels: number, reducedChannels: number): string {
  const squeezed = addNode(layers.graph, { opType: 'GlobalAveragePool', name: `${name}.avgpool`, inputs: [x] });
  let scale = conv2d(layers, squeezed, `${name}.fc1`, { inChannels: channels, outChannels: reducedChannels, kernelPixels: 1, bias: true });
  scale = silu(layers, scale, `${name}.activation`);
  scale = conv2d(layers, scale, `${name}.fc2`, { inChannels: reducedChannels, outChannels: channels, kernelPixels: 1, bias: true });
  scale = sigmoid(layers, scale, `${name}.scale_activation`);
  return addNode(layers.graph, { opType: 'Mul', name, inputs: [x, scale] });
}
