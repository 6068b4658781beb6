/**
 * The model card: everything the SDK needs to run a vendor's ONNX classifier on smear patches.
 * Stored as JSON next to the .onnx file (`models/*.json`); validated at load (see model-card.ts).
 */

/** Two Macenko stain vectors in optical-density space (row 0 hematoxylin-like) and the 99th
 * percentile concentration of each. */
export interface StainReference {
  stainMatrix: [[number, number, number], [number, number, number]];
  maxC: [number, number];
}

export interface ModelCard {
  /** Stable id, e.g. "bm7-smallcnn". */
  id: string;
  version: string;
  description?: string;
  /** Class scheme id from models/schemes: "bone-marrow-21" | "peripheral-blood-aml-15" | "hematonet-18". */
  scheme: string;
  /** Path or URL of the .onnx file, relative to the card. */
  model: string;
  input: {
    /** ONNX input name. */
    name: string;
    /** Model input size in pixels. */
    width: number;
    height: number;
    layout: 'NCHW';
    /** Per-channel mean and std (RGB) applied to pixel/255: x = (p/255 - mean) / std. */
    mean: [number, number, number];
    std: [number, number, number];
    /** Physical side of the square cut around each cell, in microns. */
    patchMicrons: number;
    /** Batch dimension of the graph: a number when static, null when dynamic. */
    batch: number | null;
  };
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
  /** Stain of the training images; frames are normalized towards it when present. */
  stainReference?: StainReference;
  outputs: {
    /** ONNX output name of the logits, shape [N, classes.length]. */
    logits: string;
    /** Optional pooled embedding [N, D]. */
    features?: string;
    /** Optional last feature map [N, C, h, w] for CAM, with the classifier weights in the card file. */
    featureMap?: string;
    /** Classifier weights [classes.length][C] and bias for CAM (GAP + one linear layer). */
    classifier?: { weights: number[][]; bias: number[] };
  };
  /** Multiply-accumulates x 2 per cell, measured by the builder. */
  flopsPerCell?: number;
  parameters?: number;
  provenance: {
    /** False for untrained reference graphs (speed only) or placeholders. */
    trained: boolean;
    data?: string;
    licence?: string;
    citation?: string;
    notes?: string;
    metrics?: {
      split: string;
      balancedAccuracy: number;
      perClass: Record<string, { precision: number; recall: number; support: number }>;
      /** Row-normalized confusion, rows = truth, in `classes` order. */
      confusion: number[][];
    };
  };
}
