// Reinhard colour transfer (Reinhard et al., 2001) in CIE L*a*b*: the cheap alternative to
// Macenko. sRGB (D65) <-> Lab exactly as skimage's rgb2lab / lab2rgb define it, four pixels at a
// time. The tables (sRGB decode, and the thresholds that round an sRGB encode to 8 bits) are
// built once by `prepareReinhardTables`.

import { laneAddress, pixelWord, sampledColumns, storePixel } from './stain-pixels';

/** sRGB decode of each 8-bit value: linear light in [0, 1]. */
const SRGB_LINEAR: usize = memory.data(256 * 4, 16);
/** THRESHOLDS[k] = decode((k + 0.5) / 255): linear values at or above it encode to more than k. */
const SRGB_THRESHOLDS: usize = memory.data(256 * 4, 16);
/** GUESS[i] = the 8-bit encode of linear i / GUESS_STEPS: at most one below the answer in that step. */
const GUESS_STEPS: i32 = 4096;
const SRGB_GUESS: usize = memory.data(GUESS_STEPS + 1, 16);
let tablesReady = false;

// XYZ (D65) from linear sRGB, divided by the D65 white, and its inverse times the white.
const X_R: f32 = 0.433946363378, X_G: f32 = 0.376213873136, X_B: f32 = 0.189825033931;
const Y_R: f32 = 0.212671, Y_G: f32 = 0.71516, Y_B: f32 = 0.072169;
const Z_R: f32 = 0.0177566745957, Z_G: f32 = 0.109468879439, Z_B: f32 = 0.872704646272;
const R_X: f32 = 3.07998030227, R_Y: f32 = -1.53715151627, R_Z: f32 = -0.542821308022;
const G_X: f32 = -0.921247752323, G_Y: f32 = 1.87599000149, G_Z: f32 = 0.0452473395145;
const B_X: f32 = 0.0528904610988, B_Y: f32 = -0.204041338367, B_Z: f32 = 1.15123201196;
// skimage's CIE constants: f(t) = cbrt(t) above 0.008856, else 7.787 t + 16 / 116.
const LINEAR_BELOW: f32 = 0.008856;
const CUBE_ABOVE: f32 = 0.2068966;
const SLOPE: f32 = 7.787;
const OFFSET: f32 = 16.0 / 116.0;

