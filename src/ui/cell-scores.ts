// The per-cell group scores a model measures: P_blast only when its scheme has a blast class,
// P_atypical only with an atypical class. Without the class the SDK's 0 is no measurement, and
// "blast 0.00" would read as one.
import type { Scheme } from './differential.js';
import type { ReviewCell } from './review-state.js';

export interface CellScore {
  name: 'blast' | 'atypical';
  value: number;
  flagged: boolean;
}

export function cellScores(cell: ReviewCell, scheme: Scheme): CellScore[] {
  const scores: CellScore[] = [];
  if (scheme.blastIndices.length > 0) scores.push({ name: 'blast', value: cell.pBlast, flagged: cell.blastFlag });
  if (scheme.atypicalIndices.length > 0) scores.push({ name: 'atypical', value: cell.pAtypical, flagged: cell.atypicalFlag });
  return scores;
}
