// Class colours. Okabe-Ito's colour-blind-safe set first; colour is never the only cue (every
// outline and tile also carries the class code in text, unidentified cells a dashed outline).
import { UNIDENTIFIED } from './review-state.js';

const OKABE_ITO = ['#d55e00', '#0072b2', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#7a6a00', '#5d3a9b'];
const UNIDENTIFIED_COLOUR = '#3d3d3d';

/** A colour per class code in model output order; UNIDENTIFIED is grey. */
export function classColours(codes: readonly string[]): Map<string, string> {
  const colours = new Map<string, string>(codes.map((code, i) => [code, OKABE_ITO[i % OKABE_ITO.length]]));
  colours.set(UNIDENTIFIED, UNIDENTIFIED_COLOUR);
  return colours;
}
