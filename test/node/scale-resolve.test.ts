// The scale a frame is analyzed at (src/scale/resolve.ts), the estimate's interval and the run's
// calibration (src/scale/estimate.ts): pure functions, no kernels.
import { describe, expect, it } from 'vitest';
import { SmearscopeError } from '../../src/errors.js';
import { calibrateRun, scaleFromDiameters, type ScaleEstimate } from '../../src/scale/estimate.js';
import { resolveScale, SCALE_WARNING_FACTOR } from '../../src/scale/resolve.js';

/** An estimate of `micronsPerPixel` from `n` erythrocytes of identical size (interval from the floor spread). */
const estimateOf = (micronsPerPixel: number, n: number): ScaleEstimate => scaleFromDiameters(new Array(n).fill(7.5 / micronsPerPixel));

describe('scaleFromDiameters: the estimate and its 95 % interval', () => {
  it('7.5 um over the median diameter; the interval holds it and narrows with more cells', () => {
    const few = scaleFromDiameters([95, 100, 105]);
    const many = scaleFromDiameters(Array.from({ length: 40 }, (_, i) => 95 + (i % 11)));
    expect(few.micronsPerPixel).toBeCloseTo(0.075, 6);
    for (const e of [few, many]) expect(e.interval[0] < e.micronsPerPixel && e.micronsPerPixel < e.interval[1]).toBe(true);
    const width = (e: ScaleEstimate) => (e.interval[1] - e.interval[0]) / e.micronsPerPixel;
    expect(width(many)).toBeLessThan(width(few) / 2);
    // Three cells: an estimate with its (wide) interval, not confident; forty: confident.
    expect(few.erythrocytes).toBe(3);
    expect(few.confident).toBe(false);
    expect(many.confident).toBe(true);
  });

  it('a wide scatter of diameters widens the interval and takes the confidence away', () => {
    const scattered = scaleFromDiameters([50, 70, 90, 100, 110, 140, 160, 60]);
    expect(scattered.confident).toBe(false);
    expect(scattered.interval[1] / scattered.interval[0]).toBeGreaterThan(1.3);
  });
});

describe('calibrateRun: the median of the confident estimates', () => {
  it('ignores estimates that are not confident and gives an interval around the median', () => {
    const run = calibrateRun([estimateOf(0.07, 30), estimateOf(0.075, 30), estimateOf(0.08, 30), estimateOf(0.3, 3)])!;
    expect(run.micronsPerPixel).toBeCloseTo(0.075, 9);
    expect(run.frames).toBe(3);
    expect(run.erythrocytes).toBe(90);
    expect(run.interval[0]).toBeLessThanOrEqual(0.075);
    expect(run.interval[1]).toBeGreaterThanOrEqual(0.075);
  });

  it('is undefined when no estimate is confident', () => {
    expect(calibrateRun([estimateOf(0.3, 3)])).toBeUndefined();
    expect(calibrateRun([])).toBeUndefined();
  });
});

describe('resolveScale', () => {
  it('without a given scale: the confident frame estimate, else the run, else the uncertain frame estimate', () => {
    expect(resolveScale(undefined, estimateOf(0.08, 30), 0.1)).toEqual({
      micronsPerPixel: estimateOf(0.08, 30).micronsPerPixel,
      scaleSource: 'frame',
    });
    expect(resolveScale(undefined, estimateOf(0.3, 3), 0.1)).toEqual({ micronsPerPixel: 0.1, scaleSource: 'run' });
    expect(resolveScale(undefined, undefined, 0.1)).toEqual({ micronsPerPixel: 0.1, scaleSource: 'run' });
    expect(resolveScale(undefined, estimateOf(0.3, 3), undefined).scaleSource).toBe('frame');
  });

  it('refuses a frame with neither its own estimate nor a run calibration, and says what to do', () => {
    let error: unknown;
    try {
      resolveScale(undefined, undefined, undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SmearscopeError);
    expect((error as SmearscopeError).code).toBe('INVALID_FRAME');
    expect((error as SmearscopeError).message).toMatch(/micronsPerPixel.*calibrate/);
  });

  it('a given scale is used as is; within 25 % of the erythrocytes it carries no warning', () => {
    expect(resolveScale(0.075, estimateOf(0.08, 30), undefined)).toEqual({ micronsPerPixel: 0.075, scaleSource: 'given' });
    expect(resolveScale(0.075, estimateOf(0.075 * 1.2, 30), undefined).scaleWarning).toBeUndefined();
    expect(resolveScale(0.075, undefined, undefined).scaleWarning).toBeUndefined();
  });

  it.each([
    ['too large (2 instead of 0.075)', 2, 0.075],
    ['too small (0.03 instead of 0.075)', 0.03, 0.075],
    ['just beyond the factor', 0.075 * SCALE_WARNING_FACTOR * 1.01, 0.075],
  ])('a given scale %s gives a warning with both values', (_name, given, truth) => {
    const resolved = resolveScale(given, estimateOf(truth, 30), undefined);
    expect(resolved.micronsPerPixel).toBe(given);
    expect(resolved.scaleSource).toBe('given');
    expect(resolved.scaleWarning).toContain(`${Number(given.toPrecision(4))} um/px`);
    expect(resolved.scaleWarning).toContain(`${Number(estimateOf(truth, 30).micronsPerPixel.toPrecision(4))} um/px`);
  });

  it('without its own estimate, a given scale is checked against the run calibration', () => {
    expect(resolveScale(2, undefined, 0.075).scaleWarning).toMatch(/run's erythrocyte calibration, which say 0.075 um\/px/);
  });
});
