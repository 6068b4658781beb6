// The number keys of the class bar ('1'-'9' a class, '0' unidentified): one mapping for every view
// that reclassifies the selected cell by key.
import type { ClassInfo } from './station-context.js';

/** The class `event`'s key moves a cell to; undefined for other keys and with Ctrl/Alt/Meta (shortcuts). */
export function classOfKey(classes: readonly ClassInfo[], event: KeyboardEvent): ClassInfo | undefined {
  if (event.altKey || event.metaKey || event.ctrlKey) return undefined;
  return classes.find((info) => info.key === event.key);
}
