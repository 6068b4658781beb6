import { SmearscopeError } from '../errors.js';
import { clopperPearson } from './clopper-pearson.js';
import type { CellDecision } from './decide-cell.js';
import type { Lineage, ResolvedScheme } from './scheme-types.js';
import {
  DEFAULT_SCREENING_FLAGS,
  evaluateScreeningFlags,
  type MeasuredPercent,
  type ScreeningFlag,
  type ScreeningFlagRule,
} from './screening-flags.js';
import { createStageIndex } from './stage-index.js';

export const SCREENING_DISCLAIMER =
  'Screening aid for a qualified cytologist, not a diagnosis. Counts, percentages, intervals and ' +
  'flags come from an automated classifier and must be reviewed on the slide before any clinical use.';

/**
 * Default deduplication radius, microns. The same cell seen in two overlapping frames lands within
 * localization jitter plus stage repeatability of itself (about 1-2 um); centres of two distinct
 * leukocytes (7 um and more across) are rarely closer than 7 um. 4 um sits between the two.
 */
export const DEFAULT_DEDUP_RADIUS_MICRONS = 4;

/** One cell of a frame, as the pipeline hands it to the slide. */
export interface SlideCell {
  decision: CellDecision;
  /** Cell centre in frame pixels (x right, y down). */
  centerPx?: { x: number; y: number };
  /** Cell centre on the stage in microns; when absent it is derived from the frame (see SlideFrame). */
  stageMicrons?: { x: number; y: number };
}

/** The cells of one analyzed frame. */
export interface SlideFrame {
  cells: readonly SlideCell[];
  /** Stage position of the frame's top-left pixel, microns (Frame.stageMicrons). Stage axes are
   * assumed parallel to the image axes. */
  stageMicrons?: { x: number; y: number };
  micronsPerPixel?: number;
}

/** A frame result as `analyzeStream` yields it (its FrameResult satisfies this): cells without a
 * decision (a locate-only scope) are not counted. */
export interface DecidedFrame {
  cells: ReadonlyArray<{ x: number; y: number; decision?: CellDecision }>;
  stageMicrons?: { x: number; y: number };
  micronsPerPixel?: number;
}

export interface SlideOptions {
  scheme: ResolvedScheme;
  /** Counted cells wanted; 200 is the routine differential. */
  targetCount?: number;
  flags?: readonly ScreeningFlagRule[];
  /** Cells whose stage positions are closer than this are the same cell; first one kept. */
  dedupRadiusMicrons?: number;
}

export interface ClassPercent extends MeasuredPercent {
  code: string;
  name: string;
  lineage: Lineage;
  count: number;
}

export interface GroupPercent extends MeasuredPercent {
  /** The group's classes that enter the count. */
  codes: string[];
  count: number;
}

/** The differential of a slide: plain JSON. Percentages and intervals are of the counted cells. */
export interface DifferentialReport {
  scheme: { id: string; name: string; citation: string };
  disclaimer: string;
  intervalMethod: string;
  targetCount: number;
  countedCells: number;
  targetReached: boolean;
  /** Every cell passed to add(), duplicates included. */
  cellsSeen: number;
  duplicateCells: number;
  dedupRadiusMicrons: number;
  /** Cells that could not be placed on the stage and so were never deduplicated. */
  cellsWithoutStagePosition: number;
  /** Counted classes in model output order. */
  differential: ClassPercent[];
  /** Classes outside the denominator (smudge cells, artefacts...), with their counts. */
  notCounted: Array<{ code: string; name: string; count: number }>;
  /** Abstained cells: never counted, listed for review, by reason and by their top class. */
  abstained: { count: number; lowConfidence: number; abstainClass: number; byTopClass: Record<string, number> };
  /** Null when the model has no blast class. */
  blast: GroupPercent | null;
  /** Null when the model has no atypical class. */
  atypical: GroupPercent | null;
  /** Cells whose own P_blast / P_atypical reached the thresholds, abstained ones included. */
  flaggedCells: { blast: number; atypical: number };
  flags: ScreeningFlag[];
}

export interface Slide {
  /** Adds a frame's cells; returns how many were new and how many were duplicates. */
  add(frame: SlideFrame): { added: number; duplicates: number };
  /** Adds the decided cells of an `analyzeStream` result, placed by their centres; as `add`. */
  addFrame(result: DecidedFrame): { added: number; duplicates: number };
  /** Counted cells so far (for stopping at the target). */
  countedCells(): number;
  report(): DifferentialReport;
}

/**
 * Accumulates the cells of one slide into a differential. Keeps counts and the stage positions
 * of the cells, not the cells themselves, so memory grows by two numbers per cell.
 * Throws INVALID_ARGUMENT on bad options or on a decision that does not belong to `scheme`.
 */
