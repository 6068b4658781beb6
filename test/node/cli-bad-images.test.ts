import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { BCCD_DIR } from '../support/frames.js';
import { pngHeaderOnly } from '../support/png-header.js';
import { writeTiff } from '../support/tiff.js';

const run = promisify(execFile);

// The inputs that used to cost 4 GB, loop forever, drop pages or give 0 cells with exit 0: each is
// now one frame's typed error (or frames of their own), and the good frames are still analyzed.
describe('smearscope analyze on bad images', () => {
  it('reports each bad file as its own typed error, every TIFF page as a frame, and the good frame', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smearscope-bad-'));
    copyFileSync(join(BCCD_DIR, 'BloodImage_00000.jpg'), join(dir, 'a-good.jpg'));
    writeFileSync(join(dir, 'b-huge.png'), pngHeaderOnly(60_000, 60_000));
    writeFileSync(join(dir, 'c-loop.tif'), writeTiff([{ width: 2, height: 2, rgb: new Uint8Array(12) }], { loop: true }));
    writeFileSync(
      join(dir, 'd-grey.png'),
      await sharp(new Uint8Array(64 * 64).fill(120), { raw: { width: 64, height: 64, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    );
    const page = { width: 32, height: 24, rgb: new Uint8Array(32 * 24 * 3).fill(200) };
    writeFileSync(join(dir, 'e-stack.tif'), writeTiff([page, page, page]));
    const out = join(dir, 'report.json');
    await run('node', [
      'bin/smearscope.js',
      'analyze',
      dir,
      '--backend',
      'wasm',
      '--workers',
      '1',
      '--microns-per-pixel',
      '0.075',
      '--out',
      out,
      '--quiet',
    ]).catch((error: { code?: number }) => expect(error.code).toBe(1));
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      frames: Array<{ file: string; width: number; cells: unknown[]; error?: { code: string; message: string } }>;
    };
    const byFile = Object.fromEntries(report.frames.map((f) => [f.file.slice(dir.length + 1), f]));
    expect(Object.keys(byFile)).toEqual([
      'a-good.jpg',
      'b-huge.png',
      'c-loop.tif',
      'd-grey.png',
      'e-stack.tif (page 1 of 3)',
      'e-stack.tif (page 2 of 3)',
      'e-stack.tif (page 3 of 3)',
    ]);
    expect(byFile['a-good.jpg'].error).toBeUndefined();
    expect(byFile['a-good.jpg'].cells.length).toBeGreaterThan(0);
    expect(byFile['b-huge.png'].error?.code).toBe('FRAME_TOO_LARGE');
    expect(byFile['c-loop.tif'].error?.code).toMatch(/^(DECODE_FAILED|UNSUPPORTED_FORMAT)$/);
    expect(byFile['d-grey.png'].error).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringMatching(/grayscale/) });
    for (let p = 1; p <= 3; p++) expect(byFile[`e-stack.tif (page ${p} of 3)`]).toMatchObject({ width: 32 });
  });
});
