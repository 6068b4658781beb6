// Foreground-ratio cell localization (ARCHITECTURE.md): the heavy, per-pixel parts. Everything is
// integer so WASM and the TypeScript reference agree exactly; the light parts (Otsu on a
// 256-bin histogram, peaks, NMS, centroids) run in JS on the small grids these kernels produce.

/**
 * Bins a frame into blocks of `binPx` x `binPx` pixels and writes, per block, the mean of two
 * integer channels (concentration or OD x 1000, from the caller's per-channel lookup tables) over
 * the pixels sampled at `sampleStep` inside the block. `lut`: 6 x 256 i32 (first channel from R,
 * G, B; then the second from R, G, B). Outputs: i32 [gridH, gridW] each, gridW = ceil(width /
 * binPx). Block means truncate toward zero. Sums are i64: a block of a million dark pixels (binPx
 * in the hundreds at an absurd micronsPerPixel) overflows i32.
 */
export function binStainChannels(
  frame: usize, width: i32, height: i32, channels: i32,
  lut: usize, binPx: i32, sampleStep: i32,
  outH: usize, outE: usize,
): void {
  binChannels(frame, width, height, channels, lut, binPx, sampleStep, outH, outE, true);
}

/** `binStainChannels` for the first channel only (localization needs no second): half the lookups. */
export function binHematoxylin(
  frame: usize, width: i32, height: i32, channels: i32,
  lut: usize, binPx: i32, sampleStep: i32,
  outH: usize,
): void {
  binChannels(frame, width, height, channels, lut, binPx, sampleStep, outH, 0, false);
}

// One loop for both exports: inlined with a constant `withSecond`, each gets its own specialized copy.
// Localization's and the scale estimate's channels (green OD minus blue OD, green OD) weigh red
// by zero: when every red table entry is 0 a copy of the loop without the red lookups runs, a
// third fewer loads per pixel and the same sums.
// @ts-ignore: decorator
@inline function binChannels(
  frame: usize, width: i32, height: i32, channels: i32,
  lut: usize, binPx: i32, sampleStep: i32,
  outH: usize, outE: usize, withSecond: bool,
): void {
  let redUsed = false;
  for (let v: usize = 0; v < 256 && !redUsed; v++) {
    redUsed = load<i32>(lut + (v << 2)) != 0 || (withSecond && load<i32>(lut + 3072 + (v << 2)) != 0);
  }
  if (redUsed) binLoop(frame, width, height, channels, lut, binPx, sampleStep, outH, outE, withSecond, true);
  else binLoop(frame, width, height, channels, lut, binPx, sampleStep, outH, outE, withSecond, false);
}

// @ts-ignore: decorator
@inline function binLoop(
  frame: usize, width: i32, height: i32, channels: i32,
  lut: usize, binPx: i32, sampleStep: i32,
  outH: usize, outE: usize, withSecond: bool, withRed: bool,
): void {
  const gridW = (width + binPx - 1) / binPx;
  const gridH = (height + binPx - 1) / binPx;
  const lutHR = lut, lutHG = lut + 1024, lutHB = lut + 2048;
  const lutER = lut + 3072, lutEG = lut + 4096, lutEB = lut + 5120;
  const step = <usize>(sampleStep * channels);
  for (let gy = 0; gy < gridH; gy++) {
    const y0 = gy * binPx;
    const y1 = min(y0 + binPx, height);
    for (let gx = 0; gx < gridW; gx++) {
      const x0 = gx * binPx;
      const x1 = min(x0 + binPx, width);
      let sumH: i64 = 0;
      let sumE: i64 = 0;
      let count: i32 = 0;
      for (let y = y0; y < y1; y += sampleStep) {
        let p = frame + <usize>((y * width + x0) * channels);
        for (let x = x0; x < x1; x += sampleStep) {
          const g = <usize>load<u8>(p, 1) << 2;
          const b = <usize>load<u8>(p, 2) << 2;
          let h = load<i32>(lutHG + g) + load<i32>(lutHB + b);
          let e: i32 = 0;
          if (withSecond) e = load<i32>(lutEG + g) + load<i32>(lutEB + b);
          if (withRed) {
            const r = <usize>load<u8>(p) << 2;
            h += load<i32>(lutHR + r);
            if (withSecond) e += load<i32>(lutER + r);
          }
          sumH += <i64>h;
          if (withSecond) sumE += <i64>e;
          count++;
          p += step;
        }
      }
      const at = <usize>((gy * gridW + gx) << 2);
      store<i32>(outH + at, <i32>(sumH / <i64>count));
      if (withSecond) store<i32>(outE + at, <i32>(sumE / <i64>count));
    }
  }
}

