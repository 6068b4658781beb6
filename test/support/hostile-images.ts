import { crc32, deflateSync } from 'node:zlib';

/**
 * A 123-byte TIFF whose first image directory names itself as the next one: a decoder that
 * follows page pointers without a visited set loops forever, allocating as it goes.
 */
export function loopingTiff(): Uint8Array {
  // [tag, type (3 SHORT, 4 LONG), count, value]: a 1 x 1 8-bit grey image, one strip.
  const entries = [
    [256, 3, 1, 1],
    [257, 3, 1, 1],
    [258, 3, 1, 8],
    [259, 3, 1, 1],
    [262, 3, 1, 1],
    [273, 4, 1, 0],
    [277, 3, 1, 1],
    [278, 3, 1, 1],
    [279, 4, 1, 1],
  ];
  const size = 8 + 2 + entries.length * 12 + 4 + 1;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, 8, true);
  view.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    const v = tag === 273 ? size - 1 : value; // the strip is the file's last byte
    if (type === 3) view.setUint16(at + 8, v, true);
    else view.setUint32(at + 8, v, true);
  });
  view.setUint32(10 + entries.length * 12, 8, true); // next directory: this one again
  return bytes;
}

/** A valid, all-black 1-bit greyscale PNG of width x height (small on disk: 20000 x 20000 is
 * ~50 KB, decoded to RGBA it is 1.6 GB). */
export function blackPng(width: number, height: number): Uint8Array {
  const row = 1 + Math.ceil(width / 8); // filter byte + packed bits
  const raw = Buffer.alloc(row * height); // zeros: filter 0, black pixels
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}
