import { describe, expect, it } from 'vitest';
import { decideCell, resolveScheme, softmaxInto } from '../../src/clinical/index.js';
import { BM7, testCard } from './clinical-card.js';

describe('softmaxInto', () => {
  it('is stable for large logits and reads the right row of the batch', () => {
    // row 0 is decoy; row 1 = [1000, 1001, 1002] must give softmax([0, 1, 2]) computed by hand:
    // e^0 = 1, e^1 = 2.718281828, e^2 = 7.389056099, sum = 11.107337927
    const batch = new Float32Array([5, -5, 0, 1000, 1001, 1002]);
    const out = new Float32Array(4).fill(-7); // one slot longer: must stay untouched
    softmaxInto(batch, 1, 3, out);
    expect(out[0]).toBeCloseTo(1 / 11.107337927, 6);
    expect(out[1]).toBeCloseTo(Math.E / 11.107337927, 6);
    expect(out[2]).toBeCloseTo(7.389056099 / 11.107337927, 6);
    expect(out[3]).toBe(-7);
  });

  it('handles extreme and infinite logits by their limits', () => {
    const out = new Float32Array(3);
    expect([...softmaxInto(new Float32Array([-1e30, 0, 3e38]), 0, 3, out)]).toEqual([0, 0, 1]);
    expect([...softmaxInto(new Float32Array([Infinity, 0, Infinity]), 0, 3, out)]).toEqual([0.5, 0, 0.5]);
    expect([...softmaxInto(new Float32Array([-Infinity, -Infinity]), 0, 2, out)].slice(0, 2)).toEqual([0.5, 0.5]);
    const equal = softmaxInto(new Float32Array([88, 88, 88]), 0, 3, out);
    for (const p of equal) expect(p).toBeCloseTo(1 / 3, 7);
  });

  it('rejects NaN and out-of-range rows', () => {
    const out = new Float32Array(2);
    expect(() => softmaxInto(new Float32Array([0, NaN]), 0, 2, out)).toThrow(/NaN/);
    expect(() => softmaxInto(new Float32Array(4), 2, 2, out)).toThrow(/outside/);
    expect(() => softmaxInto(new Float32Array(4), 0, 3, out)).toThrow(/probsOut/);
  });
});

describe('decideCell', () => {
  const bm7 = resolveScheme(testCard('bone-marrow-21', BM7)); // BLA EOS LYT MON NGS NIF PMO

  it('takes the argmax and sums the blast group', () => {
    const d = decideCell([0.6, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05], bm7);
    expect(d).toEqual({
      class: 'BLA',
      classIndex: 0,
      confidence: 0.6,
      abstained: false,
      pBlast: 0.6,
      pAtypical: 0,
      blastFlag: true,
      atypicalFlag: false,
    });
  });

  it('abstains on an abstain-group class before looking at confidence', () => {
    const d = decideCell([0.1, 0, 0, 0, 0, 0.8, 0.1], bm7);
    expect(d.class).toBe('NIF');
    expect(d.abstained).toBe(true);
    expect(d.abstainReason).toBe('abstain-class');
  });

  it('abstains on low confidence, keeps the top class for review, and honours caller thresholds', () => {
    const probs = [0.3, 0.25, 0.25, 0.2, 0, 0, 0];
    const d = decideCell(probs, bm7);
    expect([d.class, d.abstained, d.abstainReason, d.blastFlag]).toEqual(['BLA', true, 'low-confidence', false]);
    const lenient = decideCell(probs, bm7, { confidence: 0.25, blast: 0.3 });
    expect([lenient.abstained, lenient.blastFlag]).toEqual([false, true]);
  });

  it('flags at the threshold itself and breaks ties to the first class', () => {
    const d = decideCell([0.5, 0, 0, 0, 0.5, 0, 0], bm7);
    expect([d.class, d.abstained, d.blastFlag]).toEqual(['BLA', false, true]);
  });

  it('sums the blast and atypical groups of the AML scheme', () => {
    const pb = resolveScheme(testCard('peripheral-blood-aml-15', 'BAS EBO EOS KSC LYA LYT MMZ MOB MON MYB MYO NGB NGS PMB PMO'.split(' ')));
    //            BAS  EBO   EOS KSC  LYA  LYT   MMZ   MOB   MON  MYB   MYO   NGB NGS   PMB   PMO
    const probs = [0, 0.05, 0, 0, 0.1, 0.05, 0.05, 0.15, 0.1, 0.05, 0.25, 0, 0.05, 0.05, 0.1];
    const d = decideCell(probs, pb);
    expect(d.class).toBe('MYO');
    expect(d.pBlast).toBeCloseTo(0.25 + 0.15, 12);
    // MYO MOB MYB MMZ PMO PMB EBO LYA
    expect(d.pAtypical).toBeCloseTo(0.25 + 0.15 + 0.05 + 0.05 + 0.1 + 0.05 + 0.05 + 0.1, 12);
    expect([d.abstained, d.abstainReason, d.blastFlag, d.atypicalFlag]).toEqual([true, 'low-confidence', false, true]);
  });

  it('rejects a probability vector of the wrong length', () => {
    expect(() => decideCell([1, 0], bm7)).toThrow(/7 classes/);
  });
});
