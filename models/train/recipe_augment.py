"""Augmentations of the cross-lab recipe (train_recipe.py), in torch, on batches of intensities
[N, 3, S, S] in 0..255. Each returns a new tensor and leaves its input alone.

Why these: a model of one lab meets other stains, cameras, white balances, focus and magnifications.
- Geometry in microns (physical_affines): the window the SDK cuts is patchMicrons wide at the frame's
  micronsPerPixel; scale errors of ~10-20 % (erythrocyte estimates, wrong calibration) are trained in.
- Colour in optical density (jitter_hed): Beer-Lambert makes stain amounts additive in OD, so jitter
  is done on concentrations along a fixed H-E-DAB basis (Ruifrok & Johnston 2001; Tellez et al. 2019
  "HED jitter"), plus a small random mix of the basis (stains of other recipes are not H&E), plus a
  per-channel OD offset (the illuminant / white balance of another camera).
- Focus and sensor (blur_and_noise): other scanners' optics and JPEG quality.
"""
import math

import torch
import torch.nn.functional as F

from augment import build_affines
from macenko import LIGHT_INTENSITY

# Ruifrok & Johnston's OD vectors (rows: haematoxylin, eosin, DAB), as in skimage.color.rgb_from_hed.
HED_FROM_RGB_ROWS = torch.tensor([[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]])
RGB_FROM_HED = HED_FROM_RGB_ROWS / HED_FROM_RGB_ROWS.norm(dim=1, keepdim=True)  # [3 stains, 3 rgb]


def physical_affines(batch_size: int, generator: torch.Generator, window_fraction: float, max_log_scale: float,
                     max_shift_fraction: float) -> torch.Tensor:
    """[batch_size, 2, 3] grid_sample affines. window_fraction: the patchMicrons window's side as a
    fraction of the stored crop's side (1 = the whole crop); the window is scaled by exp(U(+-max_log_scale))
    (a wrong micronsPerPixel), rotated by any angle, flipped with probability 1/2 and shifted by
    +- max_shift_fraction of the window (a localization off the cell's centre)."""
    angle = torch.rand(batch_size, generator=generator) * 2 * math.pi
    flip = torch.where(torch.rand(batch_size, generator=generator) < 0.5, -1.0, 1.0)
    scale = window_fraction * torch.exp((torch.rand(batch_size, generator=generator) * 2 - 1) * max_log_scale)
    shift = (torch.rand(batch_size, 2, generator=generator) * 2 - 1) * max_shift_fraction * 2 * window_fraction
    return build_affines(angle, flip, scale, shift)


def jitter_hed(intensities: torch.Tensor, generator: torch.Generator, concentration_scale: float,
               concentration_shift: float, basis_mix: float, channel_offset: float) -> torch.Tensor:
    """OD-space colour jitter per image: c = OD B^-1 on the H-E-DAB basis B (perturbed by
    U(+-basis_mix) per entry), c -> c * U(1 +- concentration_scale) + U(+- concentration_shift) per
    stain, OD' = c B + U(+- channel_offset) per RGB channel (illuminant). Output clamped to 0..255."""
    n, device = intensities.shape[0], intensities.device
    od = -torch.log(torch.clamp(intensities, min=1.0) / 255.0)
    basis = RGB_FROM_HED.to(device)
    concentration = torch.einsum("nchw,cs->nshw", od, torch.linalg.inv(basis))
    perturbed = basis[None] + ((torch.rand(n, 3, 3, generator=generator) * 2 - 1) * basis_mix).to(device)
    scale = 1 + ((torch.rand(n, 3, 1, 1, generator=generator) * 2 - 1) * concentration_scale).to(device)
    shift = ((torch.rand(n, 3, 1, 1, generator=generator) * 2 - 1) * concentration_shift).to(device)
    offset = ((torch.rand(n, 3, 1, 1, generator=generator) * 2 - 1) * channel_offset).to(device)
    od = torch.einsum("nshw,nsc->nchw", concentration * scale + shift, perturbed) + offset
    return torch.clamp(255.0 * torch.exp(-od), 0.0, 255.0)


