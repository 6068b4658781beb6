// How closely a float16 graph follows its float32 graph on the same cells: used by record-fp16.mjs
// (the figures in the cards) and by the fp16 tests (test/node/fp16.test.ts, test/browser/fp16.test.ts).

/**
 * `fp32` and `fp16`: per cell, in the same order, the class probabilities by class code. Returns
 * the cell count, the fraction with the same top-1 class (ties: the first code in `Object.keys`
 * order, as the SDK decides) and the largest |p_fp16 - p_fp32| over every cell and class.
 */
export function dtypeAgreement(fp32, fp16) {
  if (fp32.length !== fp16.length) throw new Error(`fp32 has ${fp32.length} cells, fp16 ${fp16.length}`);
  const top = (probs) => Object.keys(probs).reduce((best, code) => (probs[code] > probs[best] ? code : best));
  let same = 0;
  let maxProbabilityDifference = 0;
  fp32.forEach((probs, i) => {
    if (top(probs) === top(fp16[i])) same++;
    for (const code of Object.keys(probs)) {
      const other = fp16[i][code];
      if (typeof other !== 'number') throw new Error(`cell ${i}: fp16 has no probability for ${code}`);
      maxProbabilityDifference = Math.max(maxProbabilityDifference, Math.abs(probs[code] - other));
    }
  });
  return { cells: fp32.length, top1Agreement: fp32.length ? same / fp32.length : 0, maxProbabilityDifference };
}
