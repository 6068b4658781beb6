import { SmearscopeError } from '../errors.js';

/**
 * Softmax of one cell's logits inside a batch.
 *
 * Reads `logitsBatch[cellIndex * classCount ..+ classCount]` (a row of the model's [N, C]
 * output) and writes the probabilities to `probsOut[0 ..< classCount]`; returns `probsOut`.
 * The caller owns both buffers; nothing is allocated, so one `probsOut` can be reused per cell.
 *
 * Numerically stable: the row maximum is subtracted before exp, so logits of any magnitude give
 * finite results. +Infinity logits share all the mass (the limit); an all -Infinity row gives the
 * uniform distribution. A NaN logit means a broken model output and throws INVALID_ARGUMENT.
 */
export function softmaxInto(logitsBatch: Float32Array, cellIndex: number, classCount: number, probsOut: Float32Array): Float32Array {
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new SmearscopeError('INVALID_ARGUMENT', `classCount must be a positive integer, got ${classCount}`);
  }
  const offset = cellIndex * classCount;
  if (!Number.isInteger(cellIndex) || cellIndex < 0 || offset + classCount > logitsBatch.length) {
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `cell ${cellIndex} with ${classCount} classes is outside a logits batch of ${logitsBatch.length} values`,
    );
  }
  if (probsOut.length < classCount) {
    throw new SmearscopeError('INVALID_ARGUMENT', `probsOut holds ${probsOut.length} values, needs ${classCount}`);
  }
  let max = -Infinity;
  for (let i = 0; i < classCount; i++) {
    const logit = logitsBatch[offset + i];
    if (Number.isNaN(logit)) {
      throw new SmearscopeError('INVALID_ARGUMENT', `logit ${i} of cell ${cellIndex} is NaN; the model output is broken`);
    }
    if (logit > max) max = logit;
  }
  if (max === Infinity || max === -Infinity) {
    // exp(x - max) is NaN here; the limit puts equal mass on the entries equal to max.
    let ties = 0;
    for (let i = 0; i < classCount; i++) ties += logitsBatch[offset + i] === max ? 1 : 0;
    for (let i = 0; i < classCount; i++) probsOut[i] = logitsBatch[offset + i] === max ? 1 / ties : 0;
    return probsOut;
  }
  // Accumulate in float64 (JS numbers) so 10^4-class rows lose no precision.
  let sum = 0;
  for (let i = 0; i < classCount; i++) {
    const e = Math.exp(logitsBatch[offset + i] - max);
    probsOut[i] = e;
    sum += e;
  }
  const inverse = 1 / sum; // sum >= 1: the max term is exp(0)
  for (let i = 0; i < classCount; i++) probsOut[i] *= inverse;
  return probsOut;
}