def blur_and_noise(intensities: torch.Tensor, generator: torch.Generator, blur_probability: float,
                   max_sigma_pixels: float, max_noise: float) -> torch.Tensor:
    """Gaussian blur (sigma U(0, max_sigma_pixels) input pixels) on a blur_probability share of the
    images, then Gaussian noise of standard deviation U(0, max_noise) grey levels."""
    n, device = intensities.shape[0], intensities.device
    out = intensities
    sigma = torch.rand(n, generator=generator) * max_sigma_pixels
    blurred = torch.rand(n, generator=generator) < blur_probability
    noise_level = torch.rand(n, 1, 1, 1, generator=generator) * max_noise
    if bool(blurred.any()):
        radius = int(math.ceil(2 * max_sigma_pixels))
        taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernels = torch.exp(-0.5 * (taps[None] / torch.clamp(sigma[:, None], min=1e-3)) ** 2)
        kernels = kernels / kernels.sum(1, keepdim=True)  # [N, K]
        kernels = torch.where(blurred[:, None], kernels, (taps == 0).float()[None])
        # One grouped separable convolution: every (image, channel) plane is its own group.
        weights = kernels.repeat_interleave(3, dim=0).to(device)  # [N * 3, K]
        planes = F.pad(out.reshape(1, n * 3, *out.shape[2:]), (radius, radius, radius, radius), mode="reflect")
        planes = F.conv2d(planes, weights.view(n * 3, 1, 1, -1), groups=n * 3)
        planes = F.conv2d(planes, weights.view(n * 3, 1, -1, 1), groups=n * 3)
        out = planes.reshape(out.shape)
    noise = (torch.randn(out.shape, generator=generator) * noise_level).to(device)
    return torch.clamp(out + noise, 0.0, 255.0)


def normalize_some(intensities: torch.Tensor, od_maps: torch.Tensor, fitted: torch.Tensor, probability: float,
                   generator: torch.Generator) -> torch.Tensor:
    """Macenko-normalizes (augment.normalize_batch's formula) a random `probability` share of the
    images, so that one model serves stain normalization on and off. od_maps [N, 3, 3], fitted [N]."""
    chosen = (torch.rand(intensities.shape[0], generator=generator) < probability).to(intensities.device) & fitted
    od = -torch.log((intensities + 1.0) / LIGHT_INTENSITY)
    mapped = torch.einsum("nij,njhw->nihw", od_maps, od)
    normalized = torch.clamp(LIGHT_INTENSITY * torch.exp(-mapped), max=255.0)
    return torch.where(chosen[:, None, None, None], normalized, intensities)


def jitter_colour(intensities: torch.Tensor, generator: torch.Generator, max_hue_degrees: float, saturation: float,
                  max_log_gamma: float, grey_probability: float) -> torch.Tensor:
    """Colour transforms beyond stain amounts (other stain recipes, cameras, white balances): a hue
    rotation about the grey axis by U(+- max_hue_degrees), saturation x U(1 +- saturation), gamma
    exp(U(+- max_log_gamma)) and, with grey_probability, grey only. [N, 3, S, S] 0..255 -> new tensor."""
    n, device = intensities.shape[0], intensities.device
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(max_hue_degrees)
    sat = 1 + (torch.rand(n, generator=generator) * 2 - 1) * saturation
    sat = torch.where(torch.rand(n, generator=generator) < grey_probability, torch.zeros(n), sat)
    gamma = torch.exp((torch.rand(n, generator=generator) * 2 - 1) * max_log_gamma)
    # Rodrigues rotation about the unit grey axis u, then scaling of the part orthogonal to u.
    u = torch.full((3,), 1 / math.sqrt(3))
    cross = torch.tensor([[0.0, -u[2], u[1]], [u[2], 0.0, -u[0]], [-u[1], u[0], 0.0]])
    outer = torch.outer(u, u)
    cos, sin = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
    rotation = cos * torch.eye(3) + sin * cross + (1 - cos) * outer
    matrix = outer + sat[:, None, None] * (rotation - outer)  # [N, 3, 3]
    x = intensities / 255.0
    x = torch.einsum("nij,njhw->nihw", matrix.to(device), x)
    x = torch.clamp(x, 0.0, 1.0) ** gamma.to(device)[:, None, None, None]
    return x * 255.0


