/**
 * Deterministic weights for untrained reference graphs: a seeded PRNG and initializers drawn from
 * it. The same seed and the same sequence of calls give bit-identical Float32Arrays on every host.
 */
import { SmearscopeError } from '../../src/errors.js';
import { mulberry32 } from '../../src/seeded-random.js';

/** Uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * The seeded generator of the zoo: src/kernels' mulberry32 (fast, 2^32 period, good enough for
 * weights whose only job is to be reproducible and not degenerate), after checking that `seed` is an
 * integer in [0, 2^32).
 */
export function seededRandom(seed: number): RandomSource {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new SmearscopeError('INVALID_ARGUMENT', `seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  return mulberry32(seed);
}

/** `count` values uniform in [-bound, bound). The caller owns the returned array. */
export function uniformFloats(random: RandomSource, count: number, bound: number): Float32Array {
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) values[index] = (2 * random() - 1) * bound;
  return values;
}

/**
 * He (Kaiming) uniform for a layer followed by ReLU: variance 2 / fanIn, so activations keep their
 * scale through depth. `fanIn` = inputs per output (in channels / group x kernel area).
 */
export function heUniform(random: RandomSource, count: number, fanIn: number): Float32Array {
  return uniformFloats(random, count, Math.sqrt(6 / fanIn));
}

/** `count` copies of `value`. The caller owns the returned array. */
export function constantFloats(count: number, value: number): Float32Array {
  return new Float32Array(count).fill(value);
}
