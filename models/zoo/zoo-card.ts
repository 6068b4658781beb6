/**
 * The model card of an untrained zoo classifier: the shared contract (input, outputs, classes,
 * preprocessing) plus what the builder measured (FLOPs, parameters) and the classifier weights
 * that class activation maps need.
 */
import type { ModelCard } from '../../src/inference/model-card-types.js';
import type { OnnxGraph } from './onnx-writer.js';
import { SmearscopeError } from '../../src/errors.js';
import { IMAGENET_MEAN, IMAGENET_STD, ZOO_INPUT_NAME, ZOO_OUTPUT_NAMES, ZOO_PATCH_MICRONS, type ZooScheme } from './zoo-contract.js';

export interface ZooCardSpec {
  id: string;
  description: string;
  /** File name of the .onnx, relative to the card. */
  onnxFileName: string;
  /**
   * A classifier graph with outputs logits and features; when it also outputs feature_map, its
   * classifier is the linear layer `fc` on the pooled map (classifier-head.ts) and the card carries
   * those weights for class activation maps.
   */
  graph: OnnxGraph;
  scheme: ZooScheme;
  /** Side of the square input, in pixels. */
  inputPixels: number;
  seed: number;
  flopsPerCell: number;
  parameters: number;
}

export function zooModelCard(spec: ZooCardSpec): ModelCard {
  const hasFeatureMap = spec.graph.outputs.some((output) => output.name === ZOO_OUTPUT_NAMES.featureMap);
  return {
    id: spec.id,
    version: `0.1.0+seed.${spec.seed}`,
    description: spec.description,
    scheme: spec.scheme.id,
    model: spec.onnxFileName,
    input: {
      name: ZOO_INPUT_NAME,
      width: spec.inputPixels,
      height: spec.inputPixels,
      layout: 'NCHW',
      mean: IMAGENET_MEAN,
      std: IMAGENET_STD,
      patchMicrons: ZOO_PATCH_MICRONS,
      batch: null,
    },
    classes: [...spec.scheme.classes],
    outputs: {
      logits: ZOO_OUTPUT_NAMES.logits,
      features: ZOO_OUTPUT_NAMES.features,
      ...(hasFeatureMap
        ? { featureMap: ZOO_OUTPUT_NAMES.featureMap, classifier: linearClassifier(spec.graph, spec.scheme.classes.length) }
        : {}),
    },
    flopsPerCell: spec.flopsPerCell,
    parameters: spec.parameters,
    provenance: {
      trained: false,
      notes: `untrained deterministic weights (seed ${spec.seed}): for speed measurement only, its predictions are meaningless`,
    },
  };
}

/** The weights of the graph's `fc` layer as the card's CAM classifier: one row per class. */
function linearClassifier(graph: OnnxGraph, classCount: number): { weights: number[][]; bias: number[] } {
  const weights = initializerValues(graph, 'fc.weight');
  const featureChannels = weights.length / classCount;
  return {
    weights: Array.from({ length: classCount }, (_, row) =>
      toShortestFloat32s(weights.subarray(row * featureChannels, (row + 1) * featureChannels)),
    ),
    bias: toShortestFloat32s(initializerValues(graph, 'fc.bias')),
  };
}

/** The card as JSON, with arrays of numbers kept on one line each so the file stays readable. */
export function serializeModelCard(card: ModelCard): string {
  return (
    JSON.stringify(card, null, 2).replace(
      /\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g,
      (_, numbers: string) => `[${numbers.split(/,\s+/).join(', ')}]`,
    ) + '\n'
  );
}

function initializerValues(graph: OnnxGraph, name: string): Float32Array {
  const tensor = graph.initializers.find((initializer) => initializer.name === name);
  if (!tensor) throw new SmearscopeError('INVALID_ARGUMENT', `graph ${graph.name} has no initializer ${name}`);
  return tensor.values;
}

/** 9 significant digits identify a float32 exactly; fewer characters than the float64 expansion. */
function toShortestFloat32s(values: Float32Array): number[] {
  return Array.from(values, (value) => Number(value.toPrecision(9)));
}
