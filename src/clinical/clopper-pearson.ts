import { SmearscopeError } from '../errors.js';
import { betaQuantile } from './incomplete-beta.js';

/**
 * Exact (Clopper-Pearson) confidence interval of a binomial proportion: `successes` of
 * `trials`, two-sided at `confidence` (default 0.95). Returns [lower, upper] as proportions in
 * [0, 1]: lower = Beta quantile α/2 of (x, n - x + 1), upper = quantile 1 - α/2 of (x + 1, n - x),
 * with lower = 0 at x = 0 and upper = 1 at x = n. Conservative: coverage is at least `confidence`
 * for every true proportion, which is why a differential of a few hundred cells uses it rather
 * than the normal approximation (which fails near 0 %, where blasts usually are).
 */
export function clopperPearson(successes: number, trials: number, confidence = 0.95): [number, number] {
  if (!Number.isInteger(trials) || trials < 1) {
    throw new SmearscopeError('INVALID_ARGUMENT', `trials must be a positive integer, got ${trials}`);
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new SmearscopeError('INVALID_ARGUMENT', `successes must be an integer in [0, ${trials}], got ${successes}`);
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `confidence must lie in (0, 1), got ${confidence}`);
  }
  const alpha = 1 - confidence;
  const lower = successes === 0 ? 0 : betaQuantile(alpha / 2, successes, trials - successes + 1);
  const upper = successes === trials ? 1 : betaQuantile(1 - alpha / 2, successes + 1, trials - successes);
  return [lower, upper];
}
