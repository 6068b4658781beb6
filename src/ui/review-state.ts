// The review session as plain data: frames, cells with the model's call and the cytologist's,
// the audit log and the sign-off. Pure functions over JSON-able objects, so the same state is
// rendered, stored in IndexedDB and exported without conversion.
import type { CellResult, FrameResult } from '../index.js';
import { countOf } from './words.js';

/** The class a cell is shown under while nobody has decided it: the model abstained. */
export const UNIDENTIFIED = 'unidentified';

export interface ReviewFrame {
  id: number;
  label: string;
  width: number;
  height: number;
  /** The scale the SDK used; absent when the frame failed before it was known. */
  micronsPerPixel?: number;
  /** 'given' (the frame's or the scanner's, typed in the bar), 'frame' (estimated from its
   * erythrocytes) or 'run' (estimated from the frames before it). */
  scaleSource?: FrameResult['scaleSource'];
  /** The SDK's warning that the given scale disagrees with the frame's erythrocytes. */
  scaleWarning?: string;
  /** Set when the SDK could not analyze the frame. */
  error?: string;
}

export interface ReviewCell {
  /** `<frame id>:<cell index in the frame>`, stable across reloads. */
  id: string;
  frameId: number;
  /** Centre, frame pixels. */
  x: number;
  y: number;
  /** The model's patch square [x0, y0, x1, y1], frame pixels. */
  box: [number, number, number, number];
  /** The model's top class (also when it abstained) and its probability. */
  modelClass: string;
  confidence: number;
  modelAbstained: boolean;
  pBlast: number;
  pAtypical: number;
  blastFlag: boolean;
  atypicalFlag: boolean;
  probs: Record<string, number>;
  /** Class activation map of the model's class (feature-map grid, 0..1), when the card has one. */
  cam?: { width: number; height: number; values: number[] };
  /** What the cell is now: a class code or UNIDENTIFIED. */
  currentClass: string;
}

export interface AuditEntry {
  action: 'reclassify' | 'undo' | 'sign-off';
  /** Cell id; absent for sign-off. */
  cell?: string;
  from?: string;
  to?: string;
  /** ISO 8601 time. */
  at: string;
  /** Operator name as typed at the time. */
  by: string;
  /** Sign-off with blockers: the operator's typed reason. */
  reason?: string;
}

export interface SignOff {
  by: string;
  at: string;
  /** Present when the sign-off overrode blockers. */
  overrideReason?: string;
  /** The blockers overridden, in words. */
  overridden: string[];
  /** Labels of the frames not analyzed (failed) when it was signed: the review covers the others only. */
  failedFrames: string[];
}

/** The model a session's cells were classified by (its card's id and version). */
export interface ModelRef {
  id: string;
  version: string;
}

export interface ReviewState {
  version: 1;
  /** The model of every call in the session; absent in sessions saved before it was recorded. */
  model?: ModelRef;
  frames: ReviewFrame[];
  cells: ReviewCell[];
  log: AuditEntry[];
  /** Indices into `log` of reclassifications that can still be undone (newest last). */
  undoStack: number[];
  signOff: SignOff | null;
  operator: string;
  /** The scanner's µm/px as typed in the bar, for the frames still to come (absent: estimated). */
  scannerMicronsPerPixel?: number;
  /** Frames queued for analysis whose results are not back: a reload loses them, and then says so. */
  pending?: PendingFrame[];
}

export interface PendingFrame {
  id: number;
  label: string;
}

export function emptyState(model?: ModelRef): ReviewState {
  return {
    version: 1,
    ...(model ? { model: { ...model } } : {}),
    frames: [],
    cells: [],
    log: [],
    undoStack: [],
    signOff: null,
    operator: '',
  };
}

/** Adds a frame the SDK never analyzed (the station could not hand it over), with why. */
export function addFailedFrame(state: ReviewState, frameId: number, label: string, error: string): ReviewFrame {
  const frame: ReviewFrame = { id: frameId, label, width: 0, height: 0, error };
  state.frames.push(frame);
  return frame;
}

/** Notes a frame queued for analysis (until settleFrame). */
export function queueFrame(state: ReviewState, id: number, label: string): void {
  (state.pending ??= []).push({ id, label });
}

/** Takes a frame off the queued list (its result came back); returns it. */
export function settleFrame(state: ReviewState, id: number): PendingFrame | undefined {
  const i = state.pending?.findIndex((frame) => frame.id === id) ?? -1;
  if (i < 0) return undefined;
  const [frame] = state.pending!.splice(i, 1);
  if (state.pending!.length === 0) delete state.pending;
  return frame;
}

/** Turns every frame still queued into a failed frame with `error` (they will not come back); returns them. */
export function failPending(state: ReviewState, error: string): ReviewFrame[] {
  const failed = (state.pending ?? []).map((frame) => addFailedFrame(state, frame.id, frame.label, error));
  delete state.pending;
  return failed;
}

