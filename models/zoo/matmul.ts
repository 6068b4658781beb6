/**
 * One large matrix product, product[rows, columns] = a[rows, inner] x b[inner, columns], with `b` a
 * seeded initializer: the benchmark's probe of a backend's raw matrix rate (FLOPs / second).
 * Static shapes, so every backend can plan it ahead.
 */
import { addInitializer, addInput, addNode, createGraphDraft, finishGraph } from './graph-builder.js';
import type { OnnxGraph } from './onnx-writer.js';
import { uniformFloats, type RandomSource } from './seeded-weights.js';
import { SmearscopeError } from '../../src/errors.js';

export interface MatmulSizes {
  rows: number;
  inner: number;
  columns: number;
}

export const MATMUL_DEFAULT_SIZES: MatmulSizes = { rows: 1024, inner: 1024, columns: 1024 };
export const MATMUL_INPUT_NAME = 'a';
export const MATMUL_WEIGHT_NAME = 'b';
export const MATMUL_OUTPUT_NAME = 'product';

/** FLOPs of one run: one multiply and one add per (row, inner, column). */
export function matmulFlops(sizes: MatmulSizes): number {
  return 2 * sizes.rows * sizes.inner * sizes.columns;
}

/** "matmul-1024" for a cube, else "matmul-RxKxC". */
export function matmulId(sizes: MatmulSizes): string {
  const { rows, inner, columns } = sizes;
  return rows === inner && inner === columns ? `matmul-${rows}` : `matmul-${rows}x${inner}x${columns}`;
}

/** `b` is uniform in +-1/sqrt(inner), so a product of inputs in [-1, 1] stays of order 1. */
export function buildMatmulGraph(random: RandomSource, sizes: MatmulSizes = MATMUL_DEFAULT_SIZES): OnnxGraph {
  const { rows, inner, columns } = sizes;
  if (![rows, inner, columns].every((side) => Number.isInteger(side) && side > 0)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `matmul sizes must be positive integers, got ${rows} x ${inner} x ${columns}`);
  }
  const graph = createGraphDraft('matmul');
  const a = addInput(graph, MATMUL_INPUT_NAME, [rows, inner]);
  const b = addInitializer(graph, MATMUL_WEIGHT_NAME, [inner, columns], uniformFloats(random, inner * columns, 1 / Math.sqrt(inner)));
  const product = addNode(graph, { opType: 'MatMul', name: 'matmul', inputs: [a, b], outputName: MATMUL_OUTPUT_NAME });
  return finishGraph(graph, [product]);
}
