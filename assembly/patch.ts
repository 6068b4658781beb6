// Fused patch preparation: for each cell, crop a square around its centre, resample it bilinearly
// to the model input, optionally stain-normalize, standardize with mean/std and write float32 NCHW
// into the cell's slot of an output batch. One pass per output row, no allocation.
//
// Geometry (the training script models/train/resample.py uses exactly this; keep them together):
// centres are in pixel-index coordinates (the centre of pixel (x, y) is (x, y), so a 250 px crop's
// centre is 124.5). The crop's left edge is x0 = cx + 0.5 - side / 2, and output column j samples
//   source x = x0 + (j + 0.5) * (side / inputWidth) - 0.5
// (half-pixel centres, 2-tap bilinear, NO antialiasing: downsampling by more than 2 skips pixels,
// as the model saw in training). Rows likewise.
//
// Borders, for taps outside the frame: reflect mirrors about the frame edge (pixel -1 = pixel 0,
// period 2 * width; equal to torch grid_sample padding 'reflection' with align_corners=False);
// constant treats outside pixels as the fill colour; skip leaves the slot unwritten when any
// sample coordinate lies outside [0, width - 1] x [0, height - 1].
//
// Order per output pixel, as in training (models/train/dataset.py preprocess_exact): bilinear on
// the raw intensities -> Macenko map on the interpolated (unrounded) values -> (v/255 - mean)/std.
//
// Work per output row: a vertical pass blends the two source rows over the columns the patch
// touches into float scratch (16 bytes at a time, SIMD); a horizontal pass then reads two float
// pixels per output column through a per-patch column table (offsets already mirrored or pointed
// at the fill colour, so borders cost nothing in the loop) and blends, transposes 4 pixels to
// planar R/G/B, maps stains and writes 4 floats per plane.

const BORDER_REFLECT: i32 = 0;
const BORDER_CONSTANT: i32 = 1;
const BORDER_SKIP: i32 = 2;

/** Per-call constants of the output stage (static scratch, rewritten by every writePatches):
 * f32 scale[3] at 0, offset[3] at 16, stain bias[3] at 32 (see writePatches). */
const CONSTANTS: usize = memory.data(48, 16);

/** Marks a tap outside the frame under the constant policy (reads the fill colour). */
const OUTSIDE: i32 = -1;
/** Slack after each float/byte row of scratch: the vertical pass works in 16-byte steps. */
const ROW_SLACK: i32 = 16;

// log2(1 + x) on x in [0, 1) as x * P(x), P of degree 4 fitted for minimax absolute error:
// 1.5e-5 (numpy, Lawson-weighted least squares), exact at x = 0. With exp2 below, an output
// channel errs by at most 255 * (ln2 * sum|M row| * 1.5e-5 + 2.6e-6) grey levels: ~0.01 for a
// map with entries up to 1.5, far inside the 1-grey-level tolerance (the tests see <= 0.01).
const LOG_C1: f32 = 1.4419656533825986;
const LOG_C2: f32 = -0.7096632848124486;
const LOG_C3: f32 = 0.4175974897846272;
const LOG_C4: f32 = -0.19627202116006878;
const LOG_C5: f32 = 0.04638647995908591;

/** log2 of four f32 lanes, each >= 1 and finite (here: intensity + 1). */
// @ts-ignore: decorator
@inline function fastLog2x4(x: v128): v128 {
  const exponent = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  const fraction = f32x4.sub(v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000)), f32x4.splat(1.0));
  let p = f32x4.add(f32x4.mul(f32x4.splat(LOG_C5), fraction), f32x4.splat(LOG_C4));
  p = f32x4.add(f32x4.mul(p, fraction), f32x4.splat(LOG_C3));
  p = f32x4.add(f32x4.mul(p, fraction), f32x4.splat(LOG_C2));
  p = f32x4.add(f32x4.mul(p, fraction), f32x4.splat(LOG_C1));
  return f32x4.add(f32x4.convert_i32x4_s(exponent), f32x4.mul(p, fraction));
}

