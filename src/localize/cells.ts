import type { LocalizeGeometry } from './geometry.js';
import { ratioPeaks } from './peaks.js';
import { refinedCentre } from './refine.js';

/** One located leukocyte. Positions are frame pixels (pixel (x, y) is centred at (x, y)). */
export interface CellLocation {
  /** Centre: the foreground centroid of the cell's window, then of nucleus-sized windows around it. */
  x: number;
  y: number;
  /** The square of patchMicrons around the centre: [x0, y0, x1, y1], frame pixels. */
  box: [number, number, number, number];
  /** Foreground fraction of the cell-sized window at the centre's grid point, 0..1. */
  ratio: number;
  /** The patch square leaves the frame. */
  crossesBorder: boolean;
}

/**
 * Cells from the window counts: local maxima of the foreground ratio above minRatio, strongest
 * first (ratioPeaks); each centre moved to the foreground centroid of its window and then of
 * nucleus-sized windows (refinedCentre); a centre closer than minDistance to a stronger cell's is
 * dropped (non-maximum suppression on the refined centres).
 */
export function cellsFromCounts(
  counts: ArrayLike<number>,
  areas: ArrayLike<number>,
  mask: ArrayLike<number>,
  geometry: LocalizeGeometry,
): CellLocation[] {
  const minDistanceSquared = geometry.minDistancePx ** 2;
  const half = geometry.patchPx / 2;
  const cells: CellLocation[] = [];
  for (const p of ratioPeaks(counts, areas, geometry)) {
    const { x, y } = refinedCentre(mask, geometry, p);
    if (cells.some((c) => (c.x - x) ** 2 + (c.y - y) ** 2 < minDistanceSquared)) continue;
    const box: [number, number, number, number] = [x - half, y - half, x + half, y + half];
    cells.push({
      x,
      y,
      box,
      ratio: counts[p] / areas[p],
      crossesBorder: box[0] < -0.5 || box[1] < -0.5 || box[2] > geometry.width - 0.5 || box[3] > geometry.height - 0.5,
    });
  }
  return cells;
}