export function createSlide(options: SlideOptions): Slide {
  const { scheme, targetCount = 200, flags = DEFAULT_SCREENING_FLAGS, dedupRadiusMicrons = DEFAULT_DEDUP_RADIUS_MICRONS } = options;
  if (!Number.isInteger(targetCount) || targetCount < 1) {
    throw new SmearscopeError('INVALID_ARGUMENT', `targetCount must be a positive integer, got ${targetCount}`);
  }
  if (!(dedupRadiusMicrons >= 0 && Number.isFinite(dedupRadiusMicrons))) {
    throw new SmearscopeError('INVALID_ARGUMENT', `dedupRadiusMicrons must be >= 0 microns, got ${dedupRadiusMicrons}`);
  }
  for (const rule of flags) {
    if (!(rule.thresholdPercent >= 0 && rule.thresholdPercent <= 100)) {
      throw new SmearscopeError('INVALID_ARGUMENT', `flag ${rule.id}: thresholdPercent must lie in [0, 100], got ${rule.thresholdPercent}`);
    }
  }

  const classCount = scheme.classCount;
  const decidedByClass = new Uint32Array(classCount); // non-abstained cells per class
  const abstainedByClass = new Uint32Array(classCount);
  let lowConfidence = 0;
  let abstainClass = 0;
  let cellsSeen = 0;
  let duplicateCells = 0;
  let cellsWithoutStagePosition = 0;
  let flaggedBlast = 0;
  let flaggedAtypical = 0;
  const stage = createStageIndex(dedupRadiusMicrons);

  const countedTotal = (): number => {
    let total = 0;
    for (let i = 0; i < classCount; i++) if (scheme.counted[i]) total += decidedByClass[i];
    return total;
  };

  const add = (frame: SlideFrame): { added: number; duplicates: number } => {
    let added = 0;
    let duplicates = 0;
    for (const cell of frame.cells) {
      const decision = cell.decision;
      const i = decision.classIndex;
      if (!(Number.isInteger(i) && i >= 0 && i < classCount && scheme.classes[i].code === decision.class)) {
        throw new SmearscopeError(
          'INVALID_ARGUMENT',
          `cell decision ${decision.class} (index ${i}) does not belong to scheme ${scheme.schemeId} of this slide`,
        );
      }
      cellsSeen++;
      const position = stagePosition(cell, frame);
      if (!position) cellsWithoutStagePosition++;
      else if (!stage.claim(position.x, position.y)) {
        duplicates++;
        continue;
      }
      added++;
      if (decision.blastFlag) flaggedBlast++;
      if (decision.atypicalFlag) flaggedAtypical++;
      if (decision.abstained) {
        abstainedByClass[i]++;
        if (decision.abstainReason === 'abstain-class') abstainClass++;
        else lowConfidence++;
      } else {
        decidedByClass[i]++;
      }
    }
    duplicateCells += duplicates;
    return { added, duplicates };
  };

  const report = (): DifferentialReport => {
    const counted = countedTotal();
    const measure = (count: number): MeasuredPercent =>
      counted === 0
        ? { percent: null, ci95Percent: null }
        : { percent: (100 * count) / counted, ci95Percent: toPercent(clopperPearson(count, counted)) };
    const group = (indices: readonly number[]): GroupPercent | null => {
      if (indices.length === 0) return null;
      const countedIndices = indices.filter((i) => scheme.counted[i]);
      const count = countedIndices.reduce((sum, i) => sum + decidedByClass[i], 0);
      return { codes: countedIndices.map((i) => scheme.classes[i].code), count, ...measure(count) };
    };
    const blast = group(scheme.blastIndices);
    const atypical = group(scheme.atypicalIndices);
    const byTopClass: Record<string, number> = {};
    scheme.classes.forEach((c, i) => {
      if (abstainedByClass[i] > 0) byTopClass[c.code] = abstainedByClass[i];
    });
    return {
      scheme: { id: scheme.schemeId, name: scheme.schemeName, citation: scheme.citation },
      disclaimer: SCREENING_DISCLAIMER,
      intervalMethod: 'Clopper-Pearson exact binomial interval, two-sided 95 %, of the counted cells',
      targetCount,
      countedCells: counted,
      targetReached: counted >= targetCount,
      cellsSeen,
      duplicateCells,
      dedupRadiusMicrons,
      cellsWithoutStagePosition,
      differential: scheme.classes.flatMap((c, i) =>
        scheme.counted[i] ? [{ code: c.code, name: c.name, lineage: c.lineage, count: decidedByClass[i], ...measure(decidedByClass[i]) }] : [],
      ),
      notCounted: scheme.classes.flatMap((c, i) => (scheme.counted[i] ? [] : [{ code: c.code, name: c.name, count: decidedByClass[i] }])),
      abstained: { count: lowConfidence + abstainClass, lowConfidence, abstainClass, byTopClass },
      blast,
      atypical,
      flaggedCells: { blast: flaggedBlast, atypical: flaggedAtypical },
      flags: evaluateScreeningFlags(flags, { blastPercent: blast, atypicalPercent: atypical }),
    };
  };

  const addFrame = (result: DecidedFrame) =>
    add({
      cells: result.cells.flatMap((cell) => (cell.decision ? [{ decision: cell.decision, centerPx: { x: cell.x, y: cell.y } }] : [])),
      ...(result.stageMicrons ? { stageMicrons: result.stageMicrons } : {}),
      ...(result.micronsPerPixel !== undefined ? { micronsPerPixel: result.micronsPerPixel } : {}),
    });

  return { add, addFrame, countedCells: countedTotal, report };
}

/** The cell's stage position in microns, or null when neither it nor its frame says. */
function stagePosition(cell: SlideCell, frame: SlideFrame): { x: number; y: number } | null {
  if (cell.stageMicrons) return cell.stageMicrons;
  if (cell.centerPx && frame.stageMicrons && frame.micronsPerPixel !== undefined) {
    return {
      x: frame.stageMicrons.x + cell.centerPx.x * frame.micronsPerPixel,
      y: frame.stageMicrons.y + cell.centerPx.y * frame.micronsPerPixel,
    };
  }
  return null;
}

function toPercent([lower, upper]: [number, number]): [number, number] {
  return [100 * lower, 100 * upper];
}