// 2^t on t in [-0.5, 0.5], degree 4, minimax relative error 2.6e-6 (same fit).
const EXP_C0: f32 = 0.9999992616651397;
const EXP_C1: f32 = 0.6931218210358027;
const EXP_C2: f32 = 0.24024744763492623;
const EXP_C3: f32 = 0.05591780959390457;
const EXP_C4: f32 = 0.009570080067095947;

/** 2^y for four f32 lanes, y clamped to [-40, 10] (2^-40 * Io is about 2e-10 grey levels; outputs above 255 are clamped by the caller). */
// @ts-ignore: decorator
@inline function patchExp2x4(y: v128): v128 {
  y = f32x4.pmin(f32x4.pmax(y, f32x4.splat(-40.0)), f32x4.splat(10.0));
  const rounded = f32x4.add(y, f32x4.splat(12582912.0));
  const n = f32x4.sub(rounded, f32x4.splat(12582912.0));
  const t = f32x4.sub(y, n);
  let p = f32x4.add(f32x4.mul(f32x4.splat(EXP_C4), t), f32x4.splat(EXP_C3));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(EXP_C2));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(EXP_C1));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(EXP_C0));
  return f32x4.mul(p, i32x4.add(i32x4.shl(rounded, 23), i32x4.splat(127 << 23)));
}

