/**
 * Remembers the stage positions of the cells already counted on a slide and tells whether a new
 * cell is one of them (seen again in an overlapping frame). A uniform grid with buckets of
 * `radiusMicrons` makes each query look at 9 buckets, so the cost per cell stays flat however
 * many cells the slide holds. Stateful by nature, hence a closure.
 */
export interface StageIndex {
  /**
   * Records (xMicrons, yMicrons) and returns true when no recorded position lies closer than
   * the radius; returns false (and records nothing) when it does: the same cell again.
   */
  claim(xMicrons: number, yMicrons: number): boolean;
}

export function createStageIndex(radiusMicrons: number): StageIndex {
  const buckets = new Map<string, number[]>(); // "ix:iy" -> [x0, y0, x1, y1, ...] in microns
  // A zero radius dedups nothing; a 1 um grid keeps the keys finite.
  const bucketMicrons = radiusMicrons > 0 ? radiusMicrons : 1;
  const radiusSquared = radiusMicrons * radiusMicrons;
  return {
    claim(xMicrons, yMicrons) {
      const ix = Math.floor(xMicrons / bucketMicrons);
      const iy = Math.floor(yMicrons / bucketMicrons);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const positions = buckets.get(`${ix + dx}:${iy + dy}`);
          if (!positions) continue;
          for (let i = 0; i < positions.length; i += 2) {
            const ex = positions[i] - xMicrons;
            const ey = positions[i + 1] - yMicrons;
            if (ex * ex + ey * ey < radiusSquared) return false;
          }
        }
      }
      const key = `${ix}:${iy}`;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(xMicrons, yMicrons);
      else buckets.set(key, [xMicrons, yMicrons]);
      return true;
    },
  };
}