/** Adds one analyzed frame and its cells; returns the new cells. `frameId` comes from addFrame's caller. */
export function addFrameResult(state: ReviewState, frameId: number, result: FrameResult): ReviewCell[] {
  state.frames.push({
    id: frameId,
    label: result.label ?? `frame ${frameId + 1}`,
    width: result.width,
    height: result.height,
    ...(result.micronsPerPixel !== undefined ? { micronsPerPixel: result.micronsPerPixel, scaleSource: result.scaleSource } : {}),
    ...(result.scaleWarning ? { scaleWarning: result.scaleWarning } : {}),
    ...(result.error ? { error: `${result.error.code}: ${result.error.message}` } : {}),
  });
  const cells = result.cells
    .flatMap((cell) => (cell.decision ? [cell as Classified] : []))
    .map((cell, n) => toReviewCell(frameId, n, cell));
  state.cells.push(...cells);
  return cells;
}

type Classified = CellResult & { decision: NonNullable<CellResult['decision']> };

function toReviewCell(frameId: number, n: number, { x, y, box, decision }: Classified): ReviewCell {
  return {
    id: `${frameId}:${n}`,
    frameId,
    x,
    y,
    box: [...box],
    modelClass: decision.class,
    confidence: decision.confidence,
    modelAbstained: decision.abstained,
    pBlast: decision.pBlast,
    pAtypical: decision.pAtypical,
    blastFlag: decision.blastFlag,
    atypicalFlag: decision.atypicalFlag,
    probs: { ...decision.probs },
    ...(decision.cam ? { cam: { width: decision.cam.width, height: decision.cam.height, values: Array.from(decision.cam.values) } } : {}),
    currentClass: decision.abstained ? UNIDENTIFIED : decision.class,
  };
}

/** Why a change is refused, or null when it may go ahead. */
export function changeRefusal(state: ReviewState): string | null {
  return state.signOff ? `the review was signed off by ${state.signOff.by}; start a new session to change it` : null;
}

/** Why the operator may not change a call now, or null: a signed review is locked, and every
 * change is logged with the operator's name, so there must be one. */
export function reviewRefusal(state: ReviewState): string | null {
  return changeRefusal(state) ?? (state.operator.trim() ? null : 'type the operator name first: every change is logged with it');
}

/**
 * Moves a cell to class `to` (a class code or UNIDENTIFIED) and logs it. Returns false (nothing
 * changed, nothing logged) when the cell already is `to`; throws on an unknown cell or a signed
 * review (the caller checks changeRefusal first to show the reason).
 */
export function reclassify(state: ReviewState, cellId: string, to: string, at: Date): boolean {
  const refusal = changeRefusal(state);
  if (refusal) throw new Error(refusal);
  const cell = state.cells.find((c) => c.id === cellId);
  if (!cell) throw new Error(`no cell ${cellId} in this session`);
  if (cell.currentClass === to) return false;
  state.log.push({ action: 'reclassify', cell: cellId, from: cell.currentClass, to, at: at.toISOString(), by: operatorName(state) });
  state.undoStack.push(state.log.length - 1);
  cell.currentClass = to;
  return true;
}

/** Reverts the newest reclassification still standing (logged as 'undo'); returns its cell id or null. */
export function undo(state: ReviewState, at: Date): string | null {
  if (changeRefusal(state)) return null;
  const index = state.undoStack.pop();
  if (index === undefined) return null;
  const entry = state.log[index];
  const cell = state.cells.find((c) => c.id === entry.cell)!;
  state.log.push({
    action: 'undo',
    cell: cell.id,
    from: cell.currentClass,
    to: entry.from!,
    at: at.toISOString(),
    by: operatorName(state),
  });
  cell.currentClass = entry.from!;
  return cell.id;
}

/** The frames the SDK could not analyze. */
export function failedFrames(state: ReviewState): ReviewFrame[] {
  return state.frames.filter((frame) => frame.error);
}

/** "9 frames (2 failed)": wherever the frame count is shown, the failures are shown with it. */
export function frameCount(state: ReviewState): string {
  const n = state.frames.length;
  const failed = failedFrames(state).length;
  return `${countOf(n, 'frame')}${failed ? ` (${failed} failed)` : ''}`;
}

export function operatorName(state: ReviewState): string {
  return state.operator.trim() || '(no operator name)';
}

/** The cells of each frame, in session order. */
export function cellsByFrame(cells: readonly ReviewCell[]): Map<number, ReviewCell[]> {
  const byFrame = new Map<number, ReviewCell[]>();
  for (const cell of cells) {
    const list = byFrame.get(cell.frameId);
    if (list) list.push(cell);
    else byFrame.set(cell.frameId, [cell]);
  }
  return byFrame;
}
