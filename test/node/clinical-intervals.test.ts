import { describe, expect, it } from 'vitest';
import { clopperPearson } from '../../src/clinical/index.js';
import { betaQuantile, regularizedIncompleteBeta } from '../../src/clinical/incomplete-beta.js';

/** P(X <= k) for X ~ Binomial(n, p), summed in log space: an independent route to the bounds. */
function binomialCdf(k: number, n: number, p: number): number {
  let logChoose = 0; // ln C(n, 0)
  let sum = 0;
  for (let j = 0; j <= k; j++) {
    if (j > 0) logChoose += Math.log(n - j + 1) - Math.log(j);
    sum += Math.exp(logChoose + j * Math.log(p) + (n - j) * Math.log1p(-p));
  }
  return sum;
}

describe('clopperPearson', () => {
  it('matches published table values (4 decimals)', () => {
    const table: Array<[number, number, number, number]> = [
      [0, 10, 0, 0.3085],
      [5, 10, 0.1871, 0.8129],
      [1, 20, 0.0013, 0.2487],
      [10, 20, 0.272, 0.728],
      [0, 200, 0, 0.0183],
      [1, 200, 0.0001, 0.0275],
    ];
    for (const [x, n, lower, upper] of table) {
      const [lo, hi] = clopperPearson(x, n);
      expect(lo).toBeCloseTo(lower, 4);
      expect(hi).toBeCloseTo(upper, 4);
    }
  });

  it('agrees with closed forms at the edges', () => {
    for (const n of [1, 8, 200, 5000]) {
      expect(clopperPearson(0, n)[1]).toBeCloseTo(1 - 0.025 ** (1 / n), 12);
      expect(clopperPearson(n, n)[0]).toBeCloseTo(0.025 ** (1 / n), 12);
      // x = 1: I_p(1, n) = 1 - (1 - p)^n, so the lower bound is 1 - 0.975^(1/n)
      expect(clopperPearson(1, n)[0]).toBeCloseTo(1 - 0.975 ** (1 / n), 12);
    }
  });

  it('puts exactly 2.5 % of the binomial mass beyond each bound', () => {
    for (const [x, n] of [
      [1, 200],
      [3, 8],
      [40, 200],
      [17, 60],
      [199, 200],
    ]) {
      const [lower, upper] = clopperPearson(x, n);
      expect(binomialCdf(x, n, upper)).toBeCloseTo(0.025, 10); // P(X <= x | upper) = α/2
      expect(1 - binomialCdf(x - 1, n, lower)).toBeCloseTo(0.025, 10); // P(X >= x | lower) = α/2
    }
  });

  it('is symmetric and honours other confidence levels', () => {
    const [lo, hi] = clopperPearson(7, 30);
    const [mirrorLo, mirrorHi] = clopperPearson(23, 30);
    expect(lo).toBeCloseTo(1 - mirrorHi, 12);
    expect(hi).toBeCloseTo(1 - mirrorLo, 12);
    const [, upper90] = clopperPearson(0, 10, 0.9);
    expect(upper90).toBeCloseTo(1 - 0.05 ** (1 / 10), 12);
  });

  it('rejects impossible counts', () => {
    expect(() => clopperPearson(3, 2)).toThrow(/successes/);
    expect(() => clopperPearson(0, 0)).toThrow(/trials/);
    expect(() => clopperPearson(1.5, 4)).toThrow(/successes/);
  });
});

describe('regularized incomplete beta', () => {
  it('matches hand-computed values', () => {
    expect(regularizedIncompleteBeta(0.37, 1, 1)).toBeCloseTo(0.37, 14);
    // I_0.3(2, 3) = sum_{j=2..4} C(4,j) 0.3^j 0.7^(4-j) = 0.2646 + 0.0756 + 0.0081
    expect(regularizedIncompleteBeta(0.3, 2, 3)).toBeCloseTo(0.3483, 13);
    expect(regularizedIncompleteBeta(0.5, 7.5, 7.5)).toBeCloseTo(0.5, 13);
    // I_x(1/2, 1/2) = (2/π) asin(√x)
    expect(regularizedIncompleteBeta(0.2, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(0.2)), 12);
  });

  it('betaQuantile inverts it', () => {
    for (const [p, a, b] of [
      [0.025, 3, 6],
      [0.975, 41, 160],
      [0.5, 0.5, 0.5],
      [1e-6, 2, 2],
    ]) {
      expect(regularizedIncompleteBeta(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 12);
    }
  });
});
