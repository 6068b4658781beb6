// Erythrocyte sizes from a binary mask of red cells, without separating them first: on a smear
// they touch and overlap, so connected regions are clumps, not cells. Instead the mask is covered
// greedily by its largest inscribed discs (one per roughly round cell, plus slivers in the gaps);
// every mask bin then goes to the disc whose power distance is least (a power diagram splits
// touching cells at their contact), and each cell's share of the mask gives its equivalent
// diameter. Pure functions over row-major grids in bins; they allocate their own typed arrays.

/** Discs smaller than this fraction of the area-weighted median radius are slivers between cells. */
const MAIN_DISC_FRACTION = 0.7;
/** Erythrocytes have no nucleus: a cell whose share is more than this fraction nuclear is a
 * leukocyte (its nucleus filled in as a hole) or lies on one. A little is allowed: dark rims of
 * overlapping red cells pass the nuclear threshold here and there. */
const MAX_NUCLEAR_SHARE = 0.05;
/** A disc must reach at least this far (bins) from the background to count at all. */
const MIN_DISC_RADIUS_BINS = 2;

export interface InscribedDisc {
  /** Centre, bins. */
  x: number;
  y: number;
  /** Distance from the centre to the nearest background bin, bins. */
  radius: number;
}

/**
 * The mask with its holes filled: unset bins that cannot reach the grid border through unset bins
 * (4-connected) become set, so the pale centre of a red cell counts as part of it. Returns a new
 * array; the input is only read. Works on runs of unset bins, not bins: each row's runs are
 * joined (union-find) to the runs of the row above that share a column with them, so the cost is
 * one scan plus the runs, where a flood fill of the background (most of a smear's grid) touched
 * every unset bin four times.
 */
