import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { countPages, decodeImage, sniffImageFormat } from '../../src/io/decode.js';
import { encodePng } from '../../src/io/encode-png.js';
import { SmearscopeError } from '../../src/errors.js';
import { pngHeaderOnly } from '../support/png-header.js';
import { writeTiff } from '../support/tiff.js';

const BCCD = '../shared/data/bccd/JPEGImages';
const PIL = JSON.parse(readFileSync('test/reference/pil-checksums.json', 'utf8')) as {
  images: Record<string, { width: number; height: number; sha256: string }>;
};

/** The RGB bytes of an RGBA frame (what PIL's convert('RGB') holds). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SmearscopeError);
    return `${(error as SmearscopeError).code}: ${(error as Error).message}`;
  }
  throw new Error('expected a typed error');
}

describe('frame decoding (Node: sharp / libvips)', () => {
  it(`gives exactly PIL's pixels on ${Object.keys(PIL.images).length} bone-marrow crops and BCCD frames`, async () => {
    expect(Object.keys(PIL.images).length).toBeGreaterThanOrEqual(35);
    for (const [path, expected] of Object.entries(PIL.images)) {
      const frame = await decodeImage(readFileSync(`../shared/data/${path}`), path);
      expect([path, frame.width, frame.height, frame.channels]).toEqual([path, expected.width, expected.height, 3]);
      expect([path, createHash('sha256').update(frame.pixels).digest('hex')]).toEqual([path, expected.sha256]);
    }
  });

  it('round-trips PNG exactly', async () => {
    const pixels = new Uint8Array(5 * 3 * 3).map((_, i) => (i * 37) % 256);
    const bytes = await encodePng({ width: 5, height: 3, channels: 3, pixels });
    expect(sniffImageFormat(bytes)).toBe('png');
    const frame = await decodeImage(bytes);
    expect(Array.from(frame.pixels)).toEqual(Array.from(pixels));
  });

  it('scales 16-bit colour to 8 bits', async () => {
    const pixels = new Uint8Array(4 * 3 * 3).map((_, i) => (i * 53) % 256);
    const png16 = await sharp(pixels, { raw: { width: 4, height: 3, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    const frame = await decodeImage(png16, 'deep.png');
    expect(Array.from(frame.pixels)).toEqual(Array.from(pixels));
  });

  it('refuses grayscale images with a typed error (never an empty analysis)', async () => {
    const grey = await sharp(new Uint8Array(12).fill(90), { raw: { width: 4, height: 3, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect(await codeOf(decodeImage(grey, 'grey.png'))).toMatch(/^UNSUPPORTED_FORMAT: grey.png: a grayscale image/);
  });

  it('refuses images above the frame-pixel limit from the header, before decoding', async () => {
    // 50,000 x 50,000 RGB would need 10 GB as RGBA: the header alone must stop it.
    expect(await codeOf(decodeImage(pngHeaderOnly(50_000, 50_000), 'huge.png'))).toMatch(
      /^FRAME_TOO_LARGE: huge.png: 50000 x 50000 pixels is over the limit of 100000000/,
    );
    const bccd = readFileSync(`${BCCD}/BloodImage_00000.jpg`);
    expect(await codeOf(decodeImage(bccd, 'small-limit.jpg', { maxFramePixels: 640 * 480 - 1 }))).toMatch(/^FRAME_TOO_LARGE/);
    expect((await decodeImage(bccd, 'exact-limit.jpg', { maxFramePixels: 640 * 480 })).width).toBe(640);
  });

  it('reads every page of a multi-page TIFF, one at a time', async () => {
    const pages = [1, 2, 3].map((p) => ({ width: 3, height: 2, rgb: new Uint8Array(18).map((_, i) => (p * 70 + i) % 256) }));
    const tiff = writeTiff(pages);
    expect(await countPages(tiff)).toBe(3);
    expect(await codeOf(decodeImage(tiff, 'stack.tif'))).toMatch(/^UNSUPPORTED_FORMAT: stack.tif: the TIFF has 3 pages; .*page: 0..2/);
    for (let p = 0; p < 3; p++)
      expect(Array.from((await decodeImage(tiff, 'stack.tif', { page: p })).pixels)).toEqual(Array.from(pages[p].rgb));
    expect(await codeOf(decodeImage(tiff, 'stack.tif', { page: 3 }))).toMatch(/^INVALID_ARGUMENT: stack.tif: page 3 does not exist/);
  });

  it('gives a typed error for a TIFF whose page pointer points to itself', async () => {
    const loop = writeTiff([{ width: 2, height: 2, rgb: new Uint8Array(12) }], { loop: true });
    expect(loop.length).toBeLessThan(200);
    const result = await decodeImage(loop, 'loop.tif').then(
      () => 'decoded',
      (error: SmearscopeError) => error.code,
    );
    expect(['DECODE_FAILED', 'UNSUPPORTED_FORMAT']).toContain(result);
  });

  it('rejects unknown and corrupt files with typed errors', async () => {
    expect(await codeOf(decodeImage(new Uint8Array([1, 2, 3, 4]), 'x.bin'))).toMatch(/^UNSUPPORTED_FORMAT/);
    const jpegBytes = readFileSync(`${BCCD}/BloodImage_00000.jpg`).subarray(0, 600);
    expect(await codeOf(decodeImage(jpegBytes, 'cut.jpg'))).toMatch(/^DECODE_FAILED: cut.jpg/);
    expect(readdirSync(BCCD).length).toBeGreaterThan(0);
  });
});
