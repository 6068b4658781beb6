import { SmearscopeError } from '../errors.js';
import { mergeThresholds } from './cell-thresholds.js';
import type { CellThresholds, ResolvedScheme } from './scheme-types.js';

export type AbstainReason = 'abstain-class' | 'low-confidence';

/** What the SDK says about one cell. Abstained cells keep their top class for review. */
export interface CellDecision {
  /** Top class code (argmax; the first on ties), also when abstained. */
  class: string;
  /** Index of `class` in the model's output order. */
  classIndex: number;
  /** Probability of the top class, in [0, 1]. */
  confidence: number;
  /** True when the cell must not enter the differential: see `abstainReason`. */
  abstained: boolean;
  abstainReason?: AbstainReason;
  /** Sum of the blast-group probabilities (Matek et al. 2019), in [0, 1]. */
  pBlast: number;
  /** Sum of the atypical-group probabilities, in [0, 1]. */
  pAtypical: number;
  /** pBlast >= thresholds.blast (false when the model has no blast class). */
  blastFlag: boolean;
  /** pAtypical >= thresholds.atypical (false when the model has no atypical class). */
  atypicalFlag: boolean;
}

/**
 * Decides one cell from its class probabilities (`probs.length === scheme.classCount`, model
 * output order; read only). Decision = argmax; the cell is abstained when the top class is in
 * the abstain group ('abstain-class', checked first) or its probability is below
 * thresholds.confidence ('low-confidence'). `thresholds` override the scheme's (card over
 * defaults) field by field. Throws INVALID_ARGUMENT on a length mismatch or NaN.
 */
export function decideCell(probs: ArrayLike<number>, scheme: ResolvedScheme, thresholds?: Partial<CellThresholds>): CellDecision {
  if (probs.length !== scheme.classCount) {
    throw new SmearscopeError('INVALID_ARGUMENT', `got ${probs.length} probabilities for a model with ${scheme.classCount} classes`);
  }
  const limits = thresholds
    ? mergeThresholds(scheme.thresholds, thresholds, 'INVALID_ARGUMENT', 'decideCell thresholds')
    : scheme.thresholds;
  let top = 0;
  for (let i = 0; i < probs.length; i++) {
    if (Number.isNaN(probs[i])) throw new SmearscopeError('INVALID_ARGUMENT', `probability ${i} is NaN`);
    if (probs[i] > probs[top]) top = i;
  }
  const confidence = probs[top];
  const pBlast = groupSum(probs, scheme.blastIndices);
  const pAtypical = groupSum(probs, scheme.atypicalIndices);
  const abstainReason: AbstainReason | undefined = scheme.abstainIndices.includes(top)
    ? 'abstain-class'
    : confidence < limits.confidence
      ? 'low-confidence'
      : undefined;
  return {
    class: scheme.classes[top].code,
    classIndex: top,
    confidence,
    abstained: abstainReason !== undefined,
    ...(abstainReason ? { abstainReason } : {}),
    pBlast,
    pAtypical,
    blastFlag: scheme.blastIndices.length > 0 && pBlast >= limits.blast,
    atypicalFlag: scheme.atypicalIndices.length > 0 && pAtypical >= limits.atypical,
  };
}

function groupSum(probs: ArrayLike<number>, indices: readonly number[]): number {
  let sum = 0;
  for (const i of indices) sum += probs[i];
  return sum;
}
