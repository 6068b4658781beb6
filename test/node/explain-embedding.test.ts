import { describe, expect, it } from 'vitest';
import { projectEmbeddings, projectOntoAxes } from '../../src/explain/index.js';

describe('projectEmbeddings', () => {
  // Cells = mean + a_n u + b_n w with orthonormal u, w and zero-mean a, b with sum(a b) = 0, so
  // the principal axes are u and w with variances sum(a^2)/(N-1) = 28/5 and sum(b^2)/(N-1) = 4/5.
  // w's largest entry is negative, so the sign rule returns -w and coordinates -b.
  const u = [2 / 7, 3 / 7, 6 / 7];
  const w = [3 / 7, -6 / 7, 2 / 7];
  const mean = [10, -5, 3];
  const a = [3, -3, 2, -2, 1, -1];
  const b = [1, 1, -1, -1, 0, 0];
  const features = new Float32Array(a.flatMap((an, n) => mean.map((m, d) => m + an * u[d] + b[n] * w[d])));

  it('recovers the axes, variances and coordinates', () => {
    const p = projectEmbeddings(features, 6, 3);
    expect(p.converged).toEqual([true, true]);
    [...u, ...w.map((v) => -v)].forEach((v, i) => expect(p.axes[i]).toBeCloseTo(v, 5));
    expect(p.variances[0]).toBeCloseTo(5.6, 4);
    expect(p.variances[1]).toBeCloseTo(0.8, 4);
    expect(p.explainedVarianceRatio[0]).toBeCloseTo(5.6 / 6.4, 5);
    expect(p.explainedVarianceRatio[1]).toBeCloseTo(0.8 / 6.4, 5);
    for (let n = 0; n < 6; n++) {
      expect(p.coordinates[2 * n]).toBeCloseTo(a[n], 4);
      expect(p.coordinates[2 * n + 1]).toBeCloseTo(-b[n], 4);
    }
  });

  it('is deterministic and places new cells on the same axes', () => {
    const first = projectEmbeddings(features, 6, 3);
    const second = projectEmbeddings(features, 6, 3);
    expect(second.coordinates).toEqual(first.coordinates);
    const extra = new Float32Array(mean.map((m, d) => m + 2 * u[d] - 1 * w[d]));
    const placed = projectOntoAxes(first, extra, 1);
    expect(placed[0]).toBeCloseTo(2, 4);
    expect(placed[1]).toBeCloseTo(1, 4); // -w axis
  });

  it('gives zero variance for identical cells and rejects bad shapes', () => {
    const same = projectEmbeddings(new Float32Array([1, 2, 1, 2, 1, 2]), 3, 2);
    expect(same.variances).toEqual([0, 0]);
    expect([...same.coordinates]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => projectEmbeddings(new Float32Array(5), 2, 3)).toThrow(/2 x 3/);
    expect(() => projectEmbeddings(new Float32Array(6), 2, 3, { componentCount: 4 })).toThrow(/componentCount/);
  });
});
