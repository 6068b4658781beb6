/**
 * Shape inference for the operator subset the zoo uses (Conv, BatchNormalization, LayerNormalization,
 * Relu, Sigmoid, Tanh, Erf, Softmax, MaxPool, AveragePool, Add, Mul, Div, GlobalAveragePool, Flatten,
 * Gemm, MatMul, Reshape, Transpose, Gather, Cast), following the ONNX opset-17 definitions.
 * Symbolic dimensions (the batch) pass through; spatial and channel dimensions must be static.
 */
import type { OnnxAttribute, OnnxDim, OnnxGraph, OnnxNode } from './onnx-writer.js';
import { SmearscopeError } from '../../src/errors.js';

/** Shape of every value of the graph (inputs, initializers, node outputs), by name. */
export type ShapeTable = Map<string, OnnxDim[]>;

/** Infers the shape of every node output; throws INVALID_ARGUMENT on an unsupported op or a mismatch. */
export function inferShapes(graph: OnnxGraph): ShapeTable {
  const shapes: ShapeTable = new Map();
  for (const input of graph.inputs) shapes.set(input.name, input.dims);
  for (const tensor of graph.initializers) shapes.set(tensor.name, tensor.dims);
  const int64Values = new Map<string, number[]>();
  for (const tensor of graph.constants ?? []) {
    shapes.set(tensor.name, tensor.dims);
    if (tensor.values instanceof BigInt64Array) int64Values.set(tensor.name, Array.from(tensor.values, Number));
  }
  for (const node of graph.nodes) {
    const inputShapes = node.inputs.map((name) => {
      const shape = shapes.get(name);
      if (!shape) fail(node, `input ${name} is not produced before this node`);
      return shape;
    });
    const shapeValues = node.opType === 'Reshape' ? int64Values.get(node.inputs[1]) : undefined;
    shapes.set(node.outputs[0], inferNodeOutput(node, inputShapes, shapeValues));
  }
  return shapes;
}

function inferNodeOutput(node: OnnxNode, inputs: OnnxDim[][], reshapeTo?: number[]): OnnxDim[] {
  const [x] = inputs;
  switch (node.opType) {
    case 'Conv':
      return convOutput(node, x, inputs[1]);
    case 'MaxPool':
    case 'AveragePool':
      return poolOutput(node, x, intsOf(node, 'kernel_shape'));
    case 'BatchNormalization':
    case 'LayerNormalization':
    case 'Relu':
    case 'Sigmoid':
    case 'Tanh':
    case 'Erf':
    case 'Softmax':
    case 'Cast':
      return x;
    case 'Add':
    case 'Mul':
    case 'Div':
      return broadcast(node, x, inputs[1]);
    case 'Reshape':
      if (!reshapeTo) return fail(node, 'the shape must be an int64 initializer');
      return reshapeOutput(node, x, reshapeTo);
    case 'Transpose': {
      const perm = intsOf(node, 'perm');
      if (perm.length !== x.length) fail(node, `perm [${perm}] does not fit rank ${x.length}`);
      return perm.map((axis) => x[axis]);
    }
    case 'Gather': {
      const axis = intOf(node, 'axis', 0);
      return [...x.slice(0, axis), ...inputs[1], ...x.slice(axis + 1)];
    }
    case 'GlobalAveragePool':
      return [x[0], x[1], ...x.slice(2).map(() => 1)];
    case 'Flatten': {
      const axis = intOf(node, 'axis', 1);
      return [dimProduct(node, x.slice(0, axis)), dimProduct(node, x.slice(axis))];
    }
    case 'Gemm': {
      if (intOf(node, 'transA', 0) !== 0) fail(node, 'transA is not supported');
      const [rows, inner] = x;
      const weight = inputs[1];
      const [weightInner, columns] = intOf(node, 'transB', 0) === 1 ? [weight[1], weight[0]] : weight;
      if (inner !== weightInner) fail(node, `inner dimensions differ: [${x}] x [${weight}]`);
      return [rows, columns];
    }
    case 'MatMul': {
      // [..., n, k] x [..., k, m] with the leading dims broadcast (numpy matmul); both of rank >= 2.
      const [a, b] = inputs;
      if (a.length < 2 || b.length < 2 || a[a.length - 1] !== b[b.length - 2]) {
        fail(node, `needs [..., n, k] x [..., k, m], got [${a}] x [${b}]`);
      }
      const leading = broadcast(node, a.slice(0, -2), b.slice(0, -2));
      return [...leading, a[a.length - 2], b[b.length - 1]];
    }
    default:
      return fail(node, 'operator not supported by the zoo shape inference');
  }
}

