import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { normalizeCommand } from '../../src/cli/normalize.js';
import { decodeImage } from '../../src/io/decode.js';
import { encodePng } from '../../src/io/encode-png.js';
import { platform } from '../../src/platform/node.js';
import { referenceNormalize } from '../reference/stain-apply.js';
import { referenceMacenkoFit } from '../reference/stain-macenko.js';
import { solidFrame } from '../reference/stain-synthetic.js';
import { bccdFrames } from '../support/frames.js';

const CROP = '../shared/data/bm-matek-7/BLA/BLA_00001.jpg';
const CARD = 'models/bm7-resnet10s.json';
let directory: string;
let stdout: string;
let stderr: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'smearscope-normalize-'));
});

afterEach(() => vi.restoreAllMocks());

/** Runs the command with stdout/stderr captured. */
async function run(...argv: string[]): Promise<number> {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return await normalizeCommand(argv);
  } finally {
    vi.restoreAllMocks();
  }
}

/** Largest byte difference between the PNG the command wrote and the float64 reference. */
async function maxDifferenceFromReference(
  outPath: string,
  inPath: string,
  reference: { stainMatrix: number[][]; maxC: number[] },
): Promise<number> {
  const input = await decodeImage(readFileSync(inPath), inPath);
  const output = await decodeImage(readFileSync(outPath), outPath);
  const expected = referenceNormalize(input, referenceMacenkoFit(input), reference as never);
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(output.pixels[i] - expected[i]));
  return max;
}

describe('smearscope normalize', () => {
  it('--help prints the usage', async () => {
    expect(await run('--help')).toBe(0);
    expect(stdout).toContain('Usage: smearscope normalize <in> <out.png>');
  });

  it('--fit-only --json prints exactly { stainMatrix, maxC }, matching the float64 reference fit', async () => {
    // The contract's full form, <in> <out.png> --fit-only --json, prints the same and writes nothing.
    expect(await run(CROP, join(directory, 'not-written.png'), '--fit-only', '--json')).toBe(0);
    const withOutput = stdout;
    expect(existsSync(join(directory, 'not-written.png'))).toBe(false);
    expect(await run(CROP, '--fit-only', '--json')).toBe(0);
    expect(stdout).toBe(withOutput);
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed)).toEqual(['stainMatrix', 'maxC']);
    const expected = referenceMacenkoFit(await decodeImage(readFileSync(CROP), CROP));
    for (let s = 0; s < 2; s++) {
      for (let c = 0; c < 3; c++) expect(Math.abs(printed.stainMatrix[s][c] - expected.stainMatrix[s][c])).toBeLessThan(1e-3);
      expect(Math.abs(printed.maxC[s] / expected.maxC[s] - 1)).toBeLessThan(1e-3);
    }
    expect(printed.stainMatrix[0][0]).toBeGreaterThan(printed.stainMatrix[1][0]); // hematoxylin-like first
  });

  it("normalizes to a model card's stainReference within 1 grey level of the reference", async () => {
    const out = join(directory, 'to-card.png');
    expect(await run(CROP, out, '--reference', CARD)).toBe(0);
    const card = JSON.parse(readFileSync(CARD, 'utf8'));
    expect(await maxDifferenceFromReference(out, CROP, card.stainReference)).toBeLessThanOrEqual(1);
  });

  it("normalizes to another image's fit, and to a fit saved by --fit-only --json", async () => {
    const [blood] = await bccdFrames(1);
    const referenceImage = join(directory, 'blood.png');
    writeFileSync(referenceImage, await encodePng(blood));
    const viaImage = join(directory, 'to-image.png');
    expect(await run(CROP, viaImage, '--reference', referenceImage)).toBe(0);
    expect(await maxDifferenceFromReference(viaImage, CROP, referenceMacenkoFit(blood))).toBeLessThanOrEqual(1);

    expect(await run(referenceImage, '--fit-only', '--json')).toBe(0);
    const fitPath = join(directory, 'blood-fit.json');
    writeFileSync(fitPath, stdout);
    const viaFit = join(directory, 'to-fit.png');
    expect(await run(CROP, viaFit, '--reference', fitPath)).toBe(0);
    expect(readFileSync(viaFit)).toEqual(readFileSync(viaImage));
  });

  it("without --reference uses the default model card's stainReference (or says to pass one)", async () => {
    const out = join(directory, 'default.png');
    const card = String(platform.defaultModelCard());
    const code = await run(CROP, out);
    if (existsSync(card)) {
      expect(code).toBe(0);
      const explicit = join(directory, 'explicit.png');
      expect(await run(CROP, explicit, '--reference', card)).toBe(0);
      expect(readFileSync(out)).toEqual(readFileSync(explicit));
    } else {
      expect(code).toBe(2);
      expect(stderr).toMatch(/^error \[IO_FAILED\]: .*pass --reference/);
    }
  });

  it('fails with a typed message and exit code 2 (usage or fatal, as every command)', async () => {
    const blank = join(directory, 'blank.png');
    writeFileSync(blank, await encodePng(solidFrame(40, 30, 4, [250, 250, 250])));
    const badCard = join(directory, 'bad.json');
    writeFileSync(badCard, JSON.stringify({ id: 'x' }));
    const cases: Array<[string[], string]> = [
      [[blank, '--fit-only', '--json'], 'INVALID_FRAME'],
      [[join(directory, 'missing.png'), join(directory, 'o.png')], 'IO_FAILED'],
      [[CROP], 'INVALID_ARGUMENT'],
      [[CROP, join(directory, 'o.png'), '--json'], 'INVALID_ARGUMENT'],
      [[CROP, '--fit-only', '--reference', CARD], 'INVALID_ARGUMENT'],
      [[CROP, join(directory, 'o.png'), '--bogus'], 'INVALID_ARGUMENT'],
      [[CROP, join(directory, 'o.png'), '--reference', badCard], 'INVALID_ARGUMENT'],
    ];
    for (const [argv, code] of cases) {
      expect(await run(...argv), argv.join(' ')).toBe(2);
      expect(stderr).toMatch(new RegExp(`^error \\[${code}\\]: `));
    }
  });
});
