import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage, sniffImageFormat } from '../../src/io/decode.js';
import { encodePng } from '../../src/io/encode-png.js';
import { SmearscopeError } from '../../src/errors.js';

const BCCD = '../shared/data/bccd/JPEGImages';

describe('frame decoding', () => {
  it('decodes a real BCCD JPEG into a 640 x 480 RGBA frame with plausible stain colours', () => {
    const file = readdirSync(BCCD).find((name) => name.endsWith('.jpg'))!;
    const frame = decodeImage(readFileSync(`${BCCD}/${file}`), file);
    expect([frame.width, frame.height, frame.channels]).toEqual([640, 480, 4]);
    let red = 0,
      blue = 0;
    for (let i = 0; i < frame.pixels.length; i += 4) {
      red += frame.pixels[i];
      blue += frame.pixels[i + 2];
    }
    // A smear is bright and not grey: mean intensity well above mid-grey on both channels.
    expect(red / (640 * 480)).toBeGreaterThan(120);
    expect(blue / (640 * 480)).toBeGreaterThan(120);
  });

  it('round-trips PNG exactly', () => {
    const pixels = new Uint8Array(5 * 3 * 3).map((_, i) => (i * 37) % 256);
    const bytes = encodePng({ width: 5, height: 3, channels: 3, pixels });
    expect(sniffImageFormat(bytes)).toBe('png');
    const frame = decodeImage(bytes);
    for (let i = 0; i < 15; i++) {
      expect([frame.pixels[i * 4], frame.pixels[i * 4 + 1], frame.pixels[i * 4 + 2]]).toEqual([
        pixels[i * 3],
        pixels[i * 3 + 1],
        pixels[i * 3 + 2],
      ]);
    }
  });

  it('rejects unknown and corrupt files with typed errors', () => {
    expect(() => decodeImage(new Uint8Array([1, 2, 3, 4]), 'x.bin')).toThrow(SmearscopeError);
    const jpegBytes = readFileSync(`${BCCD}/BloodImage_00000.jpg`).subarray(0, 600);
    try {
      decodeImage(jpegBytes, 'cut.jpg');
      expect.unreachable();
    } catch (error) {
      expect((error as SmearscopeError).code).toBe('DECODE_FAILED');
    }
  });
});
