// Maps pixels through a Macenko normalization. Every step from source OD to target OD is linear
// (least-squares concentrations, per-stain rescale, reference stain matrix), so the whole thing is
// one 3x3 OD-space matrix M prepared once per (source, reference) pair by `stainTransform` in
// src/stain/transform.ts:  OD' = M * OD,  I' = min(255, Io * exp(-OD')), rounded to nearest.
// Shared by the full-frame normalize (stain.ts) and the fused patch kernel (patch.ts).
//
// exp is computed as 2^y with the exponent in the float's bits and a degree-6 polynomial for the
// fraction: relative error < 2e-7, i.e. < 1e-4 grey levels at 255, far inside the 1-grey-level
// tolerance against the float64 reference.

import { opticalDensity } from './od';

const LOG2E: f32 = 1.4426950408889634;
const LN2: f32 = 0.6931471805599453;
// Clamp of the base-2 exponent: Io <= 256 so 2^-40 * Io rounds to 0 and 2^10 * Io exceeds 255;
// clamping also turns +-Infinity into finite values and keeps the exponent bits valid.
const EXP2_MIN: f32 = -40.0;
const EXP2_MAX: f32 = 10.0;
// Taylor coefficients of e^t for |t| <= ln2 / 2 (remainder t^7/7! < 2e-7 relative).
const C2: f32 = 1.0 / 2.0;
const C3: f32 = 1.0 / 6.0;
const C4: f32 = 1.0 / 24.0;
const C5: f32 = 1.0 / 120.0;
const C6: f32 = 1.0 / 720.0;
/** 1.5 * 2^23: adding it to |x| < 2^22 leaves round(x) in the low mantissa bits. */
const ROUNDING_MAGIC: f32 = 12582912.0;

/** 2^y for one f32 (y clamped to [-40, 10]). */
// @ts-ignore: decorator
@inline export function fastExp2(y: f32): f32 {
  y = min(max(y, EXP2_MIN), EXP2_MAX);
  const n = nearest<f32>(y);
  const t = (y - n) * LN2;
  let p: f32 = C6;
  p = p * t + C5;
  p = p * t + C4;
  p = p * t + C3;
  p = p * t + C2;
  p = p * t + 1.0;
  p = p * t + 1.0;
  return p * reinterpret<f32>((<i32>n + 127) << 23);
}

/**
 * 2^y for four f32 lanes (each clamped to [-40, 10]); same polynomial as `fastExp2`, so the same
 * results. pmin/pmax (plain minps/maxps) and the 1.5 * 2^23 rounding trick instead of
 * nearest + trunc_sat: wasm's NaN-exact min/max and trunc_sat cost several x86 instructions each.
 */
// @ts-ignore: decorator
@inline export function fastExp2x4(y: v128): v128 {
  y = f32x4.pmin(f32x4.pmax(y, f32x4.splat(EXP2_MIN)), f32x4.splat(EXP2_MAX));
  // y + 1.5 * 2^23 rounds y to the nearest integer n (ties to even, like nearest) in the low
  // mantissa bits; subtracting it back gives n as a float, shifting the bits gives n << 23.
  const rounded = f32x4.add(y, f32x4.splat(ROUNDING_MAGIC));
  const n = f32x4.sub(rounded, f32x4.splat(ROUNDING_MAGIC));
  const t = f32x4.mul(f32x4.sub(y, n), f32x4.splat(LN2));
  let p = f32x4.splat(C6);
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(C5));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(C4));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(C3));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(C2));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(1.0));
  const scale = i32x4.add(i32x4.shl(rounded, 23), i32x4.splat(127 << 23));
  return f32x4.mul(p, scale);
}

/**
 * Normalizes one pixel. r, g, b: 0..255. m: pointer to 9 f32, row-major (row = output channel R,
 * G, B; column = input OD R, G, B), owned by the caller. The OD table must be prepared for Io
 * (`prepareOpticalDensity(Io)`). Returns the rounded output packed as 0x00BBGGRR.
 */
// @ts-ignore: decorator
@inline export function normalizeRgb(r: u32, g: u32, b: u32, m: usize, Io: f32): u32 {
  const odR = opticalDensity(r);
  const odG = opticalDensity(g);
  const odB = opticalDensity(b);
  let packed: u32 = 0;
  for (let c: u32 = 0; c < 3; c++) {
    const row = m + <usize>c * 12;
    const od = load<f32>(row) * odR + load<f32>(row, 4) * odG + load<f32>(row, 8) * odB;
    const intensity = min<f32>(Io * fastExp2(-od * LOG2E), 255.0);
    packed |= (<u32>(intensity + 0.5)) << (c << 3);
  }
  return packed;
}

/** OD of four 0..255 channel values as f32x4 (table gather); the OD table must be prepared. */
// @ts-ignore: decorator
@inline export function opticalDensity4(v0: u32, v1: u32, v2: u32, v3: u32): v128 {
  let od = f32x4.splat(opticalDensity(v0));
  od = f32x4.replace_lane(od, 1, opticalDensity(v1));
  od = f32x4.replace_lane(od, 2, opticalDensity(v2));
  od = f32x4.replace_lane(od, 3, opticalDensity(v3));
  return od;
}

/**
 * One output channel for four pixels: odR/odG/odB hold the input OD of the four pixels per
 * channel (f32x4); mRow points at the 3 f32 of that channel's row of M (m, m + 12 or m + 24).
 * Returns f32x4 intensities rounded to whole grey levels in [0, 255].
 */
// @ts-ignore: decorator
@inline export function normalizeChannel4(odR: v128, odG: v128, odB: v128, mRow: usize, Io: f32): v128 {
  return normalizeChannelRow4(
    odR, odG, odB, f32x4.splat(load<f32>(mRow)), f32x4.splat(load<f32>(mRow, 4)), f32x4.splat(load<f32>(mRow, 8)), Io,
  );
}

/** `normalizeChannel4` with the row of M already splatted (mR, mG, mB), for loops that hoist it. */
// @ts-ignore: decorator
@inline export function normalizeChannelRow4(odR: v128, odG: v128, odB: v128, mR: v128, mG: v128, mB: v128, Io: f32): v128 {
  const od = f32x4.add(f32x4.add(f32x4.mul(odR, mR), f32x4.mul(odG, mG)), f32x4.mul(odB, mB));
  const intensity = f32x4.mul(fastExp2x4(f32x4.mul(od, f32x4.splat(-LOG2E))), f32x4.splat(Io));
  return f32x4.floor(f32x4.add(f32x4.pmin(intensity, f32x4.splat(255.0)), f32x4.splat(0.5)));
}
