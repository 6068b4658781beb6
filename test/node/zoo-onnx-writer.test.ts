/**
 * The hand-written ONNX encoder: wire-format values against the protobuf spec, and small graphs
 * whose every attribute kind (INT, INTS, FLOAT) and symbolic dimension onnxruntime-web must honour.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { addInitializer, addInput, addNode, createGraphDraft, finishGraph } from '../../models/zoo/graph-builder.js';
import { countFlops, countParameters } from '../../models/zoo/graph-cost.js';
import { encodeOnnxModel, floatAttribute, intAttribute, intsAttribute } from '../../models/zoo/onnx-writer.js';
import { encodeVarint } from '../../models/zoo/protobuf-wire.js';
import { seededRandom, uniformFloats } from '../../models/zoo/seeded-weights.js';

ort.env.wasm.numThreads = 1;

describe('protobuf varints', () => {
  it('encodes the examples of the protobuf encoding guide', () => {
    expect([...encodeVarint(1)]).toEqual([0x01]);
    expect([...encodeVarint(150)]).toEqual([0x96, 0x01]);
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02]);
    // int64 -1: ten bytes of two's complement.
    expect([...encodeVarint(-1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('encodes values above 32 bits without truncation', () => {
    const value = 2 ** 40 + 5; // raw_data lengths of big models do not fit 32-bit shifts either
    const bytes = encodeVarint(value);
    let decoded = 0;
    bytes.forEach((byte, index) => (decoded += (byte & 0x7f) * 2 ** (7 * index)));
    expect(decoded).toBe(value);
    expect(bytes.length).toBe(6);
  });
});

/**
 * x [batch, 1, 4, 4] -> MaxPool 2x2/2 (INTS) -> Flatten axis 1 (INT) -> Gemm alpha 0.5 (FLOAT), transB 1 (INT)
 * with w [3, 4] and bias [3]: y [batch, 3].
 */
function tinyGraph(random: () => number) {
  const graph = createGraphDraft('tiny');
  const x = addInput(graph, 'x', ['batch', 1, 4, 4]);
  const pooled = addNode(graph, {
    opType: 'MaxPool',
    name: 'pool',
    inputs: [x],
    attributes: { kernel_shape: intsAttribute([2, 2]), strides: intsAttribute([2, 2]) },
  });
  const flat = addNode(graph, { opType: 'Flatten', name: 'flat', inputs: [pooled], attributes: { axis: intAttribute(1) } });
  const weight = addInitializer(graph, 'w', [3, 4], uniformFloats(random, 12, 1));
  const bias = addInitializer(graph, 'b', [3], uniformFloats(random, 3, 1));
  const y = addNode(graph, {
    opType: 'Gemm',
    name: 'gemm',
    inputs: [flat, weight, bias],
    attributes: { alpha: floatAttribute(0.5), transB: intAttribute(1) },
    outputName: 'y',
  });
  return finishGraph(graph, [y]);
}

describe('ONNX writer', () => {
  it('writes a graph that onnxruntime-web runs as specified, at two batch sizes', async () => {
    const graph = tinyGraph(seededRandom(3));
    expect(graph.outputs).toEqual([{ name: 'y', dims: ['batch', 3] }]);
    expect(countParameters(graph)).toBe(15);
    expect(countFlops(graph)).toBe(2 * 4 * 3);
    const [weight, bias] = graph.initializers.map((tensor) => tensor.values);
    const session = await ort.InferenceSession.create(encodeOnnxModel(graph, { producerName: 'test', producerVersion: '0' }), {
      executionProviders: ['wasm'],
    });
    try {
      for (const batchSize of [1, 3]) {
        const random = seededRandom(10 + batchSize);
        const x = Float32Array.from({ length: batchSize * 16 }, () => random() * 2 - 1);
        const { y } = await session.run({ x: new ort.Tensor('float32', x, [batchSize, 1, 4, 4]) });
        expect(y.dims).toEqual([batchSize, 3]);
        for (let item = 0; item < batchSize; item++) {
          const image = x.subarray(item * 16, (item + 1) * 16);
          const pooled = [0, 2, 8, 10].map((corner) => Math.max(image[corner], image[corner + 1], image[corner + 4], image[corner + 5]));
          for (let out = 0; out < 3; out++) {
            const dot = pooled.reduce((sum, value, k) => sum + value * weight[out * 4 + k], 0);
            expect((y.data as Float32Array)[item * 3 + out]).toBeCloseTo(0.5 * dot + bias[out], 5);
          }
        }
      }
    } finally {
      await session.release();
    }
  });

  it('gives the same bytes for the same seed and different bytes for another', () => {
    const info = { producerName: 'test', producerVersion: '0' };
    const first = encodeOnnxModel(tinyGraph(seededRandom(3)), info);
    expect(encodeOnnxModel(tinyGraph(seededRandom(3)), info)).toEqual(first);
    expect(encodeOnnxModel(tinyGraph(seededRandom(4)), info)).not.toEqual(first);
  });

  it('rejects a convolution whose weight does not match its input channels', () => {
    const graph = createGraphDraft('bad');
    const x = addInput(graph, 'x', ['batch', 3, 8, 8]);
    const weight = addInitializer(graph, 'w', [4, 2, 3, 3], new Float32Array(72));
    const y = addNode(graph, { opType: 'Conv', name: 'conv', inputs: [x, weight], attributes: { group: intAttribute(1) } });
    expect(() => finishGraph(graph, [y])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
