import type { LocalizeGeometry } from './geometry.js';

/**
 * The grid points whose foreground ratio (counts / areas) is a local maximum of its 8 neighbours
 * and at least minRatio, strongest first (ties in raster order). Ratios are compared as exact
 * integer cross products, so every implementation of the counts gives the same peaks.
 */
export function ratioPeaks(counts: ArrayLike<number>, areas: ArrayLike<number>, geometry: LocalizeGeometry): number[] {
  const { pointsW, pointsH, minRatio } = geometry;
  // a > b in ratio: counts[a] * areas[b] > counts[b] * areas[a]
  const compare = (a: number, b: number) => counts[a] * areas[b] - counts[b] * areas[a];
  const peaks: number[] = [];
  for (let j = 0; j < pointsH; j++) {
    for (let i = 0; i < pointsW; i++) {
      const p = j * pointsW + i;
      if (counts[p] === 0 || counts[p] < minRatio * areas[p]) continue;
      let isPeak = true;
      for (let dj = -1; dj <= 1 && isPeak; dj++) {
        for (let di = -1; di <= 1; di++) {
          if (di === 0 && dj === 0) continue;
          const ni = i + di;
          const nj = j + dj;
          if (ni < 0 || nj < 0 || ni >= pointsW || nj >= pointsH) continue;
          const q = nj * pointsW + ni;
          const order = compare(p, q);
          // Plateaus: the first point in raster order wins.
          if (order < 0 || (order === 0 && q < p)) {
            isPeak = false;
            break;
          }
        }
      }
      if (isPeak) peaks.push(p);
    }
  }
  return peaks.sort((a, b) => -compare(a, b) || a - b);
}
