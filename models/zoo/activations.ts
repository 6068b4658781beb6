/**
 * Activations the opset-17 zoo graphs spell out from primitive ops (opset 17 has no SiLU or GELU
 * operator; ONNX Runtime fuses these patterns back into one kernel where it can).
 */
import { addNode, scalarConstant } from './graph-builder.js';
import type { LayerContext } from './layers.js';

export function sigmoid(layers: LayerContext, x: string, name: string): string {
  return addNode(layers.graph, { opType: 'Sigmoid', name, inputs: [x] });
}

export function tanh(layers: LayerContext, x: string, name: string): string {
  return addNode(layers.graph, { opType: 'Tanh', name, inputs: [x] });
}

/** SiLU (swish): x * sigmoid(x), EfficientNet's activation. */
export function silu(layers: LayerContext, x: string, name: string, outputName?: string): string {
  const gate = sigmoid(layers, x, `${name}.sigmoid`);
  return addNode(layers.graph, { opType: 'Mul', name, inputs: [x, gate], outputName });
}

/** Exact (erf) GELU: x * 0.5 * (1 + erf(x / sqrt 2)), the transformers' activation (PyTorch nn.GELU()). */
export function gelu(layers: LayerContext, x: string, name: string): string {
  const graph = layers.graph;
  const scaled = addNode(graph, { opType: 'Div', name: `${name}.div`, inputs: [x, scalarConstant(graph, Math.SQRT2)] });
  const erf = addNode(graph, { opType: 'Erf', name: `${name}.erf`, inputs: [scaled] });
  const onePlus = addNode(graph, { opType: 'Add', name: `${name}.add`, inputs: [erf, scalarConstant(graph, 1)] });
  const gated = addNode(graph, { opType: 'Mul', name: `${name}.mul`, inputs: [x, onePlus] });
  return addNode(graph, { opType: 'Mul', name, inputs: [gated, scalarConstant(graph, 0.5)] });
}
