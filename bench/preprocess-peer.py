#!/usr/bin/python3
"""The NumPy/SciPy peer of smearscope's per-frame preprocessing, for the bench's pipeline suite.

The same three stages as a preprocess worker, written the way a Python pipeline of the seeds'
method would be (Matek et al.: locate leukocytes by foreground ratio, cut a square around each,
normalize the stain, standardize for the CNN):

1. stain fit: Macenko as torchstain's numpy normalizer does it (OD, beta filter, covariance
   eigenvectors, angle percentiles, least-squares concentrations, 99th percentile maxC), on
   every `stainFitStride`-th pixel of every `stainFitStride`-th row, as smearscope fits;
2. localization: green OD minus blue OD (the nuclear contrast) averaged in 0.75 um bins over the
   same sampled pixels, Otsu threshold clamped to [0.3, 0.75], summed-area table, foreground
   ratio of a 12 um window on a 2 um grid, 3 x 3 maxima (scipy.ndimage), centroid refinement,
   non-maximum suppression;
3. patches: per cell a patchMicrons square resampled bilinearly (half-pixel centres, mirrored at
   the frame border) to the model input, Macenko-normalized to the card's reference as torchstain
   normalizes, standardized with mean/std into one float32 NCHW batch.

Reads a manifest (argv[1], JSON: frames as raw RGB(A) files with width, height, channels,
micronsPerPixel, stainFitStride; the job: patchMicrons, input size, mean, std, stain reference)
and prints one JSON object: per frame, CPU and wall milliseconds of each stage and the cells found.
One thread: the BLAS pools are pinned to 1 before NumPy loads, so the figure is per core.
"""

import json
import os
import sys
import time

for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = '1'

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy import ndimage  # noqa: E402

IO = 240.0
BETA = 0.15
ALPHA = 1.0
CELL_MICRONS = 12.0
BIN_MICRONS = 0.75
MIN_RATIO = 0.15
THRESHOLD_BOUNDS = (0.3, 0.75)
NUCLEUS_WINDOW_FRACTION = 0.6
NUCLEUS_STEPS = 4
OD_LUT = -np.log((np.arange(256, dtype=np.float64) + 1) / IO)


def macenko_fit(rgb, stride):
    """torchstain's numpy Macenko (__compute_matrices) on the sampled pixels: (HE 3x2, maxC 2)."""
    pixels = rgb[::stride, ::stride, :3].reshape(-1, 3)
    od = OD_LUT[pixels]
    od_hat = od[~np.any(od < BETA, axis=1)]
    _, eigvecs = np.linalg.eigh(np.cov(od_hat.T))
    plane = eigvecs[:, 1:3]
    t_hat = od_hat.dot(plane)
    phi = np.arctan2(t_hat[:, 1], t_hat[:, 0])
    min_phi = np.percentile(phi, ALPHA)
    max_phi = np.percentile(phi, 100 - ALPHA)
    v_min = plane.dot(np.array([np.cos(min_phi), np.sin(min_phi)]))
    v_max = plane.dot(np.array([np.cos(max_phi), np.sin(max_phi)]))
    he = np.array((v_min, v_max)).T if v_min[0] > v_max[0] else np.array((v_max, v_min)).T
    concentrations = np.linalg.lstsq(he, od.T, rcond=None)[0]
    max_c = np.array([np.percentile(concentrations[0], 99), np.percentile(concentrations[1], 99)])
    return he, max_c


def otsu(histogram):
    """Otsu's bin on a 256-bin histogram (the first maximum of the between-class variance)."""
    levels = np.arange(256, dtype=np.float64)
    weight_low = np.cumsum(histogram)[:-1]
    sum_low = np.cumsum(histogram * levels)[:-1]
    total = histogram.sum()
    weight_high = total - weight_low
    with np.errstate(divide='ignore', invalid='ignore'):
        mean_low = sum_low / weight_low
        mean_high = (np.dot(histogram, levels) - sum_low) / weight_high
        variance = np.where((weight_low > 0) & (weight_high > 0), weight_low * weight_high * (mean_low - mean_high) ** 2, -1)
    return int(np.argmax(variance))


