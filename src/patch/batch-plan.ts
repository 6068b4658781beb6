import type { PatchCentre, PatchSpec } from './write-patches.js';

// A batch described instead of filled: which cells of which frames go to which slots. The stream
// sends each frame once to the inference worker (holdFrame, before the first batch that needs it)
// and then plans; the worker cuts the patches itself (on its GPU, straight into the session's bound
// input buffer; on the CPU with its own kernels when it has no GPU).

/** One frame's cells in consecutive slots of a planned batch. */
export interface PlanSegment {
  /** The frame's key (its index in the stream), the same in every batch that has its cells. */
  frameKey: number;
  /** Slot of centres[0]; centres[i] goes to slot firstSlot + i. */
  firstSlot: number;
  /** Pixel-index centres; none of them is one that border 'skip' would reject (patchInsideFrame). */
  centres: PatchCentre[];
  spec: PatchSpec;
}

export interface BatchPlan {
  /** Slots filled (the rest of the batch is padding, zeros). */
  cellCount: number;
  segments: PlanSegment[];
}