/** Index t mirrored into [0, n): ... 1 0 | 0 1 ... n-1 | n-1 n-2 ... (period 2n). */
// @ts-ignore: decorator
@inline function mirror(t: i32, n: i32): i32 {
  if (<u32>t < <u32>n) return t;
  const period = n << 1;
  let m = t % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

/** Maps a tap index through the border policy: an index in [0, n) or OUTSIDE. */
// @ts-ignore: decorator
@inline function borderTap(t: i32, n: i32, border: i32): i32 {
  if (border == BORDER_CONSTANT) return <u32>t < <u32>n ? t : OUTSIDE;
  // Reflect, and skip (which only gets here for in-range samples: a zero-weight tap at n).
  return mirror(t, n);
}

// @ts-ignore: decorator
@inline function roundUp4(n: i32): i32 {
  return (n + 3) & ~3;
}

// @ts-ignore: decorator
@inline function align16(bytes: i32): i32 {
  return (bytes + 15) & ~15;
}

// Scratch layout (byte offsets from the scratch pointer), all parts 16-byte aligned:
//   column tap offsets 0 and 1 (i32) and weights (f32), inputWidth rounded up to 4 each;
//   the fill colour as 4 f32 (16 bytes) directly before the blended row, so a column table
//   entry of -16 reads it; the blended row, f32 per channel value; the fill row in frame format.
// @ts-ignore: decorator
@inline function blendedRowBytes(width: i32, channels: i32): i32 {
  return align16((width * channels + ROW_SLACK) * 4);
}

/**
 * Bytes of caller-owned scratch that `writePatches` needs for a frame `width` pixels wide with
 * `channels` bytes per pixel and a model input `inputWidth` pixels wide. Reused across cells.
 */
export function patchScratchBytes(width: i32, channels: i32, inputWidth: i32): i32 {
  return 3 * roundUp4(inputWidth) * 4 + 16 + blendedRowBytes(width, channels) + align16(width * channels + ROW_SLACK);
}

/**
 * Writes one float32 NCHW patch per cell. Parameters are trusted (src/patch/write-patches.ts checks them).
 * - frame: `width` x `height` pixels of `channels` (3 or 4) bytes at `framePtr`; read only, and the
 *   kernel may read (never use) up to 16 bytes past its end, which must be addressable.
 * - centres: 2 * cellCount f64 (x, y) in pixel-index coordinates at `centresPtr`.
 * - sidePx: crop side in source pixels (patchMicrons / micronsPerPixel).
 * - mean/std per RGB channel: output = (v / 255 - mean) / std.
 * - border: 0 reflect, 1 constant (fill = 0x00BBGGRR `fillRgb`), 2 skip.
 * - stainPtr: 0, or 9 f32 of the OD-space map (assembly/stain-map.ts layout) applied with `Io`.
 * - scratchPtr: `patchScratchBytes(width, channels, inputWidth)` bytes.
 * - outPtr: cellCount * 3 * inputHeight * inputWidth f32; cell k fills slot k (skipped slots are
 *   left as they were). writtenPtr: cellCount u8, 1 = written, 0 = skipped.
 */
export function writePatches(
  framePtr: usize,
  width: i32,
  height: i32,
  channels: i32,
  centresPtr: usize,
  cellCount: i32,
  sidePx: f64,
  inputWidth: i32,
  inputHeight: i32,
  meanR: f64,
  meanG: f64,
  meanB: f64,
  stdR: f64,
  stdG: f64,
  stdB: f64,
  border: i32,
  fillRgb: u32,
  stainPtr: usize,
  Io: f64,
  scratchPtr: usize,
  outPtr: usize,
  writtenPtr: usize,
): void {
  const columns = roundUp4(inputWidth);
  const tap0Table = scratchPtr;
  const tap1Table = tap0Table + (<usize>columns << 2);
  const weightTable = tap1Table + (<usize>columns << 2);
  const fillSlot = weightTable + (<usize>columns << 2);
  const blendedRow = fillSlot + 16;
  const fillRow = blendedRow + <usize>blendedRowBytes(width, channels);
  const rowBytes = <usize>(width * channels);

  if (border == BORDER_CONSTANT) prepareFill(fillRgb, channels, width, fillSlot, fillRow);
  // (v / 255 - mean) / std = v * scale + offset.
  store<f32>(CONSTANTS, <f32>(1.0 / (255.0 * stdR)));
  store<f32>(CONSTANTS, <f32>(1.0 / (255.0 * stdG)), 4);
  store<f32>(CONSTANTS, <f32>(1.0 / (255.0 * stdB)), 8);
  store<f32>(CONSTANTS, <f32>(-meanR / stdR), 16);
  store<f32>(CONSTANTS, <f32>(-meanG / stdG), 20);
  store<f32>(CONSTANTS, <f32>(-meanB / stdB), 24);
  if (stainPtr != 0) {
    // With L = log2(v + 1) and M the OD map: Io * 2^(M (L - log2 Io)) = 2^(M L + bias),
    // bias[c] = (1 - sum of row c of M) * log2(Io), so the pixel loop never touches Io.
    const log2Io = Math.log2(Io);
    for (let c: usize = 0; c < 3; c++) {
      const row = stainPtr + c * 12;
      const rowSum = <f64>load<f32>(row) + <f64>load<f32>(row, 4) + <f64>load<f32>(row, 8);
      store<f32>(CONSTANTS + 32 + (c << 2), <f32>((1.0 - rowSum) * log2Io));
    }
  }

  const stepX = sidePx / <f64>inputWidth;
  const stepY = sidePx / <f64>inputHeight;
  const planeBytes = <usize>(inputWidth * inputHeight) << 2;
  for (let cell: i32 = 0; cell < cellCount; cell++) {
    const cx = load<f64>(centresPtr + (<usize>cell << 4));
    const cy = load<f64>(centresPtr + (<usize>cell << 4), 8);
    const x0 = cx + 0.5 - sidePx * 0.5;
    const y0 = cy + 0.5 - sidePx * 0.5;
    if (border == BORDER_SKIP) {
      // Sample coordinates grow with j, so the first and last decide (same expressions as below).
      const xFirst = x0 + 0.5 * stepX - 0.5;
      const xLast = x0 + (<f64>inputWidth - 0.5) * stepX - 0.5;
      const yFirst = y0 + 0.5 * stepY - 0.5;
      const yLast = y0 + (<f64>inputHeight - 0.5) * stepY - 0.5;
      if (xFirst < 0 || yFirst < 0 || xLast > <f64>(width - 1) || yLast > <f64>(height - 1)) {
        store<u8>(writtenPtr + cell, 0);
        continue;
      }
    }
    const span = buildColumnTable(x0, stepX, inputWidth, width, channels, border, tap0Table, tap1Table, weightTable);
    const firstColumn = span >> 32;
    const spanBytes = <i32>(span & 0xffffffff);
    const slot = outPtr + <usize>cell * 3 * planeBytes;
    for (let i: i32 = 0; i < inputHeight; i++) {
      const sy = y0 + (<f64>i + 0.5) * stepY - 0.5;
      const low = Math.floor(sy);
      const weight = <f32>(sy - low);
      const row0 = borderTap(<i32>low, height, border);
      const row1 = borderTap(<i32>low + 1, height, border);
      const source0 = row0 == OUTSIDE ? fillRow : framePtr + <usize>row0 * rowBytes;
      const source1 = row1 == OUTSIDE ? fillRow : framePtr + <usize>row1 * rowBytes;
      const offset = <usize>(firstColumn * channels);
      blendRows(source0 + offset, source1 + offset, weight, spanBytes, blendedRow);
      writeOutputRow(
        blendedRow, tap0Table, tap1Table, weightTable, inputWidth,
        stainPtr, slot + (<usize>(i * inputWidth) << 2), planeBytes,
      );
    }
    store<u8>(writtenPtr + cell, 1);
  }
}

/** Fills the fill slot (f32, frame channel order, 4th lane 255) and the fill row (frame format). */
function prepareFill(fillRgb: u32, channels: i32, width: i32, fillSlot: usize, fillRow: usize): void {
  const r = fillRgb & 255;
  const g = (fillRgb >> 8) & 255;
  const b = (fillRgb >> 16) & 255;
  store<f32>(fillSlot, <f32>r);
  store<f32>(fillSlot, <f32>g, 4);
  store<f32>(fillSlot, <f32>b, 8);
  store<f32>(fillSlot, 255.0, 12);
  // Whole pixels only: the row's slack bytes are read past the span but never used.
  const bytes = <usize>(width * channels + ROW_SLACK);
  for (let i: usize = 0; i + <usize>channels <= bytes; i += <usize>channels) {
    store<u8>(fillRow + i, <u8>r);
    store<u8>(fillRow + i, <u8>g, 1);
    store<u8>(fillRow + i, <u8>b, 2);
    if (channels == 4) store<u8>(fillRow + i, 255, 3);
  }
}

/**
 * Fills the column table of one patch: for output column j, byte offsets (into the blended row)
 * of its two taps and the weight of the second. Taps are mirrored or marked OUTSIDE (offset -16,
 * the fill slot). Entries past inputWidth repeat the last column so 4-wide groups stay valid.
 * Returns (first frame column used << 32) | (bytes of frame row the blended row must cover).
 */
function buildColumnTable(
  x0: f64, stepX: f64, inputWidth: i32, width: i32, channels: i32, border: i32,
  tap0Table: usize, tap1Table: usize, weightTable: usize,
): i64 {
  let first = width;
  let last: i32 = -1;
  for (let j: i32 = 0; j < inputWidth; j++) {
    const sx = x0 + (<f64>j + 0.5) * stepX - 0.5;
    const low = Math.floor(sx);
    const tap0 = borderTap(<i32>low, width, border);
    const tap1 = borderTap(<i32>low + 1, width, border);
    if (tap0 != OUTSIDE) { first = min(first, tap0); last = max(last, tap0); }
    if (tap1 != OUTSIDE) { first = min(first, tap1); last = max(last, tap1); }
    store<i32>(tap0Table + (<usize>j << 2), tap0);
    store<i32>(tap1Table + (<usize>j << 2), tap1);
    store<f32>(weightTable + (<usize>j << 2), <f32>(sx - low));
  }
  if (last < first) first = last = 0; // every tap outside: nothing to blend
  const pixelBytes = channels << 2;
  for (let j: i32 = 0; j < roundUp4(inputWidth); j++) {
    const source = <usize>min(j, inputWidth - 1) << 2;
    const tap0 = load<i32>(tap0Table + source);
    const tap1 = load<i32>(tap1Table + source);
    store<i32>(tap0Table + (<usize>j << 2), tap0 == OUTSIDE ? -16 : (tap0 - first) * pixelBytes);
    store<i32>(tap1Table + (<usize>j << 2), tap1 == OUTSIDE ? -16 : (tap1 - first) * pixelBytes);
    if (j >= inputWidth) store<f32>(weightTable + (<usize>j << 2), load<f32>(weightTable + source));
  }
  return (<i64>first << 32) | <i64>((last - first + 1) * channels);
}

/**
 * blended[c] = row0[c] + (row1[c] - row0[c]) * weight for `bytes` channel values (rounded up to
 * 16: reads up to 15 bytes past each row, writes up to 15 floats past the span, both in slack).
 */
function blendRows(row0: usize, row1: usize, weight: f32, bytes: i32, blended: usize): void {
  if (weight == 0 || row0 == row1) {
    // Exact either way (a + (a - a) * w = a); half the work.
    for (let b: usize = 0; b < <usize>bytes; b += 16) {
      const v = v128.load(row0 + b);
      const low = i16x8.extend_low_i8x16_u(v);
      const high = i16x8.extend_high_i8x16_u(v);
      const out = blended + (b << 2);
      v128.store(out, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(low)));
      v128.store(out, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(low)), 16);
      v128.store(out, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_u(high)), 32);
      v128.store(out, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_u(high)), 48);
    }
    return;
  }
  const w = f32x4.splat(weight);
  for (let b: usize = 0; b < <usize>bytes; b += 16) {
    const v0 = v128.load(row0 + b);
    const v1 = v128.load(row1 + b);
    const low0 = i16x8.extend_low_i8x16_u(v0);
    const high0 = i16x8.extend_high_i8x16_u(v0);
    const low1 = i16x8.extend_low_i8x16_u(v1);
    const high1 = i16x8.extend_high_i8x16_u(v1);
    const out = blended + (b << 2);
    v128.store(out, lerp4(i32x4.extend_low_i16x8_u(low0), i32x4.extend_low_i16x8_u(low1), w));
    v128.store(out, lerp4(i32x4.extend_high_i16x8_u(low0), i32x4.extend_high_i16x8_u(low1), w), 16);
    v128.store(out, lerp4(i32x4.extend_low_i16x8_u(high0), i32x4.extend_low_i16x8_u(high1), w), 32);
    v128.store(out, lerp4(i32x4.extend_high_i16x8_u(high0), i32x4.extend_high_i16x8_u(high1), w), 48);
  }
}

