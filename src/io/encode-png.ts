import { PNG } from 'pngjs';
import type { Frame } from '../frame.js';

/** Encodes an RGB8 or RGBA8 frame as PNG bytes (Node). The frame's buffer is only read. */
export function encodePng(frame: Frame): Uint8Array {
  const png = new PNG({ width: frame.width, height: frame.height });
  if (frame.channels === 4) {
    png.data.set(frame.pixels);
  } else {
    for (let i = 0, j = 0; i < frame.width * frame.height; i++, j += 3) {
      png.data[i * 4] = frame.pixels[j];
      png.data[i * 4 + 1] = frame.pixels[j + 1];
      png.data[i * 4 + 2] = frame.pixels[j + 2];
      png.data[i * 4 + 3] = 255;
    }
  }
  const bytes = PNG.sync.write(png);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
