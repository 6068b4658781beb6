import type sharpType from 'sharp';
import type { Frame } from '../frame.js';

/** Encodes an RGB8 or RGBA8 frame as PNG bytes (Node, libvips). The frame's buffer is only read. */
export async function encodePng(frame: Frame): Promise<Uint8Array> {
  const pixels = Buffer.from(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength);
  const sharp = (await import('sharp')).default as typeof sharpType;
  const bytes = await sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: frame.channels } })
    .png()
    .toBuffer();
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
