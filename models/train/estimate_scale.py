"""Estimate the physical scale of the bm-matek-7 crops from erythrocytes (about 7.5 um across).

Automatic segmentation of erythrocytes fails on these crops (they touch each other and the
cytoplasm of neighbouring cells, and are as pale as some cytoplasm), so the measurement is
semi-automatic and reproducible: for erythrocytes picked by eye (ERYTHROCYTES, rough centres in
crop pixels), cast 48 rays from the centre, take on each ray the steepest fall of the summed
optical density (the cell's rim, 20..75 px out), fit a circle to the rim points (least squares,
refit without points more than 12 % off the median distance; 3 rounds, each re-casting the rays from the new centre), and report the
diameters. Each fitted circle was checked by eye to lie on the cell's rim (README.md).
microns per pixel = 7.5 / median diameter; patchMicrons = 250 * that. Writes scale.json.

Run from the repository root: /usr/bin/python3 models/train/estimate_scale.py
With --dataset pbc-8 the measurement is automatic (pbc_scale below): the PBC smears are thin and
their red cells well separated, so each round, non-nuclear region is one erythrocyte. Writes
scale-pbc-8.json.
"""
import argparse
from collections import deque
import json
import os

import numpy as np

from dataset import Sample, load_rgb
from macenko import optical_density

ERYTHROCYTE_MICRONS = 7.5
CROP_PIXELS = 250
ERYTHROCYTES = [("LYT/LYT_00022.jpg", 102, 215), ("LYT/LYT_00009.jpg", 125, 30),
                ("LYT/LYT_00009.jpg", 40, 195), ("LYT/LYT_00009.jpg", 35, 60)]
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rim_points(summed_od: np.ndarray, centre_x: float, centre_y: float, ray_count: int = 48,
               min_radius: float = 20, max_radius: float = 75) -> np.ndarray:
    """[K, 2] (x, y) of the steepest OD fall on each ray that stays inside the crop."""
    points = []
    step = 0.5
    for angle in np.arange(ray_count) * 2 * np.pi / ray_count:
        radius = np.arange(0, max_radius, step)
        x, y = centre_x + radius * np.cos(angle), centre_y + radius * np.sin(angle)
        inside = (x >= 0) & (x <= summed_od.shape[1] - 1) & (y >= 0) & (y <= summed_od.shape[0] - 1)
        radius, x, y = radius[inside], x[inside], y[inside]
        first = int(min_radius / step)
        if radius.size < first + 10:
            continue
        profile = np.convolve(summed_od[np.round(y).astype(int), np.round(x).astype(int)], np.ones(5) / 5, mode="same")
        index = first + int(np.argmin(np.diff(profile)[first:-4]))
        if radius[index] < radius[-1] - 3:  # a rim found before leaving the crop
            points.append((x[index], y[index]))
    return np.array(points)


def fit_circle(points: np.ndarray):
    """Least-squares (Kasa) circle through points [K, 2] -> (centre x, centre y, radius)."""
    design = np.c_[2 * points, np.ones(len(points))]
    (x, y, c), *_ = np.linalg.lstsq(design, (points ** 2).sum(axis=1), rcond=None)
    return x, y, float(np.sqrt(c + x * x + y * y))


def erythrocyte_diameter(rgb: np.ndarray, centre_x: float, centre_y: float) -> float:
    """Diameter in pixels of the erythrocyte around the rough centre of crop rgb [H, W, 3]."""
    summed_od = optical_density(rgb).sum(axis=2)
    radius = 0.0
    for _ in range(3):
        points = rim_points(summed_od, centre_x, centre_y)
        centre_x, centre_y, radius = fit_circle(points)
        # Rays that ran into a neighbouring cell end far off the circle: refit without them.
        distance = np.hypot(points[:, 0] - centre_x, points[:, 1] - centre_y)
        kept = points[np.abs(distance - np.median(distance)) < 0.12 * np.median(distance)]
        centre_x, centre_y, radius = fit_circle(kept)
    return 2 * radius


