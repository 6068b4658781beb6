import type { CellDecision } from '../clinical/decide-cell.js';
import type { SlideFrame } from '../clinical/slide.js';
import type { FrameResult } from './results.js';

/** The classified cells of a frame result, as the slide accumulator takes them. */
export function toSlideFrame(result: FrameResult): SlideFrame {
  return {
    cells: result.cells
      .filter((cell) => cell.class !== undefined)
      .map((cell) => ({ decision: cell as unknown as CellDecision, centerPx: { x: cell.x, y: cell.y } })),
    ...(result.stageMicrons ? { stageMicrons: result.stageMicrons } : {}),
    ...(Number.isFinite(result.micronsPerPixel) ? { micronsPerPixel: result.micronsPerPixel } : {}),
    ...(result.scaleWarning ? { scaleWarning: result.scaleWarning } : {}),
  };
}