function srgbDecode(c: f64): f64 {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

/** Builds the sRGB tables (once per instance). */
export function prepareReinhardTables(): void {
  if (tablesReady) return;
  for (let v: i32 = 0; v < 256; v++) {
    store<f32>(SRGB_LINEAR + (<usize>v << 2), <f32>srgbDecode(<f64>v / 255));
    store<f32>(SRGB_THRESHOLDS + (<usize>v << 2), v < 255 ? <f32>srgbDecode((<f64>v + 0.5) / 255) : Infinity);
  }
  let level: i32 = 0;
  for (let i: i32 = 0; i <= GUESS_STEPS; i++) {
    const linear = <f32>i / <f32>GUESS_STEPS;
    while (level < 255 && linear >= load<f32>(SRGB_THRESHOLDS + (<usize>level << 2))) level++;
    store<u8>(SRGB_GUESS + <usize>i, <u8>level);
  }
  tablesReady = true;
}

// @ts-ignore: decorator
@inline function linear4(w0: u32, w1: u32, w2: u32, w3: u32, shift: u32): v128 {
  let lanes = f32x4.splat(load<f32>(SRGB_LINEAR + (<usize>((w0 >> shift) & 255) << 2)));
  lanes = f32x4.replace_lane(lanes, 1, load<f32>(SRGB_LINEAR + (<usize>((w1 >> shift) & 255) << 2)));
  lanes = f32x4.replace_lane(lanes, 2, load<f32>(SRGB_LINEAR + (<usize>((w2 >> shift) & 255) << 2)));
  lanes = f32x4.replace_lane(lanes, 3, load<f32>(SRGB_LINEAR + (<usize>((w3 >> shift) & 255) << 2)));
  return lanes;
}

/** Cube root of four non-negative lanes: exponent-bits guess, three Newton steps (f32-exact). */
// @ts-ignore: decorator
@inline function cbrt4(x: v128): v128 {
  const third = f32x4.splat(1.0 / 3.0);
  let y: v128 = i32x4.add(
    i32x4.trunc_sat_f32x4_s(f32x4.mul(f32x4.convert_i32x4_s(x), third)), i32x4.splat(709921077),
  );
  y = f32x4.mul(f32x4.add(f32x4.add(y, y), f32x4.div(x, f32x4.mul(y, y))), third);
  y = f32x4.mul(f32x4.add(f32x4.add(y, y), f32x4.div(x, f32x4.mul(y, y))), third);
  y = f32x4.mul(f32x4.add(f32x4.add(y, y), f32x4.div(x, f32x4.mul(y, y))), third);
  return y;
}

/** skimage's f(t) for four lanes. */
// @ts-ignore: decorator
@inline function labF4(t: v128): v128 {
  const linear = f32x4.add(f32x4.mul(t, f32x4.splat(SLOPE)), f32x4.splat(OFFSET));
  // cbrt of pmax(t, threshold) keeps the unused root away from 0.
  return v128.bitselect(cbrt4(f32x4.pmax(t, f32x4.splat(LINEAR_BELOW))), linear, f32x4.gt(t, f32x4.splat(LINEAR_BELOW)));
}

// @ts-ignore: decorator
@inline function dot4(r: v128, g: v128, b: v128, cr: f32, cg: f32, cb: f32): v128 {
  return f32x4.add(f32x4.add(f32x4.mul(r, f32x4.splat(cr)), f32x4.mul(g, f32x4.splat(cg))), f32x4.mul(b, f32x4.splat(cb)));
}

/** Lab of four pixel words; writes L, a, b lanes to the static scratch LAB (3 x v128). */
const LAB: usize = memory.data(48, 16);

// @ts-ignore: decorator
@inline function lab4(w0: u32, w1: u32, w2: u32, w3: u32): void {
  const r = linear4(w0, w1, w2, w3, 0), g = linear4(w0, w1, w2, w3, 8), b = linear4(w0, w1, w2, w3, 16);
  const fx = labF4(dot4(r, g, b, X_R, X_G, X_B));
  const fy = labF4(dot4(r, g, b, Y_R, Y_G, Y_B));
  const fz = labF4(dot4(r, g, b, Z_R, Z_G, Z_B));
  v128.store(LAB, f32x4.sub(f32x4.mul(fy, f32x4.splat(116)), f32x4.splat(16)));
  v128.store(LAB, f32x4.mul(f32x4.sub(fx, fy), f32x4.splat(500)), 16);
  v128.store(LAB, f32x4.mul(f32x4.sub(fy, fz), f32x4.splat(200)), 32);
}

// @ts-ignore: decorator
@inline function addLanes(sums: usize, slot: i32, lanes: v128): void {
  const at = sums + (<usize>slot << 3);
  store<f64>(at, load<f64>(at) + (<f64>f32x4.extract_lane(lanes, 0) + <f64>f32x4.extract_lane(lanes, 1)) +
    (<f64>f32x4.extract_lane(lanes, 2) + <f64>f32x4.extract_lane(lanes, 3)));
}

/**
 * Lab moments of the sampled pixels of a region (see stain-pixels.ts) about `shift` (3 f32, L a b;
 * pass a rough mean so the squares do not cancel against a large mean square): writes 6 f64 to
 * `sums` (caller-owned): sums of L - shift, a - shift, b - shift, then of their squares. Partial
 * sums are f32 over at most 64 pixels per lane before they go into f64.
 */
export function reinhardMoments(
  origin: usize, rowBytes: i32, channels: i32, columns: i32, rows: i32, pixelStride: i32, shift: usize, sums: usize,
): void {
  prepareReinhardTables();
  memory.fill(sums, 0, 48);
  const perRow = sampledColumns(columns, pixelStride);
  const step = <usize>(pixelStride * channels);
  const zero = f32x4.splat(0);
  const shiftL = f32x4.splat(load<f32>(shift)), shiftA = f32x4.splat(load<f32>(shift, 4)), shiftB = f32x4.splat(load<f32>(shift, 8));
  let sL = zero, sA = zero, sB = zero, sLL = zero, sAA = zero, sBB = zero;
  let groups: i32 = 0;
  for (let row: i32 = 0; row < rows; row += pixelStride) {
    const rowStart = origin + <usize>row * <usize>rowBytes;
    for (let column: i32 = 0; column < perRow; column += 4) {
      const valid = min(perRow - column, 4);
      const p0 = rowStart + <usize>column * step;
      lab4(
        pixelWord(p0, channels), pixelWord(laneAddress(p0, step, 1, valid), channels),
        pixelWord(laneAddress(p0, step, 2, valid), channels), pixelWord(laneAddress(p0, step, 3, valid), channels),
      );
      const real = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(valid));
      const l = v128.and(f32x4.sub(v128.load(LAB), shiftL), real);
      const a = v128.and(f32x4.sub(v128.load(LAB, 16), shiftA), real);
      const b = v128.and(f32x4.sub(v128.load(LAB, 32), shiftB), real);
      sL = f32x4.add(sL, l); sA = f32x4.add(sA, a); sB = f32x4.add(sB, b);
      sLL = f32x4.add(sLL, f32x4.mul(l, l)); sAA = f32x4.add(sAA, f32x4.mul(a, a)); sBB = f32x4.add(sBB, f32x4.mul(b, b));
      if (++groups == 16) {
        groups = 0;
        addLanes(sums, 0, sL); addLanes(sums, 1, sA); addLanes(sums, 2, sB);
        addLanes(sums, 3, sLL); addLanes(sums, 4, sAA); addLanes(sums, 5, sBB);
        sL = zero; sA = zero; sB = zero; sLL = zero; sAA = zero; sBB = zero;
      }
    }
  }
  addLanes(sums, 0, sL); addLanes(sums, 1, sA); addLanes(sums, 2, sB);
  addLanes(sums, 3, sLL); addLanes(sums, 4, sAA); addLanes(sums, 5, sBB);
}

