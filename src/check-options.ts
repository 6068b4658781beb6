import { SmearscopeError } from './errors.js';

// Synchronous checks of public options: each throws INVALID_ARGUMENT naming the option, the value
// and what is allowed, and accepts `undefined` (the option's default applies).

/** The options object itself: undefined (no options) or a plain object. */
export function checkOptionsObject(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw invalid(`${name} must be an object of options`, value);
  }
}

/** An integer in [low, high]. */
export function checkInteger(name: string, value: unknown, low: number, high: number): void {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) >= low && (value as number) <= high)) {
    throw invalid(`${name} must be an integer from ${low} to ${high}`, value);
  }
}

/** A finite number above 0 (and at most `high`). */
export function checkPositive(name: string, value: unknown, high = Number.MAX_VALUE): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && value <= high)) {
    throw invalid(`${name} must be a positive number${high < Number.MAX_VALUE ? ` up to ${high}` : ''}`, value);
  }
}

/** A required string option (undefined is refused too): a non-empty string, described by `what`. */
export function checkRequiredString(name: string, value: unknown, what = 'a non-empty string'): void {
  if (typeof value !== 'string' || value === '') throw invalid(`${name} must be ${what}`, value);
}

/** A required non-empty array (its items are the caller's to check). */
export function checkNonEmptyArray(name: string, value: unknown, what: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(`${name} must be a non-empty array of ${what}`, value);
}

export function checkChoice(name: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) throw invalid(`${name} must be one of ${allowed.join(', ')}`, value);
}

export function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw invalid(`${name} must be true or false`, value);
}

export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw invalid(`${name} must be a function`, value);
}

/**
 * INVALID_ARGUMENT for a key of `value` that `known` does not list: a misspelt option (`batchsize`,
 * `microsPerPixel`) would otherwise be ignored and its default used in silence. Names the closest
 * known key when one is near (case, or two edits).
 */
export function checkKnownKeys(name: string, value: object | undefined, known: Readonly<Record<string, true>>): void {
  if (value === undefined) return;
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(known, key)) continue;
    const near = nearestKey(key, known);
    throw new SmearscopeError(
      'INVALID_ARGUMENT',
      `${name}: unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${Object.keys(known).join(', ')}`,
    );
  }
}

/** The key of `known` that `key` was probably meant to be (the same but for case, or two edits away), if any. */
export function nearestKey(key: string, known: Readonly<Record<string, true>>): string | undefined {
  return Object.keys(known).find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
}

/** Levenshtein distance of two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function invalid(what: string, value: unknown): SmearscopeError {
  let shown: string;
  try {
    shown = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  return new SmearscopeError('INVALID_ARGUMENT', `${what}, got ${shown.length > 60 ? shown.slice(0, 57) + '...' : shown}`);
}
