/**
 * What a built graph costs: FLOPs (2 x multiply-accumulates of Conv, Gemm and MatMul) and learned
 * parameters, both computed from the graph itself.
 */
import type { OnnxDim, OnnxGraph } from './onnx-writer.js';
import { inferShapes, type ShapeTable } from './graph-shapes.js';

/**
 * FLOPs of one run, counted per unit of every symbolic dimension: with a symbolic batch this is
 * FLOPs per cell. Conv: out elements x (in channels / group) x kernel area; Gemm and MatMul
 * (attention's QK^T and AV products included): out elements x inner dimension. Bias adds, norms,
 * activations, softmax, pooling and elementwise ops are not counted (the usual convention). Note torchvision's model table lists multiply-accumulates under "GFLOPS": half ours.
 */
export function countFlops(graph: OnnxGraph, shapes: ShapeTable = inferShapes(graph)): number {
  let multiplyAccumulates = 0;
  for (const node of graph.nodes) {
    const outElements = staticElementCount(shapes.get(node.outputs[0])!);
    if (node.opType === 'Conv') {
      const [, channelsPerGroup, ...kernel] = shapes.get(node.inputs[1])! as number[];
      multiplyAccumulates += outElements * channelsPerGroup * kernel.reduce((area, side) => area * side, 1);
    } else if (node.opType === 'Gemm' || node.opType === 'MatMul') {
      // Gemm's A is [n, k]; MatMul's is [..., n, k]: the inner dimension is A's last.
      const a = shapes.get(node.inputs[0])!;
      multiplyAccumulates += outElements * (a[a.length - 1] as number);
    }
  }
  return 2 * multiplyAccumulates;
}

/**
 * Learned parameters: every float initializer element except BatchNormalization running mean and
 * variance (inputs 3 and 4), which are statistics, not weights (as torchvision counts). The int64
 * constants (Reshape shapes, relative-position indices) are not parameters either.
 */
export function countParameters(graph: OnnxGraph): number {
  const runningStatistics = new Set<string>();
  for (const node of graph.nodes) {
    if (node.opType === 'BatchNormalization') {
      runningStatistics.add(node.inputs[3]);
      runningStatistics.add(node.inputs[4]);
    }
  }
  return graph.initializers
    .filter((tensor) => !runningStatistics.has(tensor.name))
    .reduce((count, tensor) => count + tensor.values.length, 0);
}

function staticElementCount(dims: OnnxDim[]): number {
  return dims.reduce<number>((product, dim) => (typeof dim === 'number' ? product * dim : product), 1);
}