export function fillHoles(mask: ArrayLike<number>, gridW: number, gridH: number): Uint8Array {
  const n = gridW * gridH;
  const filled = new Uint8Array(n).fill(1);
  const maxRuns = gridH * Math.ceil(gridW / 2) + gridH;
  const runStart = new Int32Array(maxRuns);
  const runEnd = new Int32Array(maxRuns);
  const runRow = new Int32Array(maxRuns);
  const parent = new Int32Array(maxRuns);
  const reachesBorder = new Uint8Array(maxRuns);
  let runs = 0;
  let aboveFirst = 0; // the runs of the row above are [aboveFirst, rowFirst)
  for (let y = 0; y < gridH; y++) {
    const rowFirst = runs;
    const row = y * gridW;
    for (let x = 0; x < gridW; ) {
      if (mask[row + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < gridW && !mask[row + x]) x++;
      runStart[runs] = start;
      runEnd[runs] = x;
      runRow[runs] = y;
      parent[runs] = runs;
      reachesBorder[runs] = y === 0 || y === gridH - 1 || start === 0 || x === gridW ? 1 : 0;
      runs++;
    }
    // Join each run to the runs above that overlap it (both lists are sorted by start).
    let a = aboveFirst;
    for (let r = rowFirst; r < runs; r++) {
      while (a < rowFirst && runEnd[a] <= runStart[r]) a++;
      for (let b = a; b < rowFirst && runStart[b] < runEnd[r]; b++) union(parent, reachesBorder, r, b);
    }
    aboveFirst = rowFirst;
  }
  for (let r = 0; r < runs; r++) {
    if (!reachesBorder[root(parent, r)]) continue;
    filled.fill(0, runRow[r] * gridW + runStart[r], runRow[r] * gridW + runEnd[r]);
  }
  return filled;
}

/** The root of run r's set, halving the path on the way. */
function root(parent: Int32Array, r: number): number {
  while (parent[r] !== r) {
    parent[r] = parent[parent[r]];
    r = parent[r];
  }
  return r;
}

/** Joins the sets of runs a and b; the joined set reaches the border when either did. */
function union(parent: Int32Array, reachesBorder: Uint8Array, a: number, b: number): void {
  const ra = root(parent, a);
  const rb = root(parent, b);
  if (ra === rb) return;
  parent[rb] = ra;
  reachesBorder[ra] |= reachesBorder[rb];
}

/**
 * Squared Euclidean distance (bins^2) from every bin to the nearest unset bin, the outside of the
 * grid counting as unset (so cells cut by the frame edge are not measured as larger than they
 * look). Exact, separable (Felzenszwalb & Huttenlocher 2012); 0 on unset bins.
 */
export function squaredDistanceToBackground(mask: ArrayLike<number>, gridW: number, gridH: number): Float64Array {
  const distance = new Float64Array(gridW * gridH);
  const longest = Math.max(gridW, gridH) + 2;
  const line = new Float64Array(longest);
  const result = new Float64Array(longest);
  const scratch = { hull: new Int32Array(longest), bounds: new Float64Array(longest + 1) };
  // Columns: 0 beyond both ends of the grid, +inf on set bins. With only 0 and +inf the envelope
  // is the squared distance to the nearest unset bin along the column: two scans give it exactly.
  const above = new Int32Array(gridW); // per column, bins since the last unset one (0 beyond the top)
  const anySet = new Uint8Array(gridH);
  for (let y = 0; y < gridH; y++) {
    for (let x = 0, i = y * gridW; x < gridW; x++, i++) {
      above[x] = mask[i] ? above[x] + 1 : 0;
      distance[i] = above[x];
      if (above[x]) anySet[y] = 1;
    }
  }
  above.fill(0); // now bins since the last unset one below (0 beyond the bottom)
  for (let y = gridH - 1; y >= 0; y--) {
    for (let x = 0, i = y * gridW; x < gridW; x++, i++) {
      above[x] = mask[i] ? above[x] + 1 : 0;
      const nearest = Math.min(distance[i], above[x]);
      distance[i] = nearest * nearest;
    }
  }
  // Rows: a row without set bins stays 0 (every bin is its own nearest unset bin). A set bin's
  // nearest candidate along the row lies within its run of set bins or at the unset bin (or grid
  // edge, both 0) just past either end: any bin beyond is farther and not below 0. So each run is
  // its own envelope, with a 0 at both ends: the same values for a fraction of the bins.
  for (let y = 0; y < gridH; y++) {
    if (!anySet[y]) continue;
    const row = y * gridW;
    for (let x = 0; x < gridW; ) {
      if (distance[row + x] === 0) {
        x++;
        continue;
      }
      const start = x;
      while (x < gridW && distance[row + x] !== 0) x++;
      const length = x - start;
      line[0] = 0;
      for (let k = 0; k < length; k++) line[k + 1] = distance[row + start + k];
      line[length + 1] = 0;
      lowerEnvelope(line, length + 2, result, scratch);
      for (let k = 0; k < length; k++) distance[row + start + k] = result[k + 1];
    }
  }
  return distance;
}

/** result[q] = min over p of (q - p)^2 + f[p], for q, p in [0, n); f[0] must be finite. */
function lowerEnvelope(f: Float64Array, n: number, result: Float64Array, scratch: { hull: Int32Array; bounds: Float64Array }): void {
  const { hull, bounds } = scratch;
  let k = 0;
  hull[0] = 0;
  bounds[0] = -Infinity;
  bounds[1] = Infinity;
  for (let q = 1; q < n; q++) {
    if (f[q] === Infinity) continue; // a parabola at infinity never lies below the envelope
    let s = (f[q] + q * q - (f[hull[k]] + hull[k] * hull[k])) / (2 * q - 2 * hull[k]);
    while (s <= bounds[k]) {
      k--;
      s = (f[q] + q * q - (f[hull[k]] + hull[k] * hull[k])) / (2 * q - 2 * hull[k]);
    }
    k++;
    hull[k] = q;
    bounds[k] = s;
    bounds[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (bounds[k + 1] < q) k++;
    result[q] = (q - hull[k]) ** 2 + f[hull[k]];
  }
}

/**
 * Greedy cover of the mask by inscribed discs: the local maxima of the distance to the
 * background, largest first, each kept unless its centre lies inside a disc already kept.
 * Ties go to the earlier bin in raster order, so the result is deterministic.
 */
export function inscribedDiscs(mask: ArrayLike<number>, gridW: number, gridH: number): InscribedDisc[] {
  const distance = squaredDistanceToBackground(mask, gridW, gridH);
  const minSquared = MIN_DISC_RADIUS_BINS ** 2;
  const maxima: number[] = [];
  for (let y = 0; y < gridH; y++) {
    for (let x = 0; x < gridW; x++) {
      const value = distance[y * gridW + x];
      if (value < minSquared) continue;
      let isMaximum = true;
      for (let dy = -1; dy <= 1 && isMaximum; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx >= 0 && ny >= 0 && nx < gridW && ny < gridH && distance[ny * gridW + nx] > value) {
            isMaximum = false;
            break;
          }
        }
      }
      if (isMaximum) maxima.push(y * gridW + x);
    }
  }
  maxima.sort((a, b) => distance[b] - distance[a] || a - b);
  const discs: InscribedDisc[] = [];
  for (const i of maxima) {
    const x = i % gridW;
    const y = (i - x) / gridW;
    if (discs.some((disc) => (disc.x - x) ** 2 + (disc.y - y) ** 2 < disc.radius ** 2)) continue;
    discs.push({ x, y, radius: Math.sqrt(distance[i]) });
  }
  return discs;
}

