/** A page of an uncompressed RGB8 TIFF. */
export interface TiffPage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/**
 * Writes a little-endian, uncompressed RGB8 TIFF with one directory per page (the test inputs for
 * multi-page reading). `loop` points the last directory's "next" at the first: a file that never
 * ends for a reader that follows page pointers blindly.
 */
export function writeTiff(pages: TiffPage[], options: { loop?: boolean } = {}): Uint8Array {
  const entries = 10;
  const ifdBytes = 2 + entries * 12 + 4;
  const layout: Array<{ ifd: number; bps: number; data: number }> = [];
  let offset = 8;
  for (const page of pages) {
    layout.push({ ifd: offset, bps: offset + ifdBytes, data: offset + ifdBytes + 6 });
    offset += ifdBytes + 6 + page.rgb.length + (page.rgb.length % 2);
  }
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49, 0x2a, 0x00]);
  view.setUint32(4, 8, true);
  pages.forEach((page, p) => {
    const { ifd, bps, data } = layout[p];
    view.setUint16(ifd, entries, true);
    const tags: Array<[number, number, number, number]> = [
      [256, 4, 1, page.width], // ImageWidth
      [257, 4, 1, page.height], // ImageLength
      [258, 3, 3, bps], // BitsPerSample 8,8,8 (at an offset)
      [259, 3, 1, 1], // Compression: none
      [262, 3, 1, 2], // Photometric: RGB
      [273, 4, 1, data], // StripOffsets
      [277, 3, 1, 3], // SamplesPerPixel
      [278, 4, 1, page.height], // RowsPerStrip
      [279, 4, 1, page.rgb.length], // StripByteCounts
      [284, 3, 1, 1], // PlanarConfiguration: chunky
    ];
    tags.forEach(([tag, type, count, value], i) => {
      const at = ifd + 2 + i * 12;
      view.setUint16(at, tag, true);
      view.setUint16(at + 2, type, true);
      view.setUint32(at + 4, count, true);
      if (type === 3 && count === 1) view.setUint16(at + 8, value, true);
      else view.setUint32(at + 8, value, true);
    });
    const next = p + 1 < pages.length ? layout[p + 1].ifd : options.loop ? layout[0].ifd : 0;
    view.setUint32(ifd + 2 + entries * 12, next, true);
    for (let c = 0; c < 3; c++) view.setUint16(bps + c * 2, 8, true);
    bytes.set(page.rgb, data);
  });
  return bytes;
}