/**
 * 256-bin histogram of `values` (i32, n of them) quantized as clamp(floor(v * 255 / maxValue), 0,
 * 255); `histogram` is 256 u32, overwritten.
 */
export function quantizedHistogram(values: usize, n: i32, maxValue: i32, histogram: usize): void {
  memory.fill(histogram, 0, 1024);
  for (let i = 0; i < n; i++) {
    const v = load<i32>(values + (<usize>i << 2));
    let q = <i32>((<i64>max(v, 0) * 255) / <i64>maxValue);
    q = min(q, 255);
    const at = histogram + (<usize>q << 2);
    store<u32>(at, load<u32>(at) + 1);
  }
}

/** mask[i] = values[i] > threshold ? 1 : 0 (u8 out), then the summed-area table of the mask:
 * sat is u32 [(gridH + 1) x (gridW + 1)] with a zero first row and column. */
export function maskAndSummedArea(values: usize, gridW: i32, gridH: i32, threshold: i32, mask: usize, sat: usize): void {
  const stride = gridW + 1;
  memory.fill(sat, 0, <usize>(stride << 2));
  for (let y = 0; y < gridH; y++) {
    let rowSum: u32 = 0;
    const row = sat + (<usize>((y + 1) * stride) << 2);
    const above = sat + (<usize>(y * stride) << 2);
    store<u32>(row, 0);
    for (let x = 0; x < gridW; x++) {
      const i = y * gridW + x;
      const on: u32 = load<i32>(values + (<usize>i << 2)) > threshold ? 1 : 0;
      store<u8>(mask + <usize>i, <u8>on);
      rowSum += on;
      store<u32>(row + (<usize>(x + 1) << 2), load<u32>(above + (<usize>(x + 1) << 2)) + rowSum);
    }
  }
}

/**
 * Foreground count in a `windowBins`-wide square around every point of a stride grid
 * (point (i, j) at bin (i * strideBins, j * strideBins)), clipped to the grid; `counts` and
 * `areas` are u32 [pointsH x pointsW], pointsW = ceil(gridW / strideBins).
 */
export function windowCounts(sat: usize, gridW: i32, gridH: i32, windowBins: i32, strideBins: i32, counts: usize, areas: usize): void {
  const stride = gridW + 1;
  const pointsW = (gridW + strideBins - 1) / strideBins;
  const pointsH = (gridH + strideBins - 1) / strideBins;
  const before = windowBins >> 1;
  const after = windowBins - before;
  for (let j = 0; j < pointsH; j++) {
    const cy = j * strideBins;
    const y0 = max(cy - before, 0);
    const y1 = min(cy + after, gridH);
    for (let i = 0; i < pointsW; i++) {
      const cx = i * strideBins;
      const x0 = max(cx - before, 0);
      const x1 = min(cx + after, gridW);
      const a = load<u32>(sat + (<usize>(y1 * stride + x1) << 2));
      const b = load<u32>(sat + (<usize>(y0 * stride + x1) << 2));
      const c = load<u32>(sat + (<usize>(y1 * stride + x0) << 2));
      const d = load<u32>(sat + (<usize>(y0 * stride + x0) << 2));
      const at = <usize>((j * pointsW + i) << 2);
      store<u32>(counts + at, a - b - c + d);
      store<u32>(areas + at, <u32>((x1 - x0) * (y1 - y0)));
    }
  }
}
