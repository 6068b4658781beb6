import { SmearscopeError } from '../errors.js';
import type { ResolvedScheme } from './scheme-types.js';

/** Counts of (truth, prediction) pairs; rows = truth, columns = prediction, model output order. */
export interface ConfusionMatrix {
  classCount: number;
  counts: number[][];
  /** Each row divided by its sum (the class's support); all zeros for a class with no support. */
  rowNormalized: number[][];
}

/**
 * Confusion matrix of class indices in [0, classCount). `truthIndices` and `predictedIndices`
 * are read only and must have equal length. Throws INVALID_ARGUMENT otherwise.
 */
export function confusionMatrix(truthIndices: ArrayLike<number>, predictedIndices: ArrayLike<number>, classCount: number): ConfusionMatrix {
  if (truthIndices.length !== predictedIndices.length) {
    throw new SmearscopeError('INVALID_ARGUMENT', `${truthIndices.length} truths but ${predictedIndices.length} predictions`);
  }
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let k = 0; k < truthIndices.length; k++) {
    const truth = truthIndices[k];
    const predicted = predictedIndices[k];
    if (!isClassIndex(truth, classCount) || !isClassIndex(predicted, classCount)) {
      throw new SmearscopeError(
        'INVALID_ARGUMENT',
        `cell ${k}: class indices must lie in [0, ${classCount}), got truth ${truth}, prediction ${predicted}`,
      );
    }
    counts[truth][predicted]++;
  }
  const rowNormalized = counts.map((row) => {
    const support = row.reduce((a, b) => a + b, 0);
    return row.map((n) => (support > 0 ? n / support : 0));
  });
  return { classCount, counts, rowNormalized };
}

function isClassIndex(value: number, classCount: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < classCount;
}

/** Precision and recall of one class; null where the denominator is 0. */
export interface ClassMetrics {
  /** Cells whose truth is this class. */
  support: number;
  /** Cells predicted as this class. */
  predicted: number;
  precision: number | null;
  recall: number | null;
  /** As in Table 1 of Matek et al. 2021: a prediction of a tolerated neighbour counts as correct. */
  tolerantPrecision: number | null;
  tolerantRecall: number | null;
}

/**
 * Strict and tolerant precision/recall per class from confusion counts. `tolerant` is the
 * classCount x classCount matrix of ResolvedScheme.tolerant (row truth, column prediction, 1 =
 * accepted, diagonal included); without it the tolerant values equal the strict ones.
 * Tolerant recall of c = cells of truth c predicted as c or a neighbour / support(c); tolerant
 * precision of c = cells predicted c whose truth is c or a neighbour / predicted(c).
 */
export function classMetrics(confusion: ConfusionMatrix, tolerant?: Uint8Array): ClassMetrics[] {
  const { classCount, counts } = confusion;
  if (tolerant && tolerant.length !== classCount * classCount) {
    throw new SmearscopeError('INVALID_ARGUMENT', `tolerance matrix has ${tolerant.length} entries, needs ${classCount * classCount}`);
  }
  const accepted = (truth: number, predicted: number): boolean =>
    truth === predicted || (tolerant !== undefined && tolerant[truth * classCount + predicted] === 1);
  const ratio = (numerator: number, denominator: number): number | null => (denominator > 0 ? numerator / denominator : null);
  return counts.map((_, c) => {
    let support = 0;
    let predicted = 0;
    let tolerantRecalled = 0;
    let tolerantPrecise = 0;
    for (let other = 0; other < classCount; other++) {
      support += counts[c][other];
      predicted += counts[other][c];
      if (accepted(c, other)) tolerantRecalled += counts[c][other];
      if (accepted(other, c)) tolerantPrecise += counts[other][c];
    }
    return {
      support,
      predicted,
      precision: ratio(counts[c][c], predicted),
      recall: ratio(counts[c][c], support),
      tolerantPrecision: ratio(tolerantPrecise, predicted),
      tolerantRecall: ratio(tolerantRecalled, support),
    };
  });
}