def localize(rgb, microns_per_pixel):
    """Cell centres (x, y) in frame pixels by foreground ratio."""
    height, width = rgb.shape[:2]
    cell_px = CELL_MICRONS / microns_per_pixel
    bin_px = max(1, min(int(BIN_MICRONS / microns_per_pixel), int(cell_px / 6)))
    step = 2 if bin_px >= 4 else 1
    grid_h, grid_w = height // bin_px, width // bin_px
    offsets = np.arange(0, bin_px, step)
    ys = (np.arange(grid_h)[:, None] * bin_px + offsets).ravel()
    xs = (np.arange(grid_w)[:, None] * bin_px + offsets).ravel()
    sampled = rgb[np.ix_(ys, xs)]
    contrast = OD_LUT[sampled[..., 1]] - OD_LUT[sampled[..., 2]]
    k = len(offsets)
    binned = contrast.reshape(grid_h, k, grid_w, k).mean(axis=(1, 3))

    histogram = np.histogram(np.clip(binned, 0, None), bins=256, range=(0, 1.5))[0].astype(np.float64)
    threshold = min(max((otsu(histogram) + 1) * 1.5 / 256, THRESHOLD_BOUNDS[0]), THRESHOLD_BOUNDS[1])
    mask = binned > threshold

    sat = np.zeros((grid_h + 1, grid_w + 1), dtype=np.int64)
    sat[1:, 1:] = mask.cumsum(axis=0).cumsum(axis=1)
    window = max(1, round(cell_px / bin_px))
    stride = max(1, round(CELL_MICRONS / 6 / microns_per_pixel / bin_px))
    cy = np.arange(0, grid_h, stride)
    cx = np.arange(0, grid_w, stride)
    y0 = np.clip(cy - window // 2, 0, grid_h)[:, None]
    y1 = np.clip(cy + window - window // 2, 0, grid_h)[:, None]
    x0 = np.clip(cx - window // 2, 0, grid_w)[None, :]
    x1 = np.clip(cx + window - window // 2, 0, grid_w)[None, :]
    counts = sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0]
    ratio = counts / ((y1 - y0) * (x1 - x0))
    peaks = (ratio == ndimage.maximum_filter(ratio, size=3, mode='constant', cval=-1)) & (ratio >= MIN_RATIO) & (counts > 0)
    order = np.argsort(-ratio[peaks], kind='stable')
    py, px = np.nonzero(peaks)

    min_distance = 0.75 * CELL_MICRONS / microns_per_pixel
    nucleus = max(1, round(NUCLEUS_WINDOW_FRACTION * window))
    cells = []
    for i in order:
        centre = centroid(mask, py[i] * stride, px[i] * stride, window)
        for _ in range(NUCLEUS_STEPS):
            moved = centroid(mask, int(centre[0] + 0.5), int(centre[1] + 0.5), nucleus)
            if moved is None or moved == centre:
                break
            centre = moved
        y = centre[0] * bin_px + (bin_px - 1) / 2
        x = centre[1] * bin_px + (bin_px - 1) / 2
        if all((cx_ - x) ** 2 + (cy_ - y) ** 2 >= min_distance**2 for cx_, cy_ in cells):
            cells.append((x, y))
    return cells


def centroid(mask, cy, cx, window):
    """Centre of mass (bins) of the mask in the window around (cy, cx), or None when it is empty."""
    y0, x0 = max(cy - window // 2, 0), max(cx - window // 2, 0)
    part = mask[y0 : cy + window - window // 2, x0 : cx + window - window // 2]
    if not part.any():
        return None
    y, x = ndimage.center_of_mass(part)
    return (y + y0, x + x0)


def mirrored(index, size):
    """Pixel indices mirrored into [0, size) (pixel -1 is pixel 0), period 2 * size."""
    period = 2 * size
    m = np.mod(index, period)
    return np.where(m < size, m, period - 1 - m)


def write_patches(rgb, cells, microns_per_pixel, job, he, max_c, out):
    """One standardized float32 NCHW patch per cell into out[k]: crop, bilinear, stain map."""
    height, width = rgb.shape[:2]
    size_w, size_h = job['inputWidth'], job['inputHeight']
    side = job['patchMicrons'] / microns_per_pixel
    stain = job.get('stainReference')
    if stain:
        reference = np.array(stain['stainMatrix'], dtype=np.float64).T  # 3 x 2
        reference_max_c = np.array(stain['maxC'], dtype=np.float64)
        pseudo_inverse = np.linalg.pinv(he)  # lstsq of every pixel on HE, as one 2 x 3 matrix
    mean = np.array(job['mean'], dtype=np.float32)[:, None, None]
    std = np.array(job['std'], dtype=np.float32)[:, None, None]
    for k, (x, y) in enumerate(cells):
        sx = x + 0.5 - side / 2 + (np.arange(size_w) + 0.5) * (side / size_w) - 0.5
        sy = y + 0.5 - side / 2 + (np.arange(size_h) + 0.5) * (side / size_h) - 0.5
        fx, fy = np.floor(sx), np.floor(sy)
        wx, wy = (sx - fx)[None, :, None], (sy - fy)[:, None, None]
        xs = mirrored(np.stack([fx, fx + 1]).astype(np.int64), width)
        ys = mirrored(np.stack([fy, fy + 1]).astype(np.int64), height)
        taps = rgb[np.ix_(np.concatenate(ys), np.concatenate(xs))][..., :3].astype(np.float64)
        top = taps[:size_h, :size_w] * (1 - wx) + taps[:size_h, size_w:] * wx
        bottom = taps[size_h:, :size_w] * (1 - wx) + taps[size_h:, size_w:] * wx
        patch = (top * (1 - wy) + bottom * wy).reshape(-1, 3)
        if stain:
            od = -np.log((patch + 1) / IO)
            concentrations = pseudo_inverse.dot(od.T) * (reference_max_c / max_c)[:, None]
            normalized = np.minimum(255.0, IO * np.exp(-reference.dot(concentrations)))
        else:
            normalized = patch.T
        planes = normalized.reshape(3, size_h, size_w).astype(np.float32)
        out[k] = (planes / 255 - mean) / std


def main():
    with open(sys.argv[1]) as handle:
        manifest = json.load(handle)
    job = manifest['job']
    frames = []
    for frame in manifest['frames']:
        data = np.fromfile(frame['path'], dtype=np.uint8)
        frames.append((data.reshape(frame['height'], frame['width'], frame['channels']), frame['micronsPerPixel'], frame['stainFitStride']))
    cell_floats = 3 * job['inputHeight'] * job['inputWidth']
    results = []
    # The first frame once more, untimed: page faults and lazy imports are not the stages' cost.
    for index, (rgb, mpp, fit_stride) in [(0, frames[0])] + list(enumerate(frames)):
        stage = {}
        cpu, wall = time.process_time(), time.perf_counter()
        he, max_c = macenko_fit(rgb, fit_stride)
        stage['stainFit'] = (time.process_time() - cpu, time.perf_counter() - wall)
        cpu, wall = time.process_time(), time.perf_counter()
        cells = localize(rgb, mpp)
        stage['localize'] = (time.process_time() - cpu, time.perf_counter() - wall)
        cpu, wall = time.process_time(), time.perf_counter()
        batch = np.empty((len(cells), 3, job['inputHeight'], job['inputWidth']), dtype=np.float32)
        write_patches(rgb, cells, mpp, job, he, max_c, batch)
        stage['patches'] = (time.process_time() - cpu, time.perf_counter() - wall)
        assert batch.size == len(cells) * cell_floats
        results.append(
            {
                'frame': index,
                'cells': len(cells),
                'cpuMs': {name: 1000 * value[0] for name, value in stage.items()},
                'wallMs': {name: 1000 * value[1] for name, value in stage.items()},
            }
        )
    print(json.dumps({'numpy': np.__version__, 'scipy': scipy.__version__, 'python': sys.version.split()[0], 'frames': results[1:]}))


if __name__ == '__main__':
    main()