/** a + (b - a) * w on i32x4 integers converted to f32. */
// @ts-ignore: decorator
@inline function lerp4(a: v128, b: v128, w: v128): v128 {
  const fa = f32x4.convert_i32x4_s(a);
  return f32x4.add(fa, f32x4.mul(f32x4.sub(f32x4.convert_i32x4_s(b), fa), w));
}

/** Horizontal blend of output column j: one pixel as f32x4 (R, G, B, unused). */
// @ts-ignore: decorator
@inline function blendColumn(blended: usize, tap0Table: usize, tap1Table: usize, weightTable: usize, j: i32): v128 {
  const entry = <usize>j << 2;
  const a = v128.load(blended + <usize>load<i32>(tap0Table + entry));
  const b = v128.load(blended + <usize>load<i32>(tap1Table + entry));
  return f32x4.add(a, f32x4.mul(f32x4.sub(b, a), v128.load32_splat(weightTable + entry)));
}

/**
 * One output row of the three planes at `out` (plane c at out + c * planeBytes): blend columns,
 * transpose 4 pixels to planar, stain-map when stainPtr != 0, standardize with CONSTANTS, store.
 */
function writeOutputRow(
  blended: usize, tap0Table: usize, tap1Table: usize, weightTable: usize, inputWidth: i32,
  stainPtr: usize, out: usize, planeBytes: usize,
): void {
  const scaleR = v128.load32_splat(CONSTANTS);
  const scaleG = v128.load32_splat(CONSTANTS, 4);
  const scaleB = v128.load32_splat(CONSTANTS, 8);
  const offsetR = v128.load32_splat(CONSTANTS, 16);
  const offsetG = v128.load32_splat(CONSTANTS, 20);
  const offsetB = v128.load32_splat(CONSTANTS, 24);
  for (let j: i32 = 0; j < inputWidth; j += 4) {
    const p0 = blendColumn(blended, tap0Table, tap1Table, weightTable, j);
    const p1 = blendColumn(blended, tap0Table, tap1Table, weightTable, j + 1);
    const p2 = blendColumn(blended, tap0Table, tap1Table, weightTable, j + 2);
    const p3 = blendColumn(blended, tap0Table, tap1Table, weightTable, j + 3);
    // 4x4 transpose of (R, G, B, -) pixels into R, G, B lanes.
    const rg01 = i32x4.shuffle(p0, p1, 0, 4, 1, 5);
    const rg23 = i32x4.shuffle(p2, p3, 0, 4, 1, 5);
    const b01 = i32x4.shuffle(p0, p1, 2, 6, 3, 7);
    const b23 = i32x4.shuffle(p2, p3, 2, 6, 3, 7);
    let r = i32x4.shuffle(rg01, rg23, 0, 1, 4, 5);
    let g = i32x4.shuffle(rg01, rg23, 2, 3, 6, 7);
    let b = i32x4.shuffle(b01, b23, 0, 1, 4, 5);
    if (stainPtr != 0) {
      // OD = -ln((v + 1) / Io) and I' = min(255, Io * exp(-M OD)) = min(255, 2^(M L + bias)) with
      // L = log2(v + 1): no ln2 factors, no per-pixel Io (bias: see writePatches).
      const one = f32x4.splat(1.0);
      const lr = fastLog2x4(f32x4.add(r, one));
      const lg = fastLog2x4(f32x4.add(g, one));
      const lb = fastLog2x4(f32x4.add(b, one));
      r = mapChannel(lr, lg, lb, stainPtr, v128.load32_splat(CONSTANTS, 32));
      g = mapChannel(lr, lg, lb, stainPtr + 12, v128.load32_splat(CONSTANTS, 36));
      b = mapChannel(lr, lg, lb, stainPtr + 24, v128.load32_splat(CONSTANTS, 40));
    }
    r = f32x4.add(f32x4.mul(r, scaleR), offsetR);
    g = f32x4.add(f32x4.mul(g, scaleG), offsetG);
    b = f32x4.add(f32x4.mul(b, scaleB), offsetB);
    const at = out + (<usize>j << 2);
    const remaining = inputWidth - j;
    if (remaining >= 4) {
      v128.store(at, r);
      v128.store(at + planeBytes, g);
      v128.store(at + (planeBytes << 1), b);
    } else {
      storeLanes(at, r, remaining);
      storeLanes(at + planeBytes, g, remaining);
      storeLanes(at + (planeBytes << 1), b, remaining);
    }
  }
}

/** min(255, 2^(row . L + bias)) for one output channel; row = 3 f32 of the OD map at `row`. */
// @ts-ignore: decorator
@inline function mapChannel(lr: v128, lg: v128, lb: v128, row: usize, bias: v128): v128 {
  let y = f32x4.add(f32x4.mul(lr, v128.load32_splat(row)), bias);
  y = f32x4.add(y, f32x4.mul(lg, v128.load32_splat(row, 4)));
  y = f32x4.add(y, f32x4.mul(lb, v128.load32_splat(row, 8)));
  return f32x4.pmin(patchExp2x4(y), f32x4.splat(255.0)); // pmin: one instruction, inputs never NaN
}

/** The first `count` (1..3) lanes of v to consecutive f32 at `at`. */
// @ts-ignore: decorator
@inline function storeLanes(at: usize, v: v128, count: i32): void {
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(at, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(at, f32x4.extract_lane(v, 2), 8);
}
