// Optical density of an 8-bit intensity: OD = -ln((I + 1) / Io). Every kernel that works in OD
// space reads this 256-entry table instead of calling log per pixel. The table lives in static
// data (below the heap base), so it never collides with the caller's buffers.

const OD_TABLE: usize = memory.data(256 * 4, 16);
let tableIo: f32 = -1;

/** Fills the table for the given background intensity Io (default 240); cheap when unchanged. */
export function prepareOpticalDensity(Io: f32): void {
  if (Io == tableIo) return;
  for (let i: i32 = 0; i < 256; i++) {
    store<f32>(OD_TABLE + (<usize>i << 2), -Mathf.log((<f32>i + 1.0) / Io));
  }
  tableIo = Io;
}

/** OD of one channel value 0..255; `prepareOpticalDensity` must have run. */
// @ts-ignore: decorator
@inline export function opticalDensity(value: u32): f32 {
  return load<f32>(OD_TABLE + (<usize>(value & 255) << 2));
}

/** The table's OD of one channel value 0..255 (for JS-side bounds); `prepareOpticalDensity` must have run. */
export function opticalDensityOf(value: i32): f32 {
  return opticalDensity(<u32>value);
}

/**
 * How many channel values, counted from 0, have a table OD >= beta: OD falls as the value rises,
 * so "OD >= beta" is exactly "value < opticalDensityBelow(beta)" (0..256), a byte compare.
 * `prepareOpticalDensity` must have run.
 */
export function opticalDensityBelow(beta: f32): i32 {
  let below: i32 = 0;
  while (below < 256 && opticalDensity(<u32>below) >= beta) below++;
  return below;
}
