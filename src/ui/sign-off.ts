// The sign-off rule: a review is complete when nothing is left unidentified, the counted cells
// reach the target and every frame was analyzed; otherwise the operator may still sign with a
// typed reason (for failed frames: the acknowledgement that the review covers the others only).
import type { DifferentialReport } from '../index.js';
import { UNIDENTIFIED, failedFrames, operatorName, type ReviewState, type SignOff } from './review-state.js';
import { countOf } from './words.js';

/** Failed frames named in a blocker; the rest are counted ("and 4 more"). */
const NAMED_FAILURES = 3;

/** A reason shorter than this is not a reason ("ok", "x"). */
export const MIN_REASON_CHARS = 10;

/** What keeps the review from being complete, in words; empty when complete. */
export function signOffBlockers(state: ReviewState, report: DifferentialReport): string[] {
  const blockers: string[] = [];
  const unidentified = state.cells.filter((cell) => cell.currentClass === UNIDENTIFIED).length;
  if (unidentified > 0) blockers.push(`${countOf(unidentified, 'cell')} still unidentified`);
  if (report.countedCells < report.targetCount) blockers.push(`${report.countedCells} of ${report.targetCount} cells counted`);
  const failed = failedFrames(state).map((frame) => frame.label);
  if (failed.length > 0) {
    const named =
      failed.slice(0, NAMED_FAILURES).join(', ') + (failed.length > NAMED_FAILURES ? ` and ${failed.length - NAMED_FAILURES} more` : '');
    blockers.push(`${failed.length} of ${state.frames.length} frames not analyzed (${named})`);
  }
  if (state.cells.length === 0) blockers.push('no cells analyzed');
  return blockers;
}

export type SignOffAnswer = { accepted: true; signOff: SignOff } | { accepted: false; reason: string };

/**
 * Signs the review off when complete, or when `overrideReason` (typed by the operator) is given
 * for the blockers; records who and when in the state and the log. Refuses without a name.
 */
export function signOffReview(state: ReviewState, report: DifferentialReport, overrideReason: string, at: Date): SignOffAnswer {
  if (state.signOff) return { accepted: false, reason: `already signed off by ${state.signOff.by} at ${state.signOff.at}` };
  if (!state.operator.trim()) return { accepted: false, reason: 'type the operator name before signing off' };
  // A frame still on its way would change the signed review (or be left out of it unsaid).
  const pending = state.pending?.length ?? 0;
  if (pending > 0) return { accepted: false, reason: `${countOf(pending, 'frame')} still being analyzed: wait for them, then sign off` };
  const blockers = signOffBlockers(state, report);
  const reason = overrideReason.trim();
  if (blockers.length > 0 && reason.length < MIN_REASON_CHARS) {
    return {
      accepted: false,
      reason: `review incomplete: ${blockers.join('; ')}. Finish the review, or type a reason (at least ${MIN_REASON_CHARS} characters) to sign off anyway.`,
    };
  }
  const signOff: SignOff = {
    by: operatorName(state),
    at: at.toISOString(),
    overridden: blockers,
    failedFrames: failedFrames(state).map((frame) => frame.label),
    ...(blockers.length ? { overrideReason: reason } : {}),
  };
  state.signOff = signOff;
  state.undoStack = [];
  state.log.push({ action: 'sign-off', at: signOff.at, by: signOff.by, ...(blockers.length ? { reason } : {}) });
  return { accepted: true, signOff };
}
