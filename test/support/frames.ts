import { readFileSync, readdirSync } from 'node:fs';
import { decodeImage } from '../../src/io/decode.js';
import type { Frame } from '../../src/frame.js';
import { toRgba } from '../../src/ui/frame-image.js';

export const BCCD_DIR = '../shared/data/bccd/JPEGImages';
/** BCCD's pixel size: between the median of smearscope's per-frame erythrocyte estimates over the
 * set (0.078 um/px) and the annotated red-cell boxes (0.072 um/px at 7.5 um per red cell). */
export const BCCD_MICRONS_PER_PIXEL = 0.075;

/** The first `count` BCCD frames (sorted by name), decoded (RGB8, as Node decodes) and widened to RGBA8 (as a browser's ImageData: the tests that need RGB convert back), with BCCD's scale. */
export async function bccdFrames(count: number): Promise<Frame[]> {
  const names = readdirSync(BCCD_DIR)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .slice(0, count);
  return Promise.all(
    names.map(async (name) => {
      const frame = await decodeImage(readFileSync(`${BCCD_DIR}/${name}`), name);
      return { ...frame, channels: 4 as const, pixels: new Uint8Array(toRgba(frame).buffer), micronsPerPixel: BCCD_MICRONS_PER_PIXEL };
    }),
  );
}

/** A copy of a frame (the pipeline never detaches the caller's buffer, but tests stay independent). */
export function copyFrame(frame: Frame, label?: string): Frame {
  return { ...frame, pixels: frame.pixels.slice(), ...(label ? { label } : {}) };
}
