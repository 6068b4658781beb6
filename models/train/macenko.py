"""Macenko stain estimation and normalization in numpy, exactly as ARCHITECTURE.md specifies
("Macenko stain estimation") so that the SDK's WASM kernel reproduces what the model saw.

Conventions the SDK must share (also listed in README.md):
- Intensities are float RGB in [0, 255]; OD = -ln((I + 1) / Io), Io = 240.
- Kept pixels: OD >= beta (0.15) in all three channels.
- Plane: eigenvectors of the two largest eigenvalues of the 3x3 covariance (numpy.cov, i.e.
  mean-centred, divided by n - 1) of the kept OD vectors. Each eigenvector is made
  sign-consistent: flipped when the sum of its components is negative.
- phi = atan2(t_largest, t_second), t = projection of each kept OD vector on the eigenvector of the
  largest / second largest eigenvalue (the order of the popular reference code).
- alpha-th and (100 - alpha)-th percentiles of phi with numpy's default linear interpolation give
  two unit stain vectors, each flipped when its component sum is negative; the one with the larger
  red-channel component goes first (hematoxylin-like).
- Concentrations: least squares of every pixel's OD (kept or not) on the two stain vectors;
  maxC = 99th percentile of each stain's concentration.
- Normalize: C' = C * maxC_ref / maxC, I' = min(255, Io * exp(-Ref^T C')) (no rounding).
"""
from typing import NamedTuple, Optional

import numpy as np

LIGHT_INTENSITY = 240.0  # Io
OD_THRESHOLD = 0.15  # beta
ANGLE_PERCENTILE = 1.0  # alpha
CONCENTRATION_PERCENTILE = 99.0
MIN_KEPT_PIXELS = 100  # fewer kept pixels: the SDK leaves the image un-normalized


class StainFit(NamedTuple):
    stain_matrix: np.ndarray  # [2, 3] unit OD vectors, row 0 hematoxylin-like
    max_concentrations: np.ndarray  # [2]


def optical_density(rgb: np.ndarray) -> np.ndarray:
    """rgb: [..., 3] intensities 0..255 (any dtype, not modified) -> float64 OD of the same shape."""
    return -np.log((rgb.astype(np.float64) + 1.0) / LIGHT_INTENSITY)


def _sign_consistent(vector: np.ndarray) -> np.ndarray:
    # An eigenvector's sign is arbitrary; stains absorb, so point it to positive OD.
    return -vector if vector.sum() < 0 else vector


def concentrations(od_pixels: np.ndarray, stain_matrix: np.ndarray) -> np.ndarray:
    """od_pixels [P, 3], stain_matrix [2, 3] -> least-squares concentrations [2, P] (new array)."""
    return np.linalg.pinv(stain_matrix.T) @ od_pixels.T


def fit_stains(rgb_pixels: np.ndarray) -> Optional[StainFit]:
    """Macenko fit of rgb_pixels [P, 3] (0..255, not modified). None when fewer than
    MIN_KEPT_PIXELS pixels pass the OD threshold."""
    od = optical_density(rgb_pixels.reshape(-1, 3))
    kept = od[np.all(od >= OD_THRESHOLD, axis=1)]
    if kept.shape[0] < MIN_KEPT_PIXELS:
        return None
    _, eigenvectors = np.linalg.eigh(np.cov(kept.T))  # eigenvalues ascending
    largest = _sign_consistent(eigenvectors[:, 2])
    second = _sign_consistent(eigenvectors[:, 1])
    phi = np.arctan2(kept @ largest, kept @ second)
    phi_low = np.percentile(phi, ANGLE_PERCENTILE)
    phi_high = np.percentile(phi, 100.0 - ANGLE_PERCENTILE)
    stain_low = _sign_consistent(second * np.cos(phi_low) + largest * np.sin(phi_low))
    stain_high = _sign_consistent(second * np.cos(phi_high) + largest * np.sin(phi_high))
    stains = [stain_low, stain_high] if stain_low[0] > stain_high[0] else [stain_high, stain_low]
    stain_matrix = np.array([s / np.linalg.norm(s) for s in stains])
    max_concentrations = np.percentile(concentrations(od, stain_matrix), CONCENTRATION_PERCENTILE, axis=1)
    return StainFit(stain_matrix, max_concentrations)


def normalize_stains(rgb: np.ndarray, fit: Optional[StainFit], reference: StainFit) -> np.ndarray:
    """Map rgb [..., 3] (0..255, float or uint8, not modified) from its own stain fit to the
    reference stains. Returns a new float32 array in [0, 255]; a copy of the input when fit is
    None (too few stained pixels: the SDK leaves such patches un-normalized)."""
    if fit is None:
        return rgb.astype(np.float32)
    shape = rgb.shape
    c = concentrations(optical_density(rgb.reshape(-1, 3)), fit.stain_matrix)
    c *= (reference.max_concentrations / fit.max_concentrations)[:, None]
    out = LIGHT_INTENSITY * np.exp(-(reference.stain_matrix.T @ c))
    return np.minimum(255.0, out).T.reshape(shape).astype(np.float32)
