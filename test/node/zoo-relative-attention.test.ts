/**
 * The zoo's relative self-attention (CoAtNet's transformer core) against a plain JavaScript
 * reference: softmax(q k^T / sqrt(d) + B[offset]) v per head, with the graph's own weights, on a
 * 2 x 3 token grid at batch 2 in onnxruntime-web. A wrong head split, transpose or bias offset fails it.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { addInput, createGraphDraft, finishGraph } from '../../models/zoo/graph-builder.js';
import { countFlops, countParameters } from '../../models/zoo/graph-cost.js';
import { encodeOnnxModel, type OnnxGraph } from '../../models/zoo/onnx-writer.js';
import { relativePositionIndex, relativeSelfAttention } from '../../models/zoo/relative-attention.js';
import { seededRandom } from '../../models/zoo/seeded-weights.js';

ort.env.wasm.numThreads = 1;

const [HEIGHT, WIDTH, IN_CHANNELS, CHANNELS, HEAD_CHANNELS, BATCH] = [2, 3, 8, 16, 8, 2];
const POSITIONS = HEIGHT * WIDTH;
const HEADS = CHANNELS / HEAD_CHANNELS;

function attentionGraph(): OnnxGraph {
  const graph = createGraphDraft('attention');
  const tokens = addInput(graph, 'tokens', ['batch', POSITIONS, IN_CHANNELS]);
  const layers = { graph, random: seededRandom(21) };
  const out = relativeSelfAttention(layers, tokens, 'attn', {
    inChannels: IN_CHANNELS,
    channels: CHANNELS,
    headChannels: HEAD_CHANNELS,
    height: HEIGHT,
    width: WIDTH,
  });
  return finishGraph(graph, [out]);
}

function weightsOf(graph: OnnxGraph, name: string): Float32Array {
  return graph.initializers.find((tensor) => tensor.name === name)!.values;
}

/** x [T, in] x w [in, out] + b -> [T, out]. */
function linear(x: number[][], w: Float32Array, b: Float32Array): number[][] {
  const outFeatures = b.length;
  return x.map((row) =>
    Array.from({ length: outFeatures }, (_, o) => row.reduce((sum, value, i) => sum + value * w[i * outFeatures + o], b[o])),
  );
}

function referenceAttention(graph: OnnxGraph, tokens: number[][]): number[][] {
  const [q, k, v] = ['q', 'k', 'v'].map((part) =>
    linear(tokens, weightsOf(graph, `attn.${part}.weight`), weightsOf(graph, `attn.${part}.bias`)),
  );
  const table = weightsOf(graph, 'attn.rel_pos.relative_position_bias_table');
  const offsets = (2 * HEIGHT - 1) * (2 * WIDTH - 1);
  const mixed = tokens.map(() => new Array<number>(CHANNELS).fill(0));
  for (let head = 0; head < HEADS; head++) {
    const base = head * HEAD_CHANNELS;
    for (let i = 0; i < POSITIONS; i++) {
      const [yi, xi] = [Math.floor(i / WIDTH), i % WIDTH];
      const scores = Array.from({ length: POSITIONS }, (_, j) => {
        let dot = 0;
        for (let c = 0; c < HEAD_CHANNELS; c++) dot += q[i][base + c] * k[j][base + c];
        const [yj, xj] = [Math.floor(j / WIDTH), j % WIDTH];
        return dot / Math.sqrt(HEAD_CHANNELS) + table[head * offsets + (yi - yj + HEIGHT - 1) * (2 * WIDTH - 1) + (xi - xj + WIDTH - 1)];
      });
      const top = Math.max(...scores);
      const exps = scores.map((score) => Math.exp(score - top));
      const total = exps.reduce((sum, value) => sum + value, 0);
      for (let j = 0; j < POSITIONS; j++) {
        for (let c = 0; c < HEAD_CHANNELS; c++) mixed[i][base + c] += (exps[j] / total) * v[j][base + c];
      }
    }
  }
  return linear(mixed, weightsOf(graph, 'attn.proj.weight'), weightsOf(graph, 'attn.proj.bias'));
}

describe('relative self-attention', () => {
  it('indexes each (dy, dx) offset once, with the centre on the diagonal', () => {
    const index = relativePositionIndex(HEIGHT, WIDTH);
    const centre = (HEIGHT - 1) * (2 * WIDTH - 1) + (WIDTH - 1);
    for (let i = 0; i < POSITIONS; i++) expect(index[i * POSITIONS + i]).toBe(centre);
    // Position 0 (0, 0) to 5 (1, 2): dy = -1, dx = -2, the table's first column.
    expect(index[0 * POSITIONS + 5]).toBe(0);
    expect(index[5 * POSITIONS + 0]).toBe((2 * HEIGHT - 1) * (2 * WIDTH - 1) - 1);
    expect(new Set(index).size).toBe((2 * HEIGHT - 1) * (2 * WIDTH - 1));
  });

  it('counts its parameters and multiply-adds, and computes what the reference computes', async () => {
    const graph = attentionGraph();
    const dense = (inFeatures: number, outFeatures: number) => inFeatures * outFeatures + outFeatures;
    expect(countParameters(graph)).toBe(3 * dense(IN_CHANNELS, CHANNELS) + dense(CHANNELS, CHANNELS) + HEADS * 3 * 5);
    const macs =
      3 * POSITIONS * IN_CHANNELS * CHANNELS + 2 * HEADS * POSITIONS * POSITIONS * HEAD_CHANNELS + POSITIONS * CHANNELS * CHANNELS;
    expect(countFlops(graph)).toBe(2 * macs);
    expect(graph.outputs[0].dims).toEqual(['batch', POSITIONS, CHANNELS]);

    const random = seededRandom(4);
    const input = Float32Array.from({ length: BATCH * POSITIONS * IN_CHANNELS }, () => random() * 4 - 2);
    const session = await ort.InferenceSession.create(encodeOnnxModel(graph, { producerName: 'test', producerVersion: '0' }), {
      executionProviders: ['wasm'],
    });
    try {
      const result = await session.run({ tokens: new ort.Tensor('float32', input, [BATCH, POSITIONS, IN_CHANNELS]) });
      const output = Object.values(result)[0].data as Float32Array;
      for (let item = 0; item < BATCH; item++) {
        const tokens = Array.from({ length: POSITIONS }, (_, t) =>
          Array.from(input.subarray((item * POSITIONS + t) * IN_CHANNELS, (item * POSITIONS + t + 1) * IN_CHANNELS)),
        );
        const expected = referenceAttention(graph, tokens);
        for (let t = 0; t < POSITIONS; t++) {
          for (let c = 0; c < CHANNELS; c++) expect(output[(item * POSITIONS + t) * CHANNELS + c]).toBeCloseTo(expected[t][c], 4);
        }
      }
    } finally {
      await session.release();
    }
  });
});
