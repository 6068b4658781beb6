// Whether a stored session may be opened under the model loaded now. Its cells carry another
// model's calls and probabilities, and its classes may not exist in this model's scheme: counted
// with this scheme they would be wrong, or not countable at all.
import type { Scheme } from './differential.js';
import { UNIDENTIFIED, type ModelRef, type ReviewState } from './review-state.js';

/** Why `state` cannot be opened under `model`, in words; null when it can. */
export function foreignSessionReason(state: ReviewState, model: ModelRef, scheme: Scheme): string | null {
  if (state.model && (state.model.id !== model.id || state.model.version !== model.version)) {
    return `it was made with model ${state.model.id} ${state.model.version}, and ${model.id} ${model.version} is loaded now`;
  }
  // A session saved before the model was recorded: its classes are all there is to go by.
  const codes = new Set(state.cells.flatMap((cell) => [cell.modelClass, cell.currentClass]));
  const unknown = [...codes].filter((code) => code !== UNIDENTIFIED && !scheme.indexByCode.has(code));
  if (unknown.length > 0) {
    return `its classes ${unknown.join(', ')} are not classes of model ${model.id} ${model.version}, loaded now`;
  }
  return null;
}
