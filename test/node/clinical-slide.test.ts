import { describe, expect, it } from 'vitest';
import {
  clopperPearson,
  createSlide,
  decideCell,
  resolveScheme,
  type CellDecision,
  type ResolvedScheme,
  type SlideCell,
} from '../../src/clinical/index.js';
import { BM7, testCard } from './clinical-card.js';

const bm7 = resolveScheme(testCard('bone-marrow-21', BM7)); // BLA EOS LYT MON NGS NIF PMO

/** A real decision for a cell the model calls `code` with probability `confidence`; the rest
 * of the mass spread evenly. */
function decided(scheme: ResolvedScheme, code: string, confidence = 0.9): CellDecision {
  const probs = new Array(scheme.classCount).fill((1 - confidence) / (scheme.classCount - 1));
  probs[scheme.indexByCode.get(code)!] = confidence;
  return decideCell(probs, scheme);
}

const cells = (scheme: ResolvedScheme, codes: string[]): SlideCell[] => codes.map((code) => ({ decision: decided(scheme, code) }));

describe('slide differential', () => {
  const slide = createSlide({ scheme: bm7 });
  slide.add({ cells: cells(bm7, ['BLA', 'BLA', 'NGS', 'NGS', 'NGS', 'NIF']) });
  slide.add({ cells: [...cells(bm7, ['BLA', 'NGS', 'NGS']), { decision: decided(bm7, 'MON', 0.3) }] });
  const report = slide.report();

  it('counts only decided, counted cells in the denominator', () => {
    expect(report.countedCells).toBe(8);
    expect(slide.countedCells()).toBe(8);
    expect(report.cellsSeen).toBe(10);
    const byCode = Object.fromEntries(report.differential.map((row) => [row.code, row]));
    expect(Object.keys(byCode)).toEqual(['BLA', 'EOS', 'LYT', 'MON', 'NGS', 'PMO']); // NIF is not counted
    expect(byCode.BLA.count).toBe(3);
    expect(byCode.BLA.percent).toBe(37.5);
    expect(byCode.NGS.percent).toBe(62.5);
    expect(byCode.MON.count).toBe(0); // the low-confidence monocyte is abstained
    // 3 of 8: exact interval [0.085233, 0.755137] (mpmath)
    expect(byCode.BLA.ci95Percent![0]).toBeCloseTo(8.5233, 3);
    expect(byCode.BLA.ci95Percent![1]).toBeCloseTo(75.5137, 3);
    // 0 of 8: upper bound 1 - 0.025^(1/8)
    expect(byCode.EOS.ci95Percent![0]).toBe(0);
    expect(byCode.EOS.ci95Percent![1]).toBeCloseTo(100 * (1 - 0.025 ** (1 / 8)), 10);
  });

  it('lists abstained and not-counted cells separately', () => {
    expect(report.abstained).toEqual({ count: 2, lowConfidence: 1, abstainClass: 1, byTopClass: { MON: 1, NIF: 1 } });
    expect(report.notCounted).toEqual([{ code: 'NIF', name: 'Not identifiable', count: 0 }]);
  });

  it('reports blasts with interval, flags with thresholds, target and disclaimer', () => {
    expect(report.blast).toEqual({ codes: ['BLA'], count: 3, percent: 37.5, ci95Percent: clopperPearson(3, 8).map((p) => 100 * p) });
    expect(report.atypical).toBeNull(); // none of ABE FGC HAC LYI in this model
    const flags = Object.fromEntries(report.flags.map((f) => [f.id, f]));
    expect(flags['blasts-who-aml']).toMatchObject({
      thresholdPercent: 20,
      valuePercent: 37.5,
      raised: true,
      intervalAboveThreshold: false,
    });
    expect(flags['blasts-increased']).toMatchObject({ thresholdPercent: 5, raised: true, intervalAboveThreshold: true });
    expect(flags['blasts-who-aml'].label).toMatch(/WHO.*screening aid/);
    expect(report.flaggedCells).toEqual({ blast: 3, atypical: 0 });
    expect([report.targetCount, report.targetReached]).toEqual([200, false]);
    expect(report.disclaimer).toMatch(/not a diagnosis/);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('reaches a small target and gives null percentages before anything is counted', () => {
    const small = createSlide({ scheme: bm7, targetCount: 2 });
    expect(small.report().blast).toMatchObject({ count: 0, percent: null, ci95Percent: null });
    expect(small.report().flags.every((f) => !f.raised)).toBe(true);
    small.add({ cells: cells(bm7, ['LYT', 'LYT']) });
    expect(small.report().targetReached).toBe(true);
  });

  it('keeps EBO and smudge cells out of the blood denominator', () => {
    const pb = resolveScheme(testCard('peripheral-blood-aml-15', 'BAS EBO EOS KSC LYA LYT MMZ MOB MON MYB MYO NGB NGS PMB PMO'.split(' ')));
    const s = createSlide({ scheme: pb });
    s.add({ cells: cells(pb, ['MYO', 'MOB', 'NGS', 'NGS', 'EBO', 'EBO', 'KSC', 'LYA']) });
    const r = s.report();
    expect(r.countedCells).toBe(5);
    expect(r.blast).toMatchObject({ codes: ['MOB', 'MYO'], count: 2, percent: 40 });
    // atypical among counted: MYO MOB LYA (EBO is atypical but not counted)
    expect(r.atypical).toMatchObject({ count: 3, percent: 60 });
    expect(r.notCounted).toEqual([
      { code: 'EBO', name: 'Erythroblast', count: 2 },
      { code: 'KSC', name: 'Smudge cell', count: 1 },
    ]);
  });

  it('rejects decisions of another scheme', () => {
    const pb = resolveScheme(testCard('peripheral-blood-aml-15', ['MYO', 'NGS']));
    expect(() => createSlide({ scheme: bm7 }).add({ cells: cells(pb, ['NGS']) })).toThrow(/does not belong/);
  });
});

describe('slide deduplication', () => {
  it('counts a cell seen in two overlapping frames once, keeping the first', () => {
    const slide = createSlide({ scheme: bm7 });
    // frame A at stage (0, 0) um, 0.5 um/px: cells at (50, 50) and (150, 50) um
    const a = slide.add({
      stageMicrons: { x: 0, y: 0 },
      micronsPerPixel: 0.5,
      cells: [
        { decision: decided(bm7, 'LYT'), centerPx: { x: 100, y: 100 } },
        { decision: decided(bm7, 'NGS'), centerPx: { x: 300, y: 100 } },
      ],
    });
    // frame B at stage (100, 0) um: (104, 102) px -> (152, 51) um, 2.24 um from A's second cell,
    // called BLA this time; (120, 100) px -> (160, 50) um, 10 um away: a new cell
    const b = slide.add({
      stageMicrons: { x: 100, y: 0 },
      micronsPerPixel: 0.5,
      cells: [
        { decision: decided(bm7, 'BLA'), centerPx: { x: 104, y: 102 } },
        { decision: decided(bm7, 'EOS'), centerPx: { x: 120, y: 100 } },
      ],
    });
    expect(a).toEqual({ added: 2, duplicates: 0 });
    expect(b).toEqual({ added: 1, duplicates: 1 });
    const r = slide.report();
    const counts = Object.fromEntries(r.differential.map((row) => [row.code, row.count]));
    expect(counts).toMatchObject({ LYT: 1, NGS: 1, EOS: 1, BLA: 0 });
    expect([r.countedCells, r.cellsSeen, r.duplicateCells, r.cellsWithoutStagePosition]).toEqual([3, 4, 1, 0]);
  });

  it('uses cell stage positions directly, honours the radius, and never dedups unplaced cells', () => {
    const tight = createSlide({ scheme: bm7, dedupRadiusMicrons: 2 });
    tight.add({ cells: [{ decision: decided(bm7, 'LYT'), stageMicrons: { x: 10, y: 10 } }] });
    expect(tight.add({ cells: [{ decision: decided(bm7, 'LYT'), stageMicrons: { x: 12.5, y: 10 } }] }).duplicates).toBe(0);
    expect(tight.add({ cells: [{ decision: decided(bm7, 'LYT'), stageMicrons: { x: 11.9, y: 10 } }] }).duplicates).toBe(1);

    const unplaced = createSlide({ scheme: bm7 });
    // a frame without stage position: its cells cannot be placed, however close in pixels
    unplaced.add({ micronsPerPixel: 0.5, cells: [{ decision: decided(bm7, 'LYT'), centerPx: { x: 1, y: 1 } }] });
    unplaced.add({ micronsPerPixel: 0.5, cells: [{ decision: decided(bm7, 'LYT'), centerPx: { x: 1, y: 1 } }] });
    expect(unplaced.report()).toMatchObject({ countedCells: 2, duplicateCells: 0, cellsWithoutStagePosition: 2 });
  });
});

describe('slide scale flag', () => {
  it('is raised when any frame carries a scaleWarning, counts those frames and keeps the first warning', () => {
    const slide = createSlide({ scheme: bm7 });
    slide.add({ cells: cells(bm7, ['BLA', 'BLA']) });
    expect(slide.report().scaleFlag).toMatchObject({ raised: false, framesWithWarning: 0, framesSeen: 1, firstWarning: null });
    slide.add({ cells: cells(bm7, ['BLA']), scaleWarning: 'given 2 um/px, erythrocytes 0.078 um/px' });
    slide.add({ cells: cells(bm7, ['NGS']), scaleWarning: 'given 2 um/px, erythrocytes 0.081 um/px' });
    const { scaleFlag, flags } = slide.report();
    expect(scaleFlag).toMatchObject({
      raised: true,
      framesWithWarning: 2,
      framesSeen: 3,
      firstWarning: 'given 2 um/px, erythrocytes 0.078 um/px',
    });
    expect(scaleFlag.label).toMatch(/25 %/);
    // The blast flags stand (75 % blasts), and the scale flag beside them says they may be wrong.
    expect(flags.find((flag) => flag.id === 'blasts-who-aml')!.raised).toBe(true);
  });
});
