import { describe, expect, it } from 'vitest';
import { classMetrics, confusionMatrix, evaluateClassifier, resolveScheme, rocCurve } from '../../src/clinical/index.js';
import { testCard } from './clinical-card.js';

describe('classifier evaluation', () => {
  // NGB-NGS is a tolerance pair of the bone-marrow scheme; LYT has no partner here.
  const scheme = resolveScheme(testCard('bone-marrow-21', ['NGB', 'NGS', 'LYT']));
  const NGB = 0,
    NGS = 1,
    LYT = 2;
  // truth NGB: NGB NGB NGS LYT | truth NGS: NGS NGS NGS NGB NGB | truth LYT: LYT LYT NGS
  const truth = [NGB, NGB, NGB, NGB, NGS, NGS, NGS, NGS, NGS, LYT, LYT, LYT];
  const predicted = [NGB, NGB, NGS, LYT, NGS, NGS, NGS, NGB, NGB, LYT, LYT, NGS];
  const result = evaluateClassifier(truth, predicted, scheme);

  it('builds the confusion matrix, raw and row-normalized', () => {
    expect(result.confusion.counts).toEqual([
      [2, 1, 1],
      [2, 3, 0],
      [0, 1, 2],
    ]);
    expect(result.confusion.rowNormalized[0]).toEqual([0.5, 0.25, 0.25]);
    expect(result.confusion.rowNormalized[1]).toEqual([0.4, 0.6, 0]);
  });

  it('gives strict and tolerant precision/recall as in Matek 2021 Table 1', () => {
    const { NGB: ngb, NGS: ngs, LYT: lyt } = result.perClass;
    expect(ngb).toEqual({ support: 4, predicted: 4, precision: 0.5, recall: 0.5, tolerantPrecision: 1, tolerantRecall: 0.75 });
    // predicted NGS: truth NGB 1, NGS 3, LYT 1 -> tolerant precision counts the NGB one, not the LYT one
    expect(ngs).toEqual({ support: 5, predicted: 5, precision: 0.6, recall: 0.6, tolerantPrecision: 0.8, tolerantRecall: 1 });
    expect(lyt.precision).toBeCloseTo(2 / 3, 12);
    expect(lyt.tolerantRecall).toBeCloseTo(2 / 3, 12);
  });

  it('averages recall over classes for balanced accuracy', () => {
    expect(result.accuracy).toBeCloseTo(7 / 12, 12);
    expect(result.balancedAccuracy).toBeCloseTo((0.5 + 0.6 + 2 / 3) / 3, 12);
    expect(result.tolerantBalancedAccuracy).toBeCloseTo((0.75 + 1 + 2 / 3) / 3, 12);
  });

  it('leaves undefined ratios null and skips unsupported classes', () => {
    const metrics = classMetrics(confusionMatrix([0, 0, 1], [0, 1, 1], 3));
    expect(metrics[2]).toEqual({ support: 0, predicted: 0, precision: null, recall: null, tolerantPrecision: null, tolerantRecall: null });
    const evaluation = evaluateClassifier([0, 0, 1], [0, 1, 1], scheme);
    expect(evaluation.balancedAccuracy).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow(/\[0, 3\)/);
  });
});

describe('rocCurve', () => {
  it('gives the known curve and AUC of a small list', () => {
    const roc = rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(roc.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(roc.falsePositiveRate).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(roc.truePositiveRate).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(roc.auc).toBe(0.75);
  });

  it('scores perfect, inverted and all-tied rankings', () => {
    expect(rocCurve([0.9, 0.8, 0.7, 0.6], [true, true, false, false]).auc).toBe(1);
    expect(rocCurve([0.9, 0.8, 0.7, 0.6], [false, false, true, true]).auc).toBe(0);
    expect(rocCurve([0.3, 0.3, 0.3, 0.3, 0.3], [1, 0, 1, 0, 0]).auc).toBe(0.5);
    // positives {0.5, 0.8} vs negatives {0.5, 0.2}: 0.5 (tie) + 1 + 1 + 1 of 4 pairs
    expect(rocCurve([0.5, 0.5, 0.2, 0.8], [1, 0, 0, 1]).auc).toBe(0.875);
  });

  it('equals the Mann-Whitney pair count on a tie-heavy list', () => {
    const scores: number[] = [];
    const labels: number[] = [];
    for (let k = 0; k < 60; k++) {
      scores.push(((k * 37) % 11) / 10); // 11 levels: many ties
      labels.push((k * 5) % 3 === 0 ? 1 : 0); // chosen so ungrouped ties would change the area
    }
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < 60; i++) {
      for (let j = 0; j < 60; j++) {
        if (labels[i] !== 1 || labels[j] !== 0) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(rocCurve(scores, labels).auc).toBeCloseTo(wins / pairs, 12);
  });

  it('returns no AUC without both classes and rejects bad scores', () => {
    expect(rocCurve([0.1, 0.2], [1, 1])).toMatchObject({ positives: 2, negatives: 0, auc: null });
    expect(() => rocCurve([0.1, NaN], [1, 0])).toThrow(/finite/);
  });
});
