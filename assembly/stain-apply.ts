// Whole-frame stain kernels: normalize (or jitter) every pixel through an OD-space map, and the
// per-stain concentration maps. Four pixels per step; the last group of a frame repeats its last
// pixel in the unused lanes (never reading past the frame) and stores only the real ones.

import { channelOd4, laneAddress, pixelWord, storePixel } from './stain-pixels';
import { normalizeChannelRow4 } from './stain-map';

/**
 * Maps `pixelCount` pixels of `channels` (3 or 4) bytes at `source` into `output` (same layout,
 * alpha copied; both caller-owned, may be the same buffer): I'_c = min(255, Io * gain_c *
 * exp(-(M OD)_c)) rounded, with M = 9 f32 row-major at `transform` (assembly/stain-map.ts layout)
 * and gain = 3 f32 at `gains` (1 for a plain normalization; exp(-offset) for a stain jitter).
 * The OD table must be prepared for Io.
 */
export function stainNormalize(
  source: usize, output: usize, pixelCount: i32, channels: i32, transform: usize, gains: usize, Io: f32,
): void {
  const ioR = Io * load<f32>(gains), ioG = Io * load<f32>(gains, 4), ioB = Io * load<f32>(gains, 8);
  // M splatted once: the loop's stores could alias it, so loads inside would not be hoisted.
  const m00 = f32x4.splat(load<f32>(transform)), m01 = f32x4.splat(load<f32>(transform, 4));
  const m02 = f32x4.splat(load<f32>(transform, 8)), m10 = f32x4.splat(load<f32>(transform, 12));
  const m11 = f32x4.splat(load<f32>(transform, 16)), m12 = f32x4.splat(load<f32>(transform, 20));
  const m20 = f32x4.splat(load<f32>(transform, 24)), m21 = f32x4.splat(load<f32>(transform, 28));
  const m22 = f32x4.splat(load<f32>(transform, 32));
  const step = <usize>channels;
  for (let i: i32 = 0; i < pixelCount; i += 4) {
    const valid = min(pixelCount - i, 4);
    const p0 = source + <usize>i * step;
    const w0 = pixelWord(p0, channels), w1 = pixelWord(laneAddress(p0, step, 1, valid), channels);
    const w2 = pixelWord(laneAddress(p0, step, 2, valid), channels), w3 = pixelWord(laneAddress(p0, step, 3, valid), channels);
    const odR = channelOd4(w0, w1, w2, w3, 0), odG = channelOd4(w0, w1, w2, w3, 8), odB = channelOd4(w0, w1, w2, w3, 16);
    const r = greyLevels(normalizeChannelRow4(odR, odG, odB, m00, m01, m02, ioR));
    const g = greyLevels(normalizeChannelRow4(odR, odG, odB, m10, m11, m12, ioG));
    const b = greyLevels(normalizeChannelRow4(odR, odG, odB, m20, m21, m22, ioB));
    // Alpha (RGBA) rides along from the source words; RGB words have zero there and it is not stored.
    let words = i32x4.splat(w0);
    words = i32x4.replace_lane(words, 1, w1);
    words = i32x4.replace_lane(words, 2, w2);
    words = i32x4.replace_lane(words, 3, w3);
    const packed = v128.or(
      v128.or(v128.and(words, i32x4.splat(0xff000000)), r),
      v128.or(i32x4.shl(g, 8), i32x4.shl(b, 16)),
    );
    storePixels(packed, output + <usize>i * step, channels, valid);
  }
}

/** Whole grey levels 0..255 held as f32x4 -> i32x4 (exact: adding 2^23 puts them in the low bits). */
// @ts-ignore: decorator
@inline function greyLevels(lanes: v128): v128 {
  return i32x4.sub(f32x4.add(lanes, f32x4.splat(8388608.0)), f32x4.splat(8388608.0));
}

/** Stores the first `valid` of four packed 0xAABBGGRR pixels as RGBA8 or RGB8 at `out`. */
// @ts-ignore: decorator
@inline function storePixels(packed: v128, out: usize, channels: i32, valid: i32): void {
  if (valid == 4) {
    if (channels == 4) {
      v128.store(out, packed);
    } else {
      const rgb = i8x16.shuffle(packed, packed, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0, 0, 0, 0);
      v128.store64_lane(out, rgb, 0);
      v128.store32_lane(out, rgb, 2, 8);
    }
    return;
  }
  storePixel(<u32>i32x4.extract_lane(packed, 0), out, channels);
  if (valid > 1) storePixel(<u32>i32x4.extract_lane(packed, 1), out + <usize>channels, channels);
  if (valid > 2) storePixel(<u32>i32x4.extract_lane(packed, 2), out + <usize>(channels * 2), channels);
}

/**
 * Concentration maps: for each of `pixelCount` pixels at `source`, the least-squares
 * concentrations h = u_h . OD and e = u_e . OD (unmix = 6 f32: row h then row e of pinv(S^T)),
 * written planar to `output` (caller-owned, 2 x pixelCount f32: the h plane, then the e plane).
 * The OD table must be prepared for the fit's Io.
 */
export function stainConcentrationMaps(source: usize, pixelCount: i32, channels: i32, unmix: usize, output: usize): void {
  const h0 = f32x4.splat(load<f32>(unmix)), h1 = f32x4.splat(load<f32>(unmix, 4)), h2 = f32x4.splat(load<f32>(unmix, 8));
  const e0 = f32x4.splat(load<f32>(unmix, 12)), e1 = f32x4.splat(load<f32>(unmix, 16)), e2 = f32x4.splat(load<f32>(unmix, 20));
  const planeE = output + (<usize>pixelCount << 2);
  const step = <usize>channels;
  for (let i: i32 = 0; i < pixelCount; i += 4) {
    const valid = min(pixelCount - i, 4);
    const p0 = source + <usize>i * step;
    const w0 = pixelWord(p0, channels), w1 = pixelWord(laneAddress(p0, step, 1, valid), channels);
    const w2 = pixelWord(laneAddress(p0, step, 2, valid), channels), w3 = pixelWord(laneAddress(p0, step, 3, valid), channels);
    const odR = channelOd4(w0, w1, w2, w3, 0), odG = channelOd4(w0, w1, w2, w3, 8), odB = channelOd4(w0, w1, w2, w3, 16);
    const h = f32x4.add(f32x4.add(f32x4.mul(odR, h0), f32x4.mul(odG, h1)), f32x4.mul(odB, h2));
    const e = f32x4.add(f32x4.add(f32x4.mul(odR, e0), f32x4.mul(odG, e1)), f32x4.mul(odB, e2));
    storeFloats(h, output + (<usize>i << 2), valid);
    storeFloats(e, planeE + (<usize>i << 2), valid);
  }
}

// @ts-ignore: decorator
@inline function storeFloats(lanes: v128, out: usize, valid: i32): void {
  if (valid == 4) {
    v128.store(out, lanes);
    return;
  }
  store<f32>(out, f32x4.extract_lane(lanes, 0));
  if (valid > 1) store<f32>(out, f32x4.extract_lane(lanes, 1), 4);
  if (valid > 2) store<f32>(out, f32x4.extract_lane(lanes, 2), 8);
}
