// What the views of the station share: the state, the model's classes, the frames' bitmaps and
// the actions. The element owns it; views read it and call the actions, never change state.
import type { Scheme } from './differential.js';
import type { ReviewCell, ReviewFrame, ReviewState } from './review-state.js';

export interface ClassInfo {
  /** Class code or UNIDENTIFIED. */
  code: string;
  name: string;
  colour: string;
  /** The key that moves the selected cell here ('1'..'9', '0' for unidentified). */
  key: string | null;
  counted: boolean;
}

export interface StationContext {
  state: ReviewState;
  scheme: Scheme;
  /** Unidentified first, then the model's classes in output order. */
  classes: ClassInfo[];
  classByCode: Map<string, ClassInfo>;
  /** The model's patch side in microns and its input size in pixels (the crop's size). */
  patchMicrons: number;
  patchPx: number;
  /** A frame decoded on demand (undefined when it has no image or does not decode). */
  bitmap(frameId: number): Promise<ImageBitmap | undefined>;
  cellById(id: string): ReviewCell | undefined;
  frameById(id: number): ReviewFrame | undefined;
  /** Is the CAM overlay on. */
  camOn(): boolean;
  select(cellId: string, options?: { focus?: boolean }): void;
  selected(): string | null;
  reclassify(cellId: string, to: string): void;
}
