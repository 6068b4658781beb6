// A vendor's graph that ends in Softmax gives probabilities where the card promises logits; the SDK
// applies softmax itself, so every confidence would be squashed toward uniform and every cell
// abstain with nothing said. createScope refuses it at load (MODEL_MISMATCH); the same graph
// without its Softmax loads.
import { describe, expect, it } from 'vitest';
import { createScope } from '../../dist/node/index.js';
import { checkLogitsNotProbabilities } from '../../src/inference/check-logits-kind.js';
import { tinyModel } from '../support/tiny-model.js';

describe('a graph whose logits output gives probabilities', () => {
  it('is refused at load with MODEL_MISMATCH naming the output; without its Softmax it loads', async () => {
    await expect(createScope({ model: tinyModel({ softmax: true }), backend: 'wasm', workers: 1, batchSize: 2 })).rejects.toMatchObject({
      code: 'MODEL_MISMATCH',
      message: expect.stringMatching(/output "logits" gives probabilities .* without its final Softmax/),
    });
    const scope = await createScope({ model: tinyModel(), backend: 'wasm', workers: 1, batchSize: 2 });
    await scope.dispose();
  }, 120_000);

  it('only rows that all lie in [0, 1] and sum to 1 count as probabilities', () => {
    const refuse = (values: number[], classes: number) => () =>
      checkLogitsNotProbabilities(Float32Array.from(values), classes, 'm', 'logits');
    expect(refuse([0.1, 0.2, 0.7, 0.5, 0.25, 0.25], 3)).toThrow(expect.objectContaining({ code: 'MODEL_MISMATCH' }));
    expect(refuse([0.1, 0.2, 0.7, 0.5, 0.25, 0.3], 3)).not.toThrow(); // one row sums to 1.05
    expect(refuse([-0.1, 0.4, 0.7], 3)).not.toThrow(); // a negative value: logits
    expect(refuse([-2.3, -1.6, -0.36], 3)).not.toThrow(); // log-probabilities: softmax undoes them
    expect(refuse([1], 1)).not.toThrow(); // one class: nothing to tell
  });
});