function convOutput(node: OnnxNode, x: OnnxDim[], weight: OnnxDim[]): OnnxDim[] {
  const group = intOf(node, 'group', 1);
  const [inChannels] = staticDims(node, [x[1]]);
  const [outChannels, channelsPerGroup, ...kernel] = staticDims(node, weight);
  if (inChannels !== channelsPerGroup * group) {
    fail(node, `${inChannels} input channels do not match weight [${weight}] with group ${group}`);
  }
  return [x[0], outChannels, ...poolOutput(node, x, kernel).slice(2)];
}

/** Output of a sliding window (Conv or MaxPool): floor((in + padBegin + padEnd - dilated kernel) / stride) + 1. */
function poolOutput(node: OnnxNode, x: OnnxDim[], kernel: number[]): OnnxDim[] {
  const spatial = staticDims(node, x.slice(2));
  const rank = spatial.length;
  const strides = intsOf(node, 'strides', new Array(rank).fill(1));
  const pads = intsOf(node, 'pads', new Array(2 * rank).fill(0));
  const dilations = intsOf(node, 'dilations', new Array(rank).fill(1));
  if (intOf(node, 'ceil_mode', 0) !== 0) fail(node, 'ceil_mode is not supported');
  const out = spatial.map((size, axis) => {
    const span = (kernel[axis] - 1) * dilations[axis] + 1;
    const padded = size + pads[axis] + pads[axis + rank];
    if (padded < span) fail(node, `window ${span} larger than padded input ${padded}`);
    return Math.floor((padded - span) / strides[axis]) + 1;
  });
  return [x[0], x[1], ...out];
}

/** Numpy broadcasting of two shapes: right-aligned, each pair equal or one of them 1. */
function broadcast(node: OnnxNode, a: OnnxDim[], b: OnnxDim[]): OnnxDim[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, index) => {
    const left = a[index - (rank - a.length)] ?? 1;
    const right = b[index - (rank - b.length)] ?? 1;
    if (left === right || right === 1) return left;
    if (left === 1) return right;
    return fail(node, `cannot broadcast [${a}] with [${b}]`);
  });
}

/** Reshape (allowzero 0): 0 copies the input dim at that index, -1 takes the rest (static dims only). */
function reshapeOutput(node: OnnxNode, x: OnnxDim[], target: number[]): OnnxDim[] {
  const out: OnnxDim[] = target.map((dim, axis) => (dim === 0 ? x[axis] : dim));
  const inferred = out.indexOf(-1);
  const staticOf = (dims: OnnxDim[]) =>
    staticDims(
      node,
      dims.filter((dim) => typeof dim === 'number' && dim !== -1),
    ).reduce((p, d) => p * d, 1);
  const symbolicOf = (dims: OnnxDim[]) =>
    dims
      .filter((dim) => typeof dim === 'string')
      .sort()
      .join(',');
  if (symbolicOf(x) !== symbolicOf(out)) fail(node, `symbolic dims of [${x}] must carry over to [${out}] unchanged`);
  if (inferred >= 0) {
    out[inferred] = staticOf(x) / staticOf(out);
    if (!Number.isInteger(out[inferred])) fail(node, `cannot reshape [${x}] to [${target}]`);
  }
  if (staticOf(x) !== staticOf(out)) fail(node, `cannot reshape [${x}] (${staticOf(x)} static elements) to [${out}]`);
  return out;
}

/** Product of dims; a lone symbolic dim stays symbolic (the batch through Flatten). */
function dimProduct(node: OnnxNode, dims: OnnxDim[]): OnnxDim {
  if (dims.length === 1) return dims[0];
  return staticDims(node, dims).reduce((product, dim) => product * dim, 1);
}

function staticDims(node: OnnxNode, dims: OnnxDim[]): number[] {
  return dims.map((dim) => (typeof dim === 'number' ? dim : fail(node, `dimension ${dim} must be static here`)));
}

function intOf(node: OnnxNode, name: string, fallback: number): number {
  const attribute: OnnxAttribute | undefined = node.attributes[name];
  if (attribute === undefined) return fallback;
  if (attribute.type !== 'INT') return fail(node, `attribute ${name} must be INT`);
  return attribute.value;
}

function intsOf(node: OnnxNode, name: string, fallback?: number[]): number[] {
  const attribute: OnnxAttribute | undefined = node.attributes[name];
  if (attribute === undefined) return fallback ?? fail(node, `attribute ${name} is required`);
  if (attribute.type !== 'INTS') return fail(node, `attribute ${name} must be INTS`);
  return attribute.value;
}

function fail(node: OnnxNode, reason: string): never {
  throw new SmearscopeError('INVALID_ARGUMENT', `${node.opType} node ${node.name}: ${reason}`);
}
