import { SmearscopeError } from '../errors.js';

/** Exit codes of every command (documented in their --help): usage and fatal errors are 2, so
 * scripts can tell them from "the run finished, some frames failed" (1). */
export const EXIT = {
  ok: 0,
  someFramesFailed: 1,
  usageOrFatal: 2,
  /** status --out before the slide has a report: nothing written, not an error; ask again later. */
  slideNotDone: 3,
} as const;

/** A numeric option's value, or undefined when absent; INVALID_ARGUMENT when not a positive number. */
export function positiveNumber(name: string, value: string | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number))) {
    throw new SmearscopeError('INVALID_ARGUMENT', `--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  }
  return number;
}

/** One of `allowed`, or undefined when absent; INVALID_ARGUMENT naming the choices otherwise. */
export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SmearscopeError('INVALID_ARGUMENT', `--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

/** --stain-normalization on|off as a boolean, or undefined when absent (the card decides). */
export function onOff(name: string, value: string | undefined): boolean | undefined {
  const choice = oneOf(name, value, ['on', 'off'] as const);
  return choice === undefined ? undefined : choice === 'on';
}