/** Mean recall over the classes with support > 0 (null when there are none). */
export function balancedAccuracy(perClass: readonly ClassMetrics[], kind: 'strict' | 'tolerant' = 'strict'): number | null {
  const recalls = perClass.flatMap((m) => {
    const recall = kind === 'strict' ? m.recall : m.tolerantRecall;
    return m.support > 0 && recall !== null ? [recall] : [];
  });
  return recalls.length > 0 ? recalls.reduce((a, b) => a + b, 0) / recalls.length : null;
}

export interface ClassifierEvaluation {
  /** Class codes in model output order: the order of the confusion rows and columns. */
  classes: string[];
  cellCount: number;
  accuracy: number | null;
  balancedAccuracy: number | null;
  tolerantBalancedAccuracy: number | null;
  confusion: ConfusionMatrix;
  perClass: Record<string, ClassMetrics>;
}

/**
 * Everything `smearscope eval` reports about class decisions: confusion matrix, strict and
 * tolerant per-class metrics (tolerance from the scheme), accuracy and balanced accuracy.
 * Indices are in the scheme's (model output) order.
 */
export function evaluateClassifier(
  truthIndices: ArrayLike<number>,
  predictedIndices: ArrayLike<number>,
  scheme: ResolvedScheme,
): ClassifierEvaluation {
  const confusion = confusionMatrix(truthIndices, predictedIndices, scheme.classCount);
  const metrics = classMetrics(confusion, scheme.tolerant);
  let correct = 0;
  for (let c = 0; c < scheme.classCount; c++) correct += confusion.counts[c][c];
  const cellCount = truthIndices.length;
  return {
    classes: scheme.classes.map((c) => c.code),
    cellCount,
    accuracy: cellCount > 0 ? correct / cellCount : null,
    balancedAccuracy: balancedAccuracy(metrics, 'strict'),
    tolerantBalancedAccuracy: balancedAccuracy(metrics, 'tolerant'),
    confusion,
    perClass: Object.fromEntries(scheme.classes.map((c, i) => [c.code, metrics[i]])),
  };
}

/** ROC curve of a score against binary labels. */
export interface RocCurve {
  positives: number;
  negatives: number;
  /** Points from (0, 0) to (1, 1), one per distinct score: a cell is called positive when its
   * score >= thresholds[i] (thresholds[0] = +Infinity calls none). Empty when a class is missing. */
  thresholds: number[];
  falsePositiveRate: number[];
  truePositiveRate: number[];
  /** Area under the curve by the trapezoid rule, which equals the Mann-Whitney probability that
   * a positive outscores a negative with ties counted one half. Null without both classes. */
  auc: number | null;
}

/** ROC curve and AUC of `scores` (finite numbers) against `labels` (true/1 = positive); read only. */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<boolean | number>): RocCurve {
  if (scores.length !== labels.length) {
    throw new SmearscopeError('INVALID_ARGUMENT', `${scores.length} scores but ${labels.length} labels`);
  }
  let positives = 0;
  for (let k = 0; k < scores.length; k++) {
    if (!Number.isFinite(scores[k])) throw new SmearscopeError('INVALID_ARGUMENT', `score ${k} is ${scores[k]}; scores must be finite`);
    if (labels[k]) positives++;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) {
    return { positives, negatives, thresholds: [], falsePositiveRate: [], truePositiveRate: [], auc: null };
  }
  const order = Array.from({ length: scores.length }, (_, k) => k).sort((a, b) => scores[b] - scores[a]);
  const thresholds = [Infinity];
  const falsePositiveRate = [0];
  const truePositiveRate = [0];
  let truePositives = 0;
  let falsePositives = 0;
  let auc = 0;
  // Tied scores move together in one step: the diagonal segment gives the one-half credit of a tie.
  for (let start = 0; start < order.length; ) {
    const threshold = scores[order[start]];
    let end = start;
    while (end < order.length && scores[order[end]] === threshold) {
      if (labels[order[end]]) truePositives++;
      else falsePositives++;
      end++;
    }
    const fpr = falsePositives / negatives;
    const tpr = truePositives / positives;
    auc += ((fpr - falsePositiveRate[falsePositiveRate.length - 1]) * (tpr + truePositiveRate[truePositiveRate.length - 1])) / 2;
    thresholds.push(threshold);
    falsePositiveRate.push(fpr);
    truePositiveRate.push(tpr);
    start = end;
  }
  return { positives, negatives, thresholds, falsePositiveRate, truePositiveRate, auc };
}
