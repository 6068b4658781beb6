// Seeded pseudo-random numbers for tests: every random input is reproducible from its seed,
// so a failing case can be replayed exactly.

/** mulberry32(seed): () => float in [0, 1). The SDK's own PRNG (stain jitter uses it too). */
export { mulberry32 } from '../../src/seeded-random.js';

/** A uniform integer in [lo, hi] (both inclusive). */
export function randomInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
