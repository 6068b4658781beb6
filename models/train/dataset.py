"""The bm-matek-7 images: listing, the deterministic stratified hold-out split, decoding, and the
exact SDK preprocessing used for evaluation (resample -> stain-normalize -> mean/std)."""
import os
from typing import List, NamedTuple, Optional, Tuple

import numpy as np
from PIL import Image

from macenko import StainFit, fit_stains, normalize_stains
from resample import resample_bilinear

CLASS_CODES = ["BLA", "EOS", "LYT", "MON", "NGS", "NIF", "PMO"]  # output order of the model


class Sample(NamedTuple):
    relative_path: str  # "CLASS/filename.jpg", relative to the data root
    class_index: int


def list_samples(data_root: str) -> List[Sample]:
    """Every image of every class folder, sorted by class then file name (stable across systems)."""
    samples = []
    for class_index, code in enumerate(CLASS_CODES):
        for name in sorted(os.listdir(os.path.join(data_root, code))):
            if name.lower().endswith(".jpg"):
                samples.append(Sample(f"{code}/{name}", class_index))
    return samples


def stratified_split(samples: List[Sample], holdout_fraction: float, seed: int) -> Tuple[List[Sample], List[Sample]]:
    """Per class, a seeded permutation; the first round(fraction * n) go to the hold-out.
    Returns (train, holdout), both in listing order."""
    rng = np.random.default_rng(seed)
    holdout_paths = set()
    for class_index in range(len(CLASS_CODES)):
        members = [s for s in samples if s.class_index == class_index]
        order = rng.permutation(len(members))
        for position in order[: int(round(holdout_fraction * len(members)))]:
            holdout_paths.add(members[position].relative_path)
    train = [s for s in samples if s.relative_path not in holdout_paths]
    holdout = [s for s in samples if s.relative_path in holdout_paths]
    return train, holdout


def load_rgb(data_root: str, sample: Sample) -> np.ndarray:
    """Decoded image as a new uint8 [H, W, 3] array."""
    with Image.open(os.path.join(data_root, sample.relative_path)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()


def preprocess_exact(rgb: np.ndarray, fit: Optional[StainFit], reference: StainFit, input_pixels: int,
                     mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """What the SDK does to a whole-crop patch: bilinear resample to input_pixels square, Macenko
    normalize towards the reference (with the fit of the full crop), then (p/255 - mean)/std.
    rgb [H, W, 3] uint8 is not modified; returns a new float32 [3, input_pixels, input_pixels]."""
    resampled = resample_bilinear(rgb, input_pixels, input_pixels)
    normalized = normalize_stains(resampled, fit, reference)
    return ((normalized / 255.0 - mean) / std).transpose(2, 0, 1).astype(np.float32)
