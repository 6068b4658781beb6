"""Bilinear resampling with half-pixel centres and no antialiasing: the SDK's WASM patch kernel
does exactly this, so the model is trained on the same pixels it will see."""
import numpy as np


def _taps(source_pixels: int, target_pixels: int):
    # source x = (j + 0.5) * (source / target) - 0.5, clamped to [0, source - 1].
    x = (np.arange(target_pixels) + 0.5) * (source_pixels / target_pixels) - 0.5
    x = np.clip(x, 0.0, source_pixels - 1)
    low = np.floor(x).astype(np.int64)
    high = np.minimum(low + 1, source_pixels - 1)
    return low, high, x - low


def resample_bilinear(image: np.ndarray, target_width: int, target_height: int) -> np.ndarray:
    """image [H, W, C] (any numeric dtype, not modified) -> new float32 [target_height,
    target_width, C]: 4-neighbour bilinear at half-pixel centres, clamped at the borders."""
    source = image.astype(np.float32)
    y0, y1, fy = _taps(image.shape[0], target_height)
    x0, x1, fx = _taps(image.shape[1], target_width)
    fx = fx.astype(np.float32)[None, :, None]
    fy = fy.astype(np.float32)[:, None, None]
    top = source[y0][:, x0] * (1 - fx) + source[y0][:, x1] * fx
    bottom = source[y1][:, x0] * (1 - fx) + source[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy
