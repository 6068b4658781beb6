// The differential of the reviewed classes: the SDK's own slide (createSlide) fed with each
// cell's current class, so counts, intervals and flags are computed exactly as the SDK reports
// them, only with the cytologist's corrections.
import { createSlide, type DifferentialReport, type ResolvedScheme } from '../index.js';
import { UNIDENTIFIED, cellsByFrame, type ReviewCell, type ReviewState } from './review-state.js';

export type Scheme = ResolvedScheme;

/** The report of the session as reviewed now; the target defaults to the routine 200 cells. */
export function reviewedDifferential(state: ReviewState, scheme: Scheme, targetCount: number): DifferentialReport {
  const slide = createSlide({ scheme, targetCount });
  const byFrame = cellsByFrame(state.cells);
  for (const frame of state.frames) {
    if (frame.error) continue; // as `smearscope analyze`: a failed frame is not part of the slide
    // No stage positions: a reviewed session counts every cell shown (no cross-frame deduplication).
    slide.add({
      cells: (byFrame.get(frame.id) ?? []).map((cell) => ({ decision: reviewedDecision(cell, scheme) })),
      ...(frame.scaleWarning ? { scaleWarning: frame.scaleWarning } : {}),
    });
  }
  return slide.report();
}

/**
 * The decision the slide counts: the current class, never abstained unless it is UNIDENTIFIED
 * (then the model's top class, abstained as low confidence, as the SDK lists abstentions). The
 * per-cell scores stay the model's: a reclassification does not change what the model measured.
 */
function reviewedDecision(cell: ReviewCell, scheme: Scheme) {
  const unidentified = cell.currentClass === UNIDENTIFIED;
  const code = unidentified ? cell.modelClass : cell.currentClass;
  const classIndex = scheme.indexByCode.get(code);
  if (classIndex === undefined) throw new Error(`class ${code} of cell ${cell.id} is not in scheme ${scheme.schemeId}`);
  return {
    class: code,
    classIndex,
    confidence: cell.confidence,
    abstained: unidentified,
    ...(unidentified ? { abstainReason: 'low-confidence' as const } : {}),
    pBlast: cell.pBlast,
    pAtypical: cell.pAtypical,
    blastFlag: cell.blastFlag,
    atypicalFlag: cell.atypicalFlag,
  };
}
