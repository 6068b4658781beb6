import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateMosaic, MATEK_MICRONS_PER_PIXEL } from '../../bench/mosaic.js';
import { SmearscopeError } from '../../src/errors.js';
import { decodeImage } from '../../src/io/decode.js';
import { instantiateKernels } from '../../src/kernels/load.js';
import { floatsPerPatch, writePatches } from '../../src/patch/write-patches.js';
import { placeFrame } from '../../src/kernels/resident-frame.js';

const DATA_DIR = '../shared/data/bm-matek-7';

describe('generateMosaic', () => {
  it('is deterministic for a seed and differs between seeds', async () => {
    const options = { width: 900, height: 700, cells: 5 };
    const a = await generateMosaic({ ...options, seed: 11 });
    const b = await generateMosaic({ ...options, seed: 11 });
    const c = await generateMosaic({ ...options, seed: 12 });
    expect(b.centres).toEqual(a.centres);
    expect(Buffer.from(b.frame.pixels).equals(Buffer.from(a.frame.pixels))).toBe(true);
    expect(Buffer.from(c.frame.pixels).equals(Buffer.from(a.frame.pixels))).toBe(false);
    expect(c.centres).not.toEqual(a.centres);
  });

  it('places every crop whole, inside a full-size frame, at least a crop side apart', async () => {
    const { frame, centres, micronsPerPixel } = await generateMosaic({ seed: 3 });
    expect([frame.width, frame.height, frame.channels]).toEqual([2452, 2056, 4]);
    expect(frame.pixels.length).toBe(2452 * 2056 * 4);
    expect(micronsPerPixel).toBe(MATEK_MICRONS_PER_PIXEL);
    expect(frame.micronsPerPixel).toBe(micronsPerPixel);
    expect(centres.length).toBe(24);
    for (const [i, cell] of centres.entries()) {
      expect(cell.x - 124.5).toBeGreaterThanOrEqual(0);
      expect(cell.y - 124.5).toBeGreaterThanOrEqual(0);
      expect(cell.x + 124.5).toBeLessThanOrEqual(frame.width - 1);
      expect(cell.y + 124.5).toBeLessThanOrEqual(frame.height - 1);
      expect(cell.file.startsWith(`${cell.classCode}/`)).toBe(true);
      for (const other of centres.slice(i + 1)) expect(Math.hypot(other.x - cell.x, other.y - cell.y)).toBeGreaterThanOrEqual(250);
    }
    // Several classes are drawn (24 draws from 7 classes).
    expect(new Set(centres.map((cell) => cell.classCode)).size).toBeGreaterThan(3);
  });

  it('keeps each cell exactly: pixels near the centre equal the crop (mask weight 1)', async () => {
    const { frame, centres } = await generateMosaic({ width: 1200, height: 900, cells: 6, seed: 5 });
    for (const cell of centres) {
      const crop = await decodeImage(await readFile(join(DATA_DIR, cell.file)), cell.file);
      const left = cell.x - (crop.width - 1) / 2;
      const top = cell.y - (crop.height - 1) / 2;
      let compared = 0;
      // Every pixel within 80 px of the crop centre (inside the mask's weight-1 disc).
      for (let y = 0; y < crop.height; y++) {
        for (let x = 0; x < crop.width; x++) {
          if (Math.hypot(x - (crop.width - 1) / 2, y - (crop.height - 1) / 2) > 80) continue;
          for (let c = 0; c < 3; c++) {
            const mosaicValue = frame.pixels[((top + y) * frame.width + left + x) * 4 + c];
            if (mosaicValue !== crop.pixels[(y * crop.width + x) * crop.channels + c]) throw new Error(`${cell.file} differs at ${x},${y}`);
          }
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(20_000);
    }
  });

  it('fades the crop surroundings into the background (corners are background, not crop)', async () => {
    const { frame, centres } = await generateMosaic({ width: 700, height: 700, cells: 1, seed: 8 });
    const [cell] = centres;
    const crop = await decodeImage(await readFile(join(DATA_DIR, cell.file)), cell.file);
    const left = cell.x - 124.5;
    const top = cell.y - 124.5;
    // The crop's corner pixels are replaced by the background, so they rarely survive unchanged.
    let unchanged = 0;
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 10; x++) {
        const mosaic = frame.pixels.subarray(((top + y) * frame.width + left + x) * 4, ((top + y) * frame.width + left + x) * 4 + 3);
        const original = crop.pixels.subarray((y * crop.width + x) * crop.channels, (y * crop.width + x) * crop.channels + 3);
        if (mosaic.every((v, c) => v === original[c])) unchanged++;
      }
    }
    expect(unchanged).toBeLessThan(20);
  });

  it('centres are what writePatches needs: a 250 px identity patch reproduces the crop', async () => {
    const { frame, centres } = await generateMosaic({ width: 800, height: 600, cells: 1, seed: 2 });
    const [cell] = centres;
    const crop = await decodeImage(await readFile(join(DATA_DIR, cell.file)), cell.file);
    const kernels = await instantiateKernels();
    const spec = {
      patchMicrons: 250 * MATEK_MICRONS_PER_PIXEL,
      micronsPerPixel: MATEK_MICRONS_PER_PIXEL,
      inputWidth: 250,
      inputHeight: 250,
      mean: [0, 0, 0] as [number, number, number],
      std: [1 / 255, 1 / 255, 1 / 255] as [number, number, number],
      border: 'skip' as const,
    };
    const batch = new Float32Array(floatsPerPatch(spec));
    expect(writePatches(kernels, placeFrame(kernels, frame), [cell], spec, batch, 0)).toEqual([true]);
    // The centre pixels (124..125 in both axes) of each channel plane match the crop.
    for (let c = 0; c < 3; c++) {
      for (const [x, y] of [
        [124, 124],
        [125, 124],
        [124, 125],
        [125, 125],
      ]) {
        expect(batch[c * 62500 + y * 250 + x]).toBeCloseTo(crop.pixels[(y * 250 + x) * crop.channels + c], 2);
      }
    }
  });

  it('draws only the requested classes and rejects impossible requests', async () => {
    const { centres } = await generateMosaic({ width: 800, height: 800, cells: 4, seed: 4, classes: ['EOS', 'LYT'] });
    expect(centres.every((cell) => cell.classCode === 'EOS' || cell.classCode === 'LYT')).toBe(true);
    await expect(generateMosaic({ cells: 1, classes: ['XYZ'] })).rejects.toThrow(SmearscopeError);
    await expect(generateMosaic({ width: 600, height: 600, cells: 9 })).rejects.toThrow(/could not place/);
    await expect(generateMosaic({ width: 200, height: 900, cells: 1 })).rejects.toThrow(/does not fit/);
  });
});
