import type { LocalizeGeometry } from './geometry.js';

/** Centroid refinement: after the cell window, up to NUCLEUS_STEPS centroids in a window this
 * fraction of the cell's (0.6 x 12 um: a leukocyte nucleus is about 7 um across). */
const NUCLEUS_WINDOW_FRACTION = 0.6;
const NUCLEUS_STEPS = 4;

/**
 * The centre of the cell at ratio-grid point `p`, in frame pixels: the foreground centroid of the
 * peak's cell-sized window first; then nucleus-sized windows, each centred on the last centroid,
 * walk onto this cell's own nucleus: in dense marrow the cell window also holds the edges of
 * neighbouring cells, which would pull a single centroid off the cell. `p` must be a peak (its
 * window holds foreground, so the first centroid exists).
 */
export function refinedCentre(mask: ArrayLike<number>, geometry: LocalizeGeometry, p: number): { x: number; y: number } {
  const { pointsW, strideBins, windowBins, gridW, gridH, binPx } = geometry;
  const nucleusBins = Math.max(1, Math.round(NUCLEUS_WINDOW_FRACTION * windowBins));
  let [cx, cy] = maskCentroid(mask, gridW, gridH, (p % pointsW) * strideBins, Math.floor(p / pointsW) * strideBins, windowBins)!;
  for (let step = 0; step < NUCLEUS_STEPS; step++) {
    const next = maskCentroid(mask, gridW, gridH, Math.floor(cx + 0.5), Math.floor(cy + 0.5), nucleusBins);
    if (!next || (next[0] === cx && next[1] === cy)) break;
    [cx, cy] = next;
  }
  // Bin b covers pixels [b * binPx, b * binPx + binPx - 1]: its centre is b * binPx + (binPx - 1) / 2.
  return { x: cx * binPx + (binPx - 1) / 2, y: cy * binPx + (binPx - 1) / 2 };
}

/**
 * Centroid (in bins) of the set mask bins in the `windowBins` square around bin (cx, cy),
 * [c - floor(w / 2), c + w - floor(w / 2)) per axis, clipped to the grid; undefined when none is set.
 */
function maskCentroid(
  mask: ArrayLike<number>,
  gridW: number,
  gridH: number,
  cx: number,
  cy: number,
  windowBins: number,
): [number, number] | undefined {
  const before = windowBins >> 1;
  const after = windowBins - before;
  let sumX = 0;
  let sumY = 0;
  let n = 0;
  for (let y = Math.max(cy - before, 0); y < Math.min(cy + after, gridH); y++) {
    for (let x = Math.max(cx - before, 0); x < Math.min(cx + after, gridW); x++) {
      if (mask[y * gridW + x]) {
        sumX += x;
        sumY += y;
        n++;
      }
    }
  }
  return n > 0 ? [sumX / n, sumY / n] : undefined;
}
