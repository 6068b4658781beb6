/**
 * A tiny helper to assemble an ONNX graph in code: fresh names, inputs, initializers, nodes, and
 * outputs whose shapes come from shape inference. Nodes must be added in topological order
 * (each node after the nodes that produce its inputs), which building a network forward gives.
 */
import type { OnnxAttribute, OnnxConstant, OnnxDim, OnnxGraph } from './onnx-writer.js';
import { inferShapes } from './graph-shapes.js';
import { SmearscopeError } from '../../src/errors.js';

/** An ONNX graph under construction, plus every value and node name taken so far. */
export interface GraphDraft extends OnnxGraph {
  constants: OnnxConstant[];
  takenNames: Set<string>;
  /** Scalar constants by value, so every GELU shares one 0.5. */
  scalarNames: Map<number, string>;
}

export function createGraphDraft(name: string): GraphDraft {
  return { name, nodes: [], initializers: [], constants: [], inputs: [], outputs: [], takenNames: new Set(), scalarNames: new Map() };
}

/** `base` itself when free, else `base_2`, `base_3`, ...; the name is taken on return. */
export function freshName(graph: GraphDraft, base: string): string {
  let name = base;
  for (let suffix = 2; graph.takenNames.has(name); suffix++) name = `${base}_${suffix}`;
  graph.takenNames.add(name);
  return name;
}

/** Declares a graph input (float32 unless said) under exactly `name` (inputs are part of the model's contract). */
export function addInput(graph: GraphDraft, name: string, dims: OnnxDim[], elementType: 'float32' | 'float16' = 'float32'): string {
  takeExactName(graph, name);
  graph.inputs.push(elementType === 'float32' ? { name, dims } : { name, dims, elementType });
  return name;
}

/**
 * Adds a float32 initializer under a fresh name derived from `name` and returns that name.
 * The draft keeps a reference to `values` (no copy): do not mutate it afterwards.
 */
export function addInitializer(graph: GraphDraft, name: string, dims: number[], values: Float32Array): string {
  const freshTensorName = freshName(graph, name);
  graph.initializers.push({ name: freshTensorName, dims, values });
  return freshTensorName;
}

/**
 * Adds an int64 constant (a Reshape shape, Gather indices) under a fresh name derived from `name`.
 * Not a learned parameter: countParameters skips it.
 */
export function addInt64Constant(graph: GraphDraft, name: string, dims: number[], values: readonly number[]): string {
  const freshTensorName = freshName(graph, name);
  graph.constants.push({ name: freshTensorName, dims, values: BigInt64Array.from(values, (value) => BigInt(value)) });
  return freshTensorName;
}

/** The float32 scalar constant `value` (shape []), added once per graph and shared; not a parameter. */
export function scalarConstant(graph: GraphDraft, value: number): string {
  const known = graph.scalarNames.get(value);
  if (known !== undefined) return known;
  const name = freshName(graph, `const_${graph.scalarNames.size}`);
  graph.constants.push({ name, dims: [], values: Float32Array.of(value) });
  graph.scalarNames.set(value, name);
  return name;
}

export interface NodeSpec {
  opType: string;
  inputs: string[];
  attributes?: Record<string, OnnxAttribute>;
  /** Base of the node's name (made fresh); its single output carries the same name. */
  name: string;
  /** Exact name for the output instead, when it is a named graph output such as "logits". */
  outputName?: string;
}

/** Adds a single-output node and returns the name of its output. */
export function addNode(graph: GraphDraft, spec: NodeSpec): string {
  const nodeName = freshName(graph, spec.name);
  const outputName = spec.outputName === undefined ? nodeName : takeExactName(graph, spec.outputName);
  graph.nodes.push({
    name: nodeName,
    opType: spec.opType,
    inputs: spec.inputs,
    outputs: [outputName],
    attributes: spec.attributes ?? {},
  });
  return outputName;
}

/**
 * Declares the graph outputs, in order, with shapes inferred from the graph (symbolic input
 * dimensions such as the batch carry through), and returns the finished graph.
 */
export function finishGraph(graph: GraphDraft, outputNames: string[]): OnnxGraph {
  const shapes = inferShapes(graph);
  graph.outputs = outputNames.map((name) => {
    const dims = shapes.get(name);
    if (!dims) throw new SmearscopeError('INVALID_ARGUMENT', `graph ${graph.name} has no value named ${name} to output`);
    return { name, dims };
  });
  return graph;
}

function takeExactName(graph: GraphDraft, name: string): string {
  if (graph.takenNames.has(name)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `graph ${graph.name} already has a value or node named ${name}`);
  }
  graph.takenNames.add(name);
  return name;
}
