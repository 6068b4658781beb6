/**
 * Types of a class scheme (models/schemes/*.json) and of a scheme resolved against one model
 * card. The JSON files are the source of truth; schemes.ts validates them against these types.
 */

/** Coarse lineage of a class, for grouping in reports and colour in the UI. */
export type Lineage =
  | 'granulocytic'
  | 'eosinophilic'
  | 'basophilic'
  | 'monocytic'
  | 'lymphoid'
  | 'plasma-cell'
  | 'erythroid'
  | 'undetermined'
  | 'none';

export const LINEAGES: readonly Lineage[] = [
  'granulocytic',
  'eosinophilic',
  'basophilic',
  'monocytic',
  'lymphoid',
  'plasma-cell',
  'erythroid',
  'undetermined',
  'none',
];

export interface SchemeClass {
  /** Three-letter code as published, e.g. "BLA". */
  code: string;
  name: string;
  lineage: Lineage;
  /** Whether the class enters the denominator of the differential. */
  counted: boolean;
}

export interface SchemeGroups {
  /** Classes whose probabilities sum to P_blast. */
  blast: string[];
  /** Classes whose probabilities sum to P_atypical. */
  atypical: string[];
  /** A cell whose top class is one of these is abstained (sent to review), not classified. */
  abstain: string[];
  /** The classes with `counted: false`, repeated here so the groups read in one place. */
  notCounted: string[];
}

export interface ClassScheme {
  id: string;
  name: string;
  citation: string;
  /** Physical side of the published single-cell images, in microns, when known. */
  defaultPatchMicrons?: number;
  classes: SchemeClass[];
  groups: SchemeGroups;
  /** Unordered pairs [A, B]: predicting B for a true A (or A for a true B) is tolerated. */
  tolerance: Array<[string, string]>;
  /** How this scheme's classes map onto another shipped scheme: each code to the codes it covers
   * there (an empty list: no counterpart). Lets a model of this scheme be scored against that one. */
  mapsTo?: SchemeMapping;
  /** Why the groups and counted flags are what they are. */
  notes?: string[];
}

export interface SchemeMapping {
  /** Id of the target scheme. */
  scheme: string;
  /** Every code of this scheme -> the target scheme's codes it covers. */
  codes: Record<string, string[]>;
}

/** Per-cell decision thresholds, probabilities in [0, 1]. */
export interface CellThresholds {
  /** Abstain when the top class probability is below this. */
  confidence: number;
  /** Flag the cell when P_blast >= this. */
  blast: number;
  /** Flag the cell when P_atypical >= this. */
  atypical: number;
}

/** The part of a model card the clinical layer reads (inference's ModelCard extends it). */
export interface CardClasses {
  /** Stable id, e.g. "bm7-smallcnn". */
  id: string;
  /** Class scheme id from models/schemes: "bone-marrow-21" | "peripheral-blood-aml-15" | "peripheral-blood-pbc-8" | "hematonet-18";
   * or the id of `schemeDefinition`. */
  scheme: string;
  /** A class scheme of the card's own, in the format of models/schemes/*.json, for classes no
   * shipped scheme has; its `id` is `scheme` and must not be a shipped scheme's. */
  schemeDefinition?: ClassScheme;
  /** Class codes in output order; each code must exist in the scheme. */
  classes: string[];
  /** Overrides of the scheme's groups (restricted to `classes` anyway). */
  groups?: { blast?: string[]; atypical?: string[]; abstain?: string[] };
  thresholds?: {
    /** Abstain when the top probability is below this. */
    confidence?: number;
    blast?: number;
    atypical?: number;
  };
}

/**
 * A scheme restricted to one model card: classes in the model's output order, groups and
 * tolerance as index sets so the per-cell code does no string lookups.
 */
export interface ResolvedScheme {
  schemeId: string;
  schemeName: string;
  citation: string;
  /** Classes in model output order (index i = logit i). */
  classes: readonly SchemeClass[];
  classCount: number;
  indexByCode: ReadonlyMap<string, number>;
  /** Class indices of each group, ascending. */
  blastIndices: readonly number[];
  atypicalIndices: readonly number[];
  abstainIndices: readonly number[];
  /** counted[i] = 1 when class i enters the differential denominator. */
  counted: Uint8Array;
  /** The scheme's tolerance pairs whose both classes the model has. */
  tolerancePairs: ReadonlyArray<readonly [string, string]>;
  /** classCount x classCount, row = truth, column = prediction: 1 when accepted by the tolerant
   * metric (the diagonal and both orders of every pair). */
  tolerant: Uint8Array;
  /** The card's thresholds over the defaults (see cell-thresholds.ts). */
  thresholds: CellThresholds;
}
