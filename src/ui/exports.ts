// What leaves the station, by the operator's hand only: the JSON record (report + reviewed
// classes + audit log), a CSV of the cells, and (elsewhere) the printed page.
import type { DifferentialReport } from '../index.js';
import { UNIDENTIFIED, type AuditEntry, type ReviewFrame, type ReviewState, type SignOff } from './review-state.js';

export interface ReviewExport {
  format: 'smearscope-review/1';
  exportedAt: string;
  model: { id: string; version: string };
  report: DifferentialReport;
  frames: ReviewFrame[];
  cells: Array<{
    id: string;
    frame: string;
    x: number;
    y: number;
    box: [number, number, number, number];
    modelClass: string;
    modelConfidence: number;
    modelAbstained: boolean;
    pBlast: number;
    pAtypical: number;
    reviewedClass: string;
    changed: boolean;
  }>;
  log: AuditEntry[];
  signOff: SignOff | null;
}

/** The JSON record of the session (a new object; the state is not kept by reference). */
export function reviewExport(
  state: ReviewState,
  report: DifferentialReport,
  model: { id: string; version: string },
  at: Date,
): ReviewExport {
  const labels = new Map(state.frames.map((frame) => [frame.id, frame.label]));
  return {
    format: 'smearscope-review/1',
    exportedAt: at.toISOString(),
    model: { id: model.id, version: model.version },
    report,
    frames: state.frames.map((frame) => ({ ...frame })),
    cells: state.cells.map((cell) => ({
      id: cell.id,
      frame: labels.get(cell.frameId) ?? String(cell.frameId),
      x: cell.x,
      y: cell.y,
      box: [...cell.box],
      modelClass: cell.modelClass,
      modelConfidence: cell.confidence,
      modelAbstained: cell.modelAbstained,
      pBlast: cell.pBlast,
      pAtypical: cell.pAtypical,
      reviewedClass: cell.currentClass,
      changed: cell.currentClass !== (cell.modelAbstained ? UNIDENTIFIED : cell.modelClass),
    })),
    log: state.log.map((entry) => ({ ...entry })),
    signOff: state.signOff ? { ...state.signOff } : null,
  };
}

const CSV_COLUMNS = [
  'cell',
  'frame',
  'x',
  'y',
  'model_class',
  'model_confidence',
  'model_abstained',
  'p_blast',
  'p_atypical',
  'reviewed_class',
  'changed',
] as const;

/** One row per cell (RFC 4180 quoting), then nothing else: the differential is in the JSON. */
export function cellsCsv(record: ReviewExport): string {
  const rows = record.cells.map((cell) => [
    cell.id,
    cell.frame,
    cell.x.toFixed(1),
    cell.y.toFixed(1),
    cell.modelClass,
    cell.modelConfidence.toFixed(4),
    String(cell.modelAbstained),
    cell.pBlast.toFixed(4),
    cell.pAtypical.toFixed(4),
    cell.reviewedClass,
    String(cell.changed),
  ]);
  return [CSV_COLUMNS as readonly string[], ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A stored session this station could not open (another model's): kept as it was stored. */
export interface StoredSessionExport {
  format: 'smearscope-review-session/1';
  exportedAt: string;
  /** Why it was not opened here. */
  notOpened: string;
  session: ReviewState;
}

export function storedSessionExport(state: ReviewState, notOpened: string, at: Date): StoredSessionExport {
  return { format: 'smearscope-review-session/1', exportedAt: at.toISOString(), notOpened, session: structuredClone(state) };
}
