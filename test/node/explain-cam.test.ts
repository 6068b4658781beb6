import { describe, expect, it } from 'vitest';
import { camOverlay, computeCam } from '../../src/explain/index.js';

describe('computeCam', () => {
  // Two cells of a [N=2, C=2, h=2, w=2] feature map; cell 1 is the one under test.
  // F0 = [[1, 0], [0, 2]], F1 = [[0, 3], [1, 0]]
  const features = new Float32Array([9, 9, 9, 9, 9, 9, 9, 9, 1, 0, 0, 2, 0, 3, 1, 0]);
  const shape = { channels: 2, height: 2, width: 2 };
  const weights = [
    [2, -1],
    [0, 1],
  ];

  it('is the weighted sum of feature channels (by hand: 2*F0 - F1)', () => {
    const raw = computeCam(features, 1, shape, weights, 0, { relu: false, normalize: false });
    expect([...raw.values]).toEqual([2, -3, -1, 4]);
    // GAP + linear: the logit (without bias) is the mean of the raw CAM: 2*0.75 - 1*1 = 0.5
    expect(raw.values.reduce((a, b) => a + b, 0) / 4).toBe(0.5);
  });

  it('normalizes after ReLU by the maximum, or min-max without ReLU', () => {
    expect([...computeCam(features, 1, shape, weights, 0).values]).toEqual([0.5, 0, 0, 1]);
    const minMax = computeCam(features, 1, shape, weights, 0, { relu: false });
    [5 / 7, 0, 2 / 7, 1].forEach((v, i) => expect(minMax.values[i]).toBeCloseTo(v, 6));
    const class1 = computeCam(features, 1, shape, weights, 1);
    [0, 1, 1 / 3, 0].forEach((v, i) => expect(class1.values[i]).toBeCloseTo(v, 6));
    expect([...computeCam(features, 1, shape, [[-1, -1]], 0).values]).toEqual([0, 0, 0, 0]);
  });

  it('rejects weights of the wrong width and cells outside the buffer', () => {
    expect(() => computeCam(features, 1, shape, [[1, 2, 3]], 0)).toThrow(/2 entries/);
    expect(() => computeCam(features, 2, shape, weights, 0)).toThrow(/outside/);
  });
});

describe('camOverlay', () => {
  it('bilinearly upsamples with centre alignment and maps value to jet colour and alpha', () => {
    // horizontal ramp 0 -> 1; 4 px wide: source x = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25
    const rgba = camOverlay({ values: new Float32Array([0, 1, 0, 1]), width: 2, height: 2 }, 4, 3, { maxAlpha: 0.6 });
    expect(rgba).toHaveLength(4 * 3 * 4);
    const alphaRow = [0, 1, 2, 3].map((x) => rgba[(1 * 4 + x) * 4 + 3]);
    expect(alphaRow).toEqual([0, Math.round(153 * 0.25), Math.round(153 * 0.75), 153]);
    // value 0: dark blue (0, 0, 0.5); value 1: dark red (0.5, 0, 0)
    expect([...rgba.slice(0, 3)]).toEqual([0, 0, 128]);
    expect([...rgba.slice(12, 15)]).toEqual([128, 0, 0]);
  });

  it('rejects a map whose size does not match its values', () => {
    expect(() => camOverlay({ values: new Float32Array(3), width: 2, height: 2 }, 4, 4)).toThrow(/3 values/);
  });
});
