/** One eigenpair of a symmetric matrix; `vector` has unit length. */
export interface Eigenpair {
  value: number;
  vector: number[];
}

/**
 * Eigen-decomposition of a small symmetric matrix (n x n, row-major arrays) by cyclic Jacobi
 * rotations: robust for the 3x3 OD covariance, including repeated and zero eigenvalues.
 * Returns the pairs sorted by decreasing eigenvalue. The input is not modified.
 */
export function symmetricEigen(matrix: readonly (readonly number[])[]): Eigenpair[] {
  const n = matrix.length;
  const a = matrix.map((row) => row.slice());
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 64; sweep++) {
    let offDiagonal = 0;
    let diagonal = 0;
    for (let i = 0; i < n; i++) {
      diagonal += a[i][i] * a[i][i];
      for (let j = i + 1; j < n; j++) offDiagonal += a[i][j] * a[i][j];
    }
    // Converged when the off-diagonal part is below rounding of the diagonal (or exactly zero).
    if (offDiagonal <= 1e-30 * diagonal || offDiagonal === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        // Rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const pairs = a.map((row, i) => ({ value: row[i], vector: v.map((vRow) => vRow[i]) }));
  return pairs.sort((x, y) => y.value - x.value);
}
