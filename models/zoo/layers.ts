/**
 * Network layers as ONNX nodes with seeded initializers, named like torchvision's state_dict
 * (`layer1.0.conv1.weight`, `bn1.running_var`, `fc.bias`) so a graph reads like its PyTorch model.
 * Every function appends to `layers.graph`, draws its weights from `layers.random` in call order,
 * and returns the name of its output value.
 */
import { addInitializer, addNode, type GraphDraft } from './graph-builder.js';
import { floatAttribute, intAttribute, intsAttribute } from './onnx-writer.js';
import { constantFloats, heUniform, uniformFloats, type RandomSource } from './seeded-weights.js';

export interface LayerContext {
  graph: GraphDraft;
  random: RandomSource;
}

export interface Conv2dSpec {
  inChannels: number;
  outChannels: number;
  /** Square kernel side, in pixels. */
  kernelPixels: number;
  stridePixels?: number;
  /** Zero padding on every side, in pixels. */
  padPixels?: number;
  /** Grouped convolution: each output channel sees inChannels / groups inputs (= inChannels: depthwise). */
  groups?: number;
  /** A bias per output channel, uniform in +-1/sqrt(fan-in) as PyTorch draws it (default: none, a BN follows). */
  bias?: boolean;
}

/** 2-D convolution, He-initialized; without bias unless `spec.bias` (usually a BatchNormalization follows). */
export function conv2d(layers: LayerContext, x: string, name: string, spec: Conv2dSpec): string {
  const { inChannels, outChannels, kernelPixels, stridePixels = 1, padPixels = 0, groups = 1 } = spec;
  const fanIn = (inChannels / groups) * kernelPixels * kernelPixels;
  const weight = addInitializer(
    layers.graph,
    `${name}.weight`,
    [outChannels, inChannels / groups, kernelPixels, kernelPixels],
    heUniform(layers.random, outChannels * fanIn, fanIn),
  );
  const inputs = [x, weight];
  if (spec.bias) {
    inputs.push(
      addInitializer(layers.graph, `${name}.bias`, [outChannels], uniformFloats(layers.random, outChannels, 1 / Math.sqrt(fanIn))),
    );
  }
  return addNode(layers.graph, {
    opType: 'Conv',
    name,
    inputs,
    attributes: {
      kernel_shape: intsAttribute([kernelPixels, kernelPixels]),
      strides: intsAttribute([stridePixels, stridePixels]),
      pads: intsAttribute([padPixels, padPixels, padPixels, padPixels]),
      group: intAttribute(groups),
    },
  });
}

/**
 * Inference-mode BatchNormalization with the statistics of a freshly initialized PyTorch layer
 * (mean 0, variance 1, shift 0) and a constant `scale` (gamma). Kept as a real BN node so the
 * graph has the parameters and the work of the trained model it stands for.
 */
export function batchNorm(layers: LayerContext, x: string, name: string, channels: number, scale = 1, epsilon = 1e-5): string {
  const graph = layers.graph;
  const gamma = addInitializer(graph, `${name}.weight`, [channels], constantFloats(channels, scale));
  const beta = addInitializer(graph, `${name}.bias`, [channels], constantFloats(channels, 0));
  const mean = addInitializer(graph, `${name}.running_mean`, [channels], constantFloats(channels, 0));
  const variance = addInitializer(graph, `${name}.running_var`, [channels], constantFloats(channels, 1));
  return addNode(graph, {
    opType: 'BatchNormalization',
    name,
    inputs: [x, gamma, beta, mean, variance],
    attributes: { epsilon: floatAttribute(epsilon) },
  });
}

export function relu(layers: LayerContext, x: string, name: string, outputName?: string): string {
  return addNode(layers.graph, { opType: 'Relu', name, inputs: [x], outputName });
}

export function add(layers: LayerContext, a: string, b: string, name: string): string {
  return addNode(layers.graph, { opType: 'Add', name, inputs: [a, b] });
}

export interface MaxPoolSpec {
  kernelPixels: number;
  stridePixels: number;
  padPixels?: number;
}

export function maxPool(layers: LayerContext, x: string, name: string, spec: MaxPoolSpec): string {
  return pool(layers, 'MaxPool', x, name, spec);
}

/** Average pooling (padding excluded from the mean, ONNX's default); e.g. CoAtNet's 2x2 stride-2 downsampling. */
export function averagePool(layers: LayerContext, x: string, name: string, spec: MaxPoolSpec): string {
  return pool(layers, 'AveragePool', x, name, spec);
}

function pool(layers: LayerContext, opType: 'MaxPool' | 'AveragePool', x: string, name: string, spec: MaxPoolSpec): string {
  const { kernelPixels, stridePixels, padPixels = 0 } = spec;
  return addNode(layers.graph, {
    opType,
    name,
    inputs: [x],
    attributes: {
      kernel_shape: intsAttribute([kernelPixels, kernelPixels]),
      strides: intsAttribute([stridePixels, stridePixels]),
      pads: intsAttribute([padPixels, padPixels, padPixels, padPixels]),
    },
  });
}

/** Global average pooling then Flatten: [N, C, h, w] -> [N, C], the output named `outputName`. */
export function globalAveragePoolFlat(layers: LayerContext, x: string, name: string, outputName: string): string {
  const pooled = addNode(layers.graph, { opType: 'GlobalAveragePool', name, inputs: [x] });
  return addNode(layers.graph, {
    opType: 'Flatten',
    name: `${name}.flatten`,
    inputs: [pooled],
    attributes: { axis: intAttribute(1) },
    outputName,
  });
}

/**
 * Fully connected layer as Gemm (weight [outFeatures, inFeatures], transB = 1, like torch.nn.Linear),
 * weight and bias uniform in +-1/sqrt(inFeatures) as PyTorch initializes them.
 */
export function linear(
  layers: LayerContext,
  x: string,
  name: string,
  features: { inFeatures: number; outFeatures: number },
  outputName?: string,
): string {
  const { inFeatures, outFeatures } = features;
  const bound = 1 / Math.sqrt(inFeatures);
  const weight = addInitializer(
    layers.graph,
    `${name}.weight`,
    [outFeatures, inFeatures],
    uniformFloats(layers.random, outFeatures * inFeatures, bound),
  );
  const bias = addInitializer(layers.graph, `${name}.bias`, [outFeatures], uniformFloats(layers.random, outFeatures, bound));
  return addNode(layers.graph, {
    opType: 'Gemm',
    name,
    inputs: [x, weight, bias],
    attributes: { transB: intAttribute(1) },
    outputName,
  });
}
