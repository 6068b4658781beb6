// The tests' entry to a scope's failure hooks (not part of the public API in src/index.ts). Works
// with a scope from any bundle of smearscope: the hooks sit under Symbol.for('smearscope.testing').
import type { Scope } from './api-types.js';
import { TESTING_HOOKS, type ScopeTesting } from './testing-hooks.js';

export type { ScopeTesting } from './testing-hooks.js';

/** The failure hooks of a scope made by createScope. */
export function testingHooks(scope: Scope): ScopeTesting {
  const hooks = (scope as Scope & { [TESTING_HOOKS]?: ScopeTesting })[TESTING_HOOKS];
  if (!hooks) throw new TypeError('not a scope made by createScope');
  return hooks;
}
