// Reading the sampled pixels of a region four at a time, shared by the stain kernels.
//
// A region: `origin` points at its top-left pixel, `rowBytes` is the frame's row pitch, the region
// is `columns` x `rows` pixels of `channels` (3 or 4) bytes, sampled every `pixelStride` pixels
// in both directions.

import { opticalDensity4 } from './stain-map';

/** Sampled pixels per sampled row. */
// @ts-ignore: decorator
@inline export function sampledColumns(columns: i32, pixelStride: i32): i32 {
  return (columns + pixelStride - 1) / pixelStride;
}

/** One pixel as R | G << 8 | B << 16 (alpha or nothing above); reads only the pixel's own bytes. */
// @ts-ignore: decorator
@inline export function pixelWord(p: usize, channels: i32): u32 {
  return channels == 4 ? load<u32>(p) : <u32>load<u16>(p) | (<u32>load<u8>(p, 2) << 16);
}

/** Stores one pixel word (R | G << 8 | B << 16 | A << 24) as RGBA8 or RGB8 at `out`. */
// @ts-ignore: decorator
@inline export function storePixel(word: u32, out: usize, channels: i32): void {
  if (channels == 4) {
    store<u32>(out, word);
  } else {
    store<u16>(out, <u16>word);
    store<u8>(out, <u8>(word >> 16), 2);
  }
}

/**
 * The address of lane `lane` of a group of up to four pixels starting at p0, `step` bytes apart.
 * Lanes at or past `valid` repeat the last valid pixel, so a group never reads past the row; the
 * caller drops their results.
 */
// @ts-ignore: decorator
@inline export function laneAddress(p0: usize, step: usize, lane: i32, valid: i32): usize {
  return p0 + step * <usize>min(lane, valid - 1);
}

/** OD of one channel (shift 0 = R, 8 = G, 16 = B) of four pixel words; the OD table must be prepared. */
// @ts-ignore: decorator
@inline export function channelOd4(w0: u32, w1: u32, w2: u32, w3: u32, shift: u32): v128 {
  return opticalDensity4(w0 >> shift, w1 >> shift, w2 >> shift, w3 >> shift);
}