/**
 * Equivalent diameters (bins) of the round cells in a mask: the main inscribed discs (radius at
 * least MAIN_DISC_FRACTION of the area-weighted median) each take the mask bins within twice their
 * radius whose power distance (d^2 - r^2) to them is least; a cell's diameter is that of a disc of
 * its share's area. Cells whose share touches the grid border (cut by the frame edge) or is more
 * than MAX_NUCLEAR_SHARE `nucleus` bins are left out.
 */
export function powerCellDiameters(mask: ArrayLike<number>, nucleus: ArrayLike<number>, gridW: number, gridH: number): number[] {
  const discs = inscribedDiscs(mask, gridW, gridH);
  if (discs.length === 0) return [];
  const typicalRadius = areaWeightedMedian(discs.map((disc) => disc.radius));
  const cells = discs.filter((disc) => disc.radius >= MAIN_DISC_FRACTION * typicalRadius);
  const bestPower = new Float64Array(gridW * gridH).fill(Infinity);
  const owner = new Int32Array(gridW * gridH).fill(-1);
  cells.forEach((disc, k) => {
    const reach = 2 * disc.radius;
    for (let y = Math.max(0, Math.ceil(disc.y - reach)); y <= Math.min(gridH - 1, Math.floor(disc.y + reach)); y++) {
      for (let x = Math.max(0, Math.ceil(disc.x - reach)); x <= Math.min(gridW - 1, Math.floor(disc.x + reach)); x++) {
        const i = y * gridW + x;
        const squared = (x - disc.x) ** 2 + (y - disc.y) ** 2;
        if (!mask[i] || squared > reach * reach) continue;
        const power = squared - disc.radius ** 2;
        if (power < bestPower[i]) {
          bestPower[i] = power;
          owner[i] = k; // cells are in a fixed order and ties keep the first: deterministic
        }
      }
    }
  });
  const area = new Float64Array(cells.length);
  const onBorder = new Uint8Array(cells.length);
  const nuclear = new Float64Array(cells.length);
  for (let i = 0; i < gridW * gridH; i++) {
    const k = owner[i];
    if (k < 0) continue;
    area[k]++;
    if (nucleus[i]) nuclear[k]++;
    const x = i % gridW;
    const y = (i - x) / gridW;
    if (x === 0 || y === 0 || x === gridW - 1 || y === gridH - 1) onBorder[k] = 1;
  }
  const diameters: number[] = [];
  for (let k = 0; k < cells.length; k++) {
    if (!onBorder[k] && nuclear[k] <= MAX_NUCLEAR_SHARE * area[k]) diameters.push(2 * Math.sqrt(area[k] / Math.PI));
  }
  return diameters;
}

/**
 * The median of `values` weighted by value squared (an area for diameters or radii): the many
 * small slivers weigh little against the few whole cells. Empty input: NaN.
 */
export function areaWeightedMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, v) => sum + v * v, 0);
  let cumulative = 0;
  for (const v of sorted) {
    cumulative += v * v;
    if (cumulative >= total / 2) return v;
  }
  return sorted.length ? sorted[sorted.length - 1] : NaN;
}
