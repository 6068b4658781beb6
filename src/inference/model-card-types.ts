/**
 * The model card: everything the SDK needs to run a vendor's ONNX classifier on smear patches.
 * Stored as JSON next to the .onnx file (`models/*.json`); validated at load (see model-card.ts).
 */

import type { CardClasses } from '../clinical/scheme-types.js';
import type { StainReference } from '../stain/reference.js';

/** The card's classes, scheme, groups and thresholds are `CardClasses` (the part the clinical layer reads). */
export interface ModelCard extends CardClasses {
  version: string;
  description?: string;
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
  /** Stain of the training images; frames are normalized towards it when present (unless
   * `stainNormalization` is false). */
  stainReference?: StainReference;
  /** Whether the SDK normalizes frames to `stainReference` by default for this model (default
   * true when the card has a reference). A model trained on both views may ship with it off when
   * the measured figures say so; `createScope({ normalizeStain })` overrides it. */
  stainNormalization?: boolean;
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
  /** A float16 variant of the same graph (same input and output names, float32 at its boundaries),
   * run when the scope's `dtype` resolves to fp16 (models/train/fp16.py writes the shipped ones). */
  fp16?: {
    /** Path or URL of its .onnx file, relative to the card. */
    model: string;
    /** How closely it follows this card's float32 graph (models/train/record-fp16.mjs). */
    agreement?: Fp16Agreement;
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
    /** Pixel size of the training crops, microns (what `smearscope eval --microns-per-pixel` takes). */
    micronsPerPixel?: number;
    metrics?: {
      split: string;
      balancedAccuracy: number;
      perClass: Record<string, { precision: number; recall: number; support: number }>;
      /** Row-normalized confusion, rows = truth, in `classes` order. */
      confusion: number[][];
    };
  };
}

/** The fp16 graph against the fp32 graph on the same cells, through the SDK end to end. */
export interface Fp16Agreement {
  /** The held-out list the cells came from. */
  split: string;
  cells: number;
  /** Backend both ran on (wasm / native run fp16 graphs in float32 kernels between Casts: float16 weights, float32 sums). */
  backend: string;
  /** Fraction of cells with the same top-1 class. */
  top1Agreement: number;
  /** Largest |p_fp16 - p_fp32| over every cell and class. */
  maxProbabilityDifference: number;
  balancedAccuracyFp16: number;
  balancedAccuracyFp32: number;
  /** The command that reproduces these figures. */
  measuredBy: string;
}