class TrainingViews:
    """The recipe's training view of a batch, in the SDK's order: one geometric resample of the raw
    crop (physical window, scale, rotation, flip, shift) -> Macenko normalization for a share of the
    views -> OD colour jitter -> blur and noise. Random draws come from `generator` (CPU) whatever
    the device, so the draws of a seed are the same on CPU and GPU. camera: then degrade_camera (lower
    resolution, JPEG, a frame edge) on every batch; only with the strong colour. max_log_scale: the
    window's scale jitter exp(U(+-max_log_scale))."""

    def __init__(self, generator: torch.Generator, device: torch.device, window_fraction: float, input_pixels: int,
                 normalize_probability: float, colour: str = "hed", camera: bool = False,
                 max_log_scale: float = 0.2):
        self.generator, self.device, self.colour, self.camera = generator, device, colour, camera
        self.max_log_scale = max_log_scale
        self.window_fraction, self.input_pixels = window_fraction, input_pixels
        self.normalize_probability = normalize_probability

    def __call__(self, raw: torch.Tensor, od_maps: torch.Tensor, fitted: torch.Tensor) -> torch.Tensor:
        """raw uint8 [N, 3, H, W], od_maps [N, 3, 3], fitted [N] (on the device) -> [N, 3, S, S] 0..255."""
        g = self.generator
        affines = physical_affines(raw.shape[0], g, self.window_fraction, max_log_scale=self.max_log_scale,
                                   max_shift_fraction=0.08)
        grid = F.affine_grid(affines.to(self.device), [raw.shape[0], 3, self.input_pixels, self.input_pixels], align_corners=False)
        view = F.grid_sample(raw.float(), grid, mode="bilinear", padding_mode="reflection", align_corners=False)
        view = normalize_some(view, od_maps, fitted, self.normalize_probability, g)
        if self.colour == "hed":
            view = jitter_hed(view, g, concentration_scale=0.3, concentration_shift=0.05, basis_mix=0.1, channel_offset=0.1)
            return blur_and_noise(view, g, blur_probability=0.5, max_sigma_pixels=1.2, max_noise=4.0)
        # "strong": wider OD jitter plus hue, saturation, gamma and grey views, and more blur.
        view = jitter_hed(view, g, concentration_scale=0.5, concentration_shift=0.1, basis_mix=0.2, channel_offset=0.2)
        view = jitter_colour(view, g, max_hue_degrees=30.0, saturation=0.5, max_log_gamma=0.4, grey_probability=0.1)
        view = blur_and_noise(view, g, blur_probability=0.7, max_sigma_pixels=2.0, max_noise=6.0)
        if not self.camera:
            return view
        return degrade_camera(view, g, resolution_probability=0.5, max_resolution_loss=2.5, jpeg_probability=0.5,
                              jpeg_quality=(30, 90), border_probability=0.2, max_border_fraction=0.35)


def degrade_camera(intensities: torch.Tensor, generator: torch.Generator, resolution_probability: float,
                   max_resolution_loss: float, jpeg_probability: float, jpeg_quality: tuple, border_probability: float,
                   max_border_fraction: float) -> torch.Tensor:
    """A cheaper camera and a frame edge, on views [N, 3, S, S] 0..255 -> new tensor.
    - Resolution: area-downsampled by a factor U(1, max_resolution_loss) and bilinearly upsampled back
      (a lower optical/sensor resolution than the training lab's; BCCD's 640 x 480 frames are soft).
    - JPEG: re-encoded by PIL (libjpeg-turbo) at a quality drawn from jpeg_quality (lo, hi) inclusive.
    - Border: with border_probability, everything beyond a line U(0, max_border_fraction) of the side in
      from one random edge repeats the line's pixels: the SDK's patch kernel clamps source coordinates,
      so a cell near a frame edge gets these stripes."""
    import io

    import numpy as np
    from PIL import Image

    n, side = intensities.shape[0], intensities.shape[-1]
    out = intensities.cpu().clone()
    factor = 1 + torch.rand(n, generator=generator) * (max_resolution_loss - 1)
    lose = torch.rand(n, generator=generator) < resolution_probability
    compress = torch.rand(n, generator=generator) < jpeg_probability
    quality = torch.randint(jpeg_quality[0], jpeg_quality[1] + 1, (n,), generator=generator)
    border = torch.rand(n, generator=generator) < border_probability
    edge = torch.randint(0, 4, (n,), generator=generator)
    depth = (torch.rand(n, generator=generator) * max_border_fraction * side).long()
    for i in range(n):
        view = out[i:i + 1]
        if bool(lose[i]):
            small = max(8, int(round(side / float(factor[i]))))
            view = F.interpolate(view, size=(small, small), mode="area")
            view = F.interpolate(view, size=(side, side), mode="bilinear", align_corners=False)
        if bool(compress[i]):
            pixels = np.clip(np.rint(view[0].permute(1, 2, 0).numpy()), 0, 255).astype(np.uint8)
            buffer = io.BytesIO()
            Image.fromarray(pixels).save(buffer, format="JPEG", quality=int(quality[i]))
            buffer.seek(0)
            with Image.open(buffer) as decoded:
                view = torch.from_numpy(np.asarray(decoded.convert("RGB"), dtype=np.float32)).permute(2, 0, 1)[None]
        if bool(border[i]) and int(depth[i]) > 0:
            d, e = int(depth[i]), int(edge[i])
            view = view.clone()
            if e == 0:
                view[..., :, :d] = view[..., :, d:d + 1]
            elif e == 1:
                view[..., :, side - d:] = view[..., :, side - d - 1:side - d]
            elif e == 2:
                view[..., :d, :] = view[..., d:d + 1, :]
            else:
                view[..., side - d:, :] = view[..., side - d - 1:side - d, :]
        out[i] = view[0]
    return out.to(intensities.device)
