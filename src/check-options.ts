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

export function checkChoice(name: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) throw invalid(`${name} must be one of ${allowed.join(', ')}`, value);
}

export function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw invalid(`${name} must be true or false`, value);
}

export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw invalid(`${name} must be a function`, value);
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