def otsu(values: np.ndarray) -> float:
    """Otsu's threshold of values (256 bins)."""
    counts, edges = np.histogram(values, 256)
    centres = (edges[:-1] + edges[1:]) / 2
    weight = np.cumsum(counts)
    mass = np.cumsum(counts * centres)
    between = (mass[-1] * weight / weight[-1] - mass) ** 2 / (weight * (weight[-1] - weight) + 1e-9)
    return float(centres[np.argmax(between)])


def round_regions(mask: np.ndarray):
    """Yields the pixel lists [K, 2] (y, x) of the 4-connected regions of mask that do not touch the border."""
    height, width = mask.shape
    seen = np.zeros(mask.shape, dtype=bool)
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0]:
            continue
        seen[y0, x0] = True
        queue, points = deque([(y0, x0)]), []
        while queue:
            y, x = queue.popleft()
            points.append((y, x))
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        points = np.array(points)
        if points[:, 0].min() > 0 and points[:, 1].min() > 0 and points[:, 0].max() < height - 1 and points[:, 1].max() < width - 1:
            yield points


def pbc_scale(data_root: str, per_class: int = 8, seed: int = 0):
    """Erythrocyte diameters (px) in per_class seeded crops of every pbc-8 folder: Otsu threshold of
    the green OD, regions away from the border, >= 1500 px, round (bounding-box aspect 0.8-1.25, fill
    > 0.6) and not nuclear (mean summed OD < 1.2); diameter = mean of the bounding box's sides."""
    rng = np.random.default_rng(seed)
    diameters = []
    for folder in sorted(os.listdir(data_root)):
        names = sorted(os.listdir(os.path.join(data_root, folder)))
        for name in rng.choice(names, per_class, replace=False):
            # OD against white (256), not the Macenko Io: the background is bright in these smears.
            od = -np.log((load_rgb(data_root, Sample(f"{folder}/{name}", 0)).astype(np.float64) + 1) / 256)
            mask = od[..., 1] > otsu(od[..., 1])
            for points in round_regions(mask):
                height = np.ptp(points[:, 0]) + 1
                width = np.ptp(points[:, 1]) + 1
                if len(points) < 1500 or not 0.8 < height / width < 1.25 or len(points) / (height * width) <= 0.6:
                    continue
                if od[points[:, 0], points[:, 1]].sum(axis=1).mean() < 1.2:
                    diameters.append((height + width) / 2)
    return np.array(diameters)


def main_pbc():
    data_root = os.path.join(REPO_ROOT, "..", "shared", "data", "pbc-8")
    diameters = pbc_scale(data_root)
    median = float(np.median(diameters))
    result = {
        "method": ("automatic erythrocyte diameters on 64 pbc-8 crops (estimate_scale.py --dataset pbc-8), "
                   "7.5 um per erythrocyte"),
        "erythrocytes": int(len(diameters)),
        "diameterPixelsQuartiles": [round(float(v), 1) for v in np.percentile(diameters, [25, 50, 75])],
        "micronsPerPixel": round(ERYTHROCYTE_MICRONS / median, 3),
    }
    print(json.dumps(result))
    with open(os.path.join(os.path.dirname(__file__), "scale-pbc-8.json"), "w") as file:
        json.dump(result, file, indent=2)
        file.write("\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", choices=["bm-matek-7", "pbc-8"], default="bm-matek-7")
    if parser.parse_args().dataset == "pbc-8":
        return main_pbc()
    data_root = os.path.join(REPO_ROOT, "..", "shared", "data", "bm-matek-7")
    diameters = [erythrocyte_diameter(load_rgb(data_root, Sample(path, 0)), x, y) for path, x, y in ERYTHROCYTES]
    median = float(np.median(diameters))
    microns_per_pixel = ERYTHROCYTE_MICRONS / median
    result = {
        "method": "erythrocyte rim circle fits (estimate_scale.py), 7.5 um per erythrocyte",
        "erythrocyteDiametersPixels": [round(d, 1) for d in diameters],
        "medianDiameterPixels": round(median, 1),
        "micronsPerPixel": round(microns_per_pixel, 4),
        "patchMicrons": round(CROP_PIXELS * microns_per_pixel, 1),
    }
    print(json.dumps(result))
    with open(os.path.join(os.path.dirname(__file__), "scale.json"), "w") as file:
        json.dump(result, file, indent=2)
        file.write("\n")


if __name__ == "__main__":
    main()
