// The clinical layer: class schemes, per-cell decisions, the slide differential, evaluation.
// Depends on nothing of ours beyond errors.ts (the model card's classes are typed here: CardClasses).
export type {
  CardClasses,
  CellThresholds,
  ClassScheme,
  Lineage,
  ResolvedScheme,
  SchemeClass,
  SchemeGroups,
} from './scheme-types.js';
export { DEFAULT_CELL_THRESHOLDS } from './cell-thresholds.js';
export { SCHEMES, getScheme, resolveScheme, validateScheme } from './schemes.js';
export { softmaxInto } from './softmax.js';
export { decideCell, type AbstainReason, type CellDecision } from './decide-cell.js';
export { clopperPearson } from './clopper-pearson.js';
export {
  DEFAULT_SCREENING_FLAGS,
  type MeasuredPercent,
  type ScreeningFlag,
  type ScreeningFlagRule,
  type ScreeningMeasure,
} from './screening-flags.js';
export {
  DEFAULT_DEDUP_RADIUS_MICRONS,
  SCREENING_DISCLAIMER,
  createSlide,
  type ClassPercent,
  type DifferentialReport,
  type GroupPercent,
  type Slide,
  type SlideCell,
  type SlideFrame,
  type SlideOptions,
} from './slide.js';
export {
  balancedAccuracy,
  classMetrics,
  confusionMatrix,
  evaluateClassifier,
  rocCurve,
  type ClassMetrics,
  type ClassifierEvaluation,
  type ConfusionMatrix,
  type RocCurve,
} from './metrics.js';
