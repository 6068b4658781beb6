// Cell crops for the gallery and the detail view: the square the model saw (patchMicrons around
// the centre), cut from the frame's bitmap on the main thread's canvas (a drawImage per cell,
// no pixel loops), and the CAM overlay on demand.
import { camOverlay } from '../index.js';
import type { ReviewCell, ReviewFrame } from './review-state.js';

/** Draws the cell's patch square of `frame` into `canvas` (its own size); outside the frame is grey. */
export function drawCrop(canvas: HTMLCanvasElement, bitmap: CanvasImageSource, frame: ReviewFrame, cell: ReviewCell, patchMicrons: number): void {
  if (!frame.micronsPerPixel) return; // only a failed frame has no scale, and it has no cells
  const context = canvas.getContext('2d')!;
  const sidePx = patchMicrons / frame.micronsPerPixel;
  const x0 = cell.x - sidePx / 2;
  const y0 = cell.y - sidePx / 2;
  context.fillStyle = '#9a9a9a';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, x0, y0, sidePx, sidePx, 0, 0, canvas.width, canvas.height);
}

/** Paints the cell's class activation map over the crop already in `canvas` (jet, alpha by value). */
export function drawCam(canvas: HTMLCanvasElement, cell: ReviewCell): boolean {
  if (!cell.cam) return false;
  const { width, height } = canvas;
  const rgba = camOverlay({ width: cell.cam.width, height: cell.cam.height, values: Float32Array.from(cell.cam.values) }, width, height);
  const layer = new OffscreenCanvas(width, height);
  layer.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  canvas.getContext('2d')!.drawImage(layer, 0, 0);
  return true;
}
