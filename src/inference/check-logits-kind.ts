import { SmearscopeError } from '../errors.js';

/** A row of probabilities sums to 1 within this (float32 softmax over a few classes: ~1e-6). */
const SUM_TOLERANCE = 1e-3;

/**
 * MODEL_MISMATCH when the graph's logits output gives probabilities: every row of `logits`
 * ([rows, classCount], from the warm-up batch) in [0, 1] and summing to 1. The SDK applies softmax
 * itself, and softmax of probabilities squashes them toward uniform (5 classes: never above 0.41),
 * so every cell would abstain at the default threshold with nothing said. Log-probabilities are
 * fine (softmax ignores a per-row constant). Only reads `logits`.
 */
export function checkLogitsNotProbabilities(logits: Float32Array, classCount: number, modelId: string, outputName: string): void {
  const rows = Math.floor(logits.length / classCount);
  if (rows === 0 || classCount < 2) return;
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let k = row * classCount; k < (row + 1) * classCount; k++) {
      const value = logits[k];
      if (!(value >= 0 && value <= 1)) return;
      sum += value;
    }
    if (Math.abs(sum - 1) > SUM_TOLERANCE) return;
  }
  throw new SmearscopeError(
    'MODEL_MISMATCH',
    `model "${modelId}": its output "${outputName}" gives probabilities (every row of a warm-up batch lies in [0, 1] and sums to 1), ` +
      "but smearscope applies softmax to logits itself; export the graph without its final Softmax, or name the tensor before it in the card's outputs.logits",
  );
}
