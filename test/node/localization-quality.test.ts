// Localization quality floors (issue 3, "Correctness"), measured by bench/localization-quality.ts
// on all 364 BCCD frames and six full-size bone-marrow mosaics (about 10 s).
import { beforeAll, describe, expect, it } from 'vitest';
import { BCCD_MICRONS_PER_PIXEL, measureLocalization, type LocalizationQuality } from '../../bench/localization-quality.js';

let quality: LocalizationQuality;
beforeAll(async () => {
  quality = await measureLocalization();
});

describe('localization quality', () => {
  it('BCCD: WBC recall >= 0.95 and precision >= 0.90 over every frame (the issue\'s floors)', () => {
    const { bccd } = quality;
    expect(bccd.frames).toBe(364);
    expect(bccd.boxes).toBeGreaterThanOrEqual(bccd.frames); // every frame has at least one WBC box
    expect(bccd.fitFailures).toBe(0);
    expect(bccd.recall).toBeGreaterThanOrEqual(0.95);
    expect(bccd.precision).toBeGreaterThanOrEqual(0.9);
  });

  it('BCCD: the pixel size used is the median of the per-frame erythrocyte estimates', () => {
    const { estimatedScale } = quality.bccd;
    expect(estimatedScale.frames).toBeGreaterThan(300);
    expect(Math.abs(estimatedScale.median / BCCD_MICRONS_PER_PIXEL - 1)).toBeLessThan(0.05);
    expect(estimatedScale.lowerQuartile).toBeLessThan(estimatedScale.median);
    expect(estimatedScale.upperQuartile).toBeGreaterThan(estimatedScale.median);
  });

  it('mosaics: recall >= 0.97 and median centre error <= 5 % of the patch side (the issue\'s floors)', () => {
    const { mosaics } = quality;
    expect(mosaics.frames).toBe(6);
    expect(mosaics.cells).toBe(6 * 24);
    expect(mosaics.recall).toBeGreaterThanOrEqual(0.97);
    expect(mosaics.centreErrorMedianPercent).toBeLessThanOrEqual(5);
  });
});
