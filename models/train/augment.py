"""Training-time view of a batch, in torch, following the SDK order: geometric resample of the raw
crop -> Macenko normalization with each image's own fit -> stain jitter -> mean/std.

The geometric step samples the 250 px crop directly at the model input size with
grid_sample(align_corners=False): for the identity transform its source coordinate is
(j + 0.5) * (250 / S) - 0.5, the SDK's half-pixel bilinear resampling, so an un-augmented
training view equals the SDK's patch (checked in check_pipeline.py). Rotations, flips, a small
scale change and shifts ride on the same single resampling, so no image is interpolated twice.
"""
import math

import torch
import torch.nn.functional as F

from macenko import LIGHT_INTENSITY


def random_affines(batch_size: int, generator: torch.Generator, max_shift_fraction: float,
                   max_scale_change: float) -> torch.Tensor:
    """[batch_size, 2, 3] affine matrices in grid_sample's normalized coordinates: a rotation by a
    uniform angle (covers the 90 degree multiples and every small angle), a horizontal flip with
    probability 1/2, a scale in 1 +- max_scale_change and a shift of +- max_shift_fraction of the side."""
    angle = torch.rand(batch_size, generator=generator) * 2 * math.pi
    flip = torch.where(torch.rand(batch_size, generator=generator) < 0.5, -1.0, 1.0)
    scale = 1 + (torch.rand(batch_size, generator=generator) * 2 - 1) * max_scale_change
    shift = (torch.rand(batch_size, 2, generator=generator) * 2 - 1) * max_shift_fraction * 2
    return build_affines(angle, flip, scale, shift)


def build_affines(angle: torch.Tensor, flip: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """[N, 2, 3] grid_sample affines: rotation by angle [N] (radians), horizontal flip [N] (+-1),
    scale [N] (output-to-input, 1 = the whole crop) and shift [N, 2] in normalized coordinates."""
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    affines = torch.zeros(angle.shape[0], 2, 3)
    affines[:, 0, 0] = cos * flip
    affines[:, 0, 1] = -sin
    affines[:, 1, 0] = sin * flip
    affines[:, 1, 1] = cos
    affines[:, :, 2] = shift
    return affines


def resample_batch(raw: torch.Tensor, affines: torch.Tensor, input_pixels: int) -> torch.Tensor:
    """raw uint8 [N, 3, H, W] (not modified) -> new float32 [N, 3, S, S] intensities 0..255.
    Reflection padding fills what a rotation brings in from outside the crop."""
    grid = F.affine_grid(affines, [raw.shape[0], 3, input_pixels, input_pixels], align_corners=False)
    return F.grid_sample(raw.float(), grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def normalize_batch(intensities: torch.Tensor, od_maps: torch.Tensor, fitted: torch.Tensor) -> torch.Tensor:
    """Macenko normalization as in macenko.normalize_stains, batched. intensities [N, 3, S, S]
    0..255; od_maps [N, 3, 3] = Ref^T diag(maxC_ref / maxC) pinv(M^T) per image (maps an OD vector to
    the reference stains); fitted [N] bool (False: leave that image as it is). Returns a new tensor."""
    od = -torch.log((intensities + 1.0) / LIGHT_INTENSITY)
    mapped = torch.einsum("nij,njhw->nihw", od_maps, od)
    normalized = torch.clamp(LIGHT_INTENSITY * torch.exp(-mapped), max=255.0)
    return torch.where(fitted[:, None, None, None], normalized, intensities)


def jitter_stains(intensities: torch.Tensor, reference_matrix: torch.Tensor, generator: torch.Generator,
                  max_scale_change: float, max_shift: float) -> torch.Tensor:
    """Tellez-style stain jitter in OD space on normalized images [N, 3, S, S] (0..255): per image
    and stain, concentration c -> c * U(1 +- max_scale_change) + U(+- max_shift); the OD left outside
    the stain plane is kept. reference_matrix [2, 3]. Returns a new tensor in 0..255."""
    batch_size = intensities.shape[0]
    od = -torch.log(torch.clamp(intensities, min=1e-3) / LIGHT_INTENSITY)
    to_concentration = torch.linalg.pinv(reference_matrix.T)  # [2, 3]
    c = torch.einsum("sj,njhw->nshw", to_concentration, od)
    scale = 1 + (torch.rand(batch_size, 2, 1, 1, generator=generator) * 2 - 1) * max_scale_change
    shift = (torch.rand(batch_size, 2, 1, 1, generator=generator) * 2 - 1) * max_shift
    delta = c * (scale - 1) + shift
    od = od + torch.einsum("sj,nshw->njhw", reference_matrix, delta)
    return torch.clamp(LIGHT_INTENSITY * torch.exp(-od), 0.0, 255.0)


def standardize(intensities: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """(p/255 - mean) / std per RGB channel; mean, std [3]. Returns a new tensor."""
    return (intensities / 255.0 - mean[None, :, None, None]) / std[None, :, None, None]