/** skimage's inverse of f for four lanes: t^3 above 0.2068966, else (t - 16/116) / 7.787. */
// @ts-ignore: decorator
@inline function labInverseF4(t: v128): v128 {
  const linear = f32x4.mul(f32x4.sub(t, f32x4.splat(OFFSET)), f32x4.splat(1 / SLOPE));
  return v128.bitselect(f32x4.mul(f32x4.mul(t, t), t), linear, f32x4.gt(t, f32x4.splat(CUBE_ABOVE)));
}

/** sRGB encode of a linear value rounded to 8 bits (clipped to 0..255), exact at the table's thresholds. */
// @ts-ignore: decorator
@inline function encode8(linear: f32): u32 {
  // pmax-style order: a NaN compares false and lands at 0.
  const clamped: f32 = linear > 0 ? (linear < 1 ? linear : 1) : 0;
  let level = <u32>load<u8>(SRGB_GUESS + <usize>(<i32>(clamped * <f32>GUESS_STEPS)));
  if (clamped >= load<f32>(SRGB_THRESHOLDS + (<usize>level << 2))) level++;
  return level;
}

/** Linear R, G, B of the four pixels being encoded (3 x v128). */
const LINEAR_RGB: usize = memory.data(48, 16);

/** The 8-bit word of lane `lane` of LINEAR_RGB, with `alpha` (already in bits 24..31). */
// @ts-ignore: decorator
@inline function encodePixel(lane: i32, alpha: u32): u32 {
  const at = LINEAR_RGB + (<usize>lane << 2);
  return encode8(load<f32>(at)) | (encode8(load<f32>(at, 16)) << 8) | (encode8(load<f32>(at, 32)) << 16) | alpha;
}

/**
 * Reinhard transfer of `pixelCount` pixels of `channels` bytes at `source` into `output` (same
 * layout, alpha copied; caller-owned, may be the same buffer): per Lab channel
 * x' = x * scale + offset with `coefficients` = 6 f32 (scale L, offset L, scale a, offset a,
 * scale b, offset b), then back to sRGB as skimage's lab2rgb (z clipped at 0, result clipped to
 * 0..1) rounded to 8 bits.
 */
export function reinhardApply(source: usize, output: usize, pixelCount: i32, channels: i32, coefficients: usize): void {
  prepareReinhardTables();
  const scaleL = f32x4.splat(load<f32>(coefficients)), offsetL = f32x4.splat(load<f32>(coefficients, 4));
  const scaleA = f32x4.splat(load<f32>(coefficients, 8)), offsetA = f32x4.splat(load<f32>(coefficients, 12));
  const scaleB = f32x4.splat(load<f32>(coefficients, 16)), offsetB = f32x4.splat(load<f32>(coefficients, 20));
  const step = <usize>channels;
  for (let i: i32 = 0; i < pixelCount; i += 4) {
    const valid = min(pixelCount - i, 4);
    const p0 = source + <usize>i * step;
    const w0 = pixelWord(p0, channels), w1 = pixelWord(laneAddress(p0, step, 1, valid), channels);
    const w2 = pixelWord(laneAddress(p0, step, 2, valid), channels), w3 = pixelWord(laneAddress(p0, step, 3, valid), channels);
    lab4(w0, w1, w2, w3);
    const l = f32x4.add(f32x4.mul(v128.load(LAB), scaleL), offsetL);
    const a = f32x4.add(f32x4.mul(v128.load(LAB, 16), scaleA), offsetA);
    const b = f32x4.add(f32x4.mul(v128.load(LAB, 32), scaleB), offsetB);
    const fy = f32x4.mul(f32x4.add(l, f32x4.splat(16)), f32x4.splat(<f32>1 / 116));
    const fx = f32x4.add(f32x4.mul(a, f32x4.splat(<f32>1 / 500)), fy);
    const fz = f32x4.pmax(f32x4.sub(fy, f32x4.mul(b, f32x4.splat(<f32>1 / 200))), f32x4.splat(0));
    const x = labInverseF4(fx), y = labInverseF4(fy), z = labInverseF4(fz);
    v128.store(LINEAR_RGB, dot4(x, y, z, R_X, R_Y, R_Z));
    v128.store(LINEAR_RGB, dot4(x, y, z, G_X, G_Y, G_Z), 16);
    v128.store(LINEAR_RGB, dot4(x, y, z, B_X, B_Y, B_Z), 32);
    const out = output + <usize>i * step;
    storePixel(encodePixel(0, w0 & 0xff000000), out, channels);
    if (valid > 1) storePixel(encodePixel(1, w1 & 0xff000000), out + step, channels);
    if (valid > 2) storePixel(encodePixel(2, w2 & 0xff000000), out + step * 2, channels);
    if (valid > 3) storePixel(encodePixel(3, w3 & 0xff000000), out + step * 3, channels);
  }
}
