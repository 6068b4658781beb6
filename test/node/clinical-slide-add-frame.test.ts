// slide.addFrame takes an analyzeStream result as it is: decided cells are counted, placed by their
// centres (frame pixels -> stage microns) and deduplicated; cells without a decision are skipped.
import { describe, expect, it } from 'vitest';
import type { FrameResult } from '../../src/api-types.js';
import { createSlide, decideCell, resolveScheme, type ResolvedScheme } from '../../src/clinical/index.js';
import { BM7, testCard } from './clinical-card.js';

const bm7 = resolveScheme(testCard('bone-marrow-21', BM7));

function frame(scheme: ResolvedScheme, stageX: number, cells: Array<{ x: number; code?: string }>): FrameResult {
  return {
    index: 0, width: 100, height: 100, micronsPerPixel: 0.5, scaleSource: 'given', stageMicrons: { x: stageX, y: 0 },
    cells: cells.map(({ x, code }) => {
      const location = { x, y: 10, box: [x - 5, 5, x + 5, 15] as [number, number, number, number], ratio: 0.5, crossesBorder: false };
      if (!code) return location;
      const probs = new Array(scheme.classCount).fill(0.1 / (scheme.classCount - 1));
      probs[scheme.indexByCode.get(code)!] = 0.9;
      return { ...location, decision: { ...decideCell(probs, scheme), probs: {} } };
    }),
    skippedAtBorder: [],
    timingsMs: { stainFit: 0, localize: 0, patches: 0, inference: 0, total: 0 },
  };
}

describe('slide.addFrame', () => {
  it('counts the decided cells of a result, skips undecided ones and deduplicates by stage position', () => {
    const slide = createSlide({ scheme: bm7 });
    expect(slide.addFrame(frame(bm7, 0, [{ x: 10, code: 'LYT' }, { x: 60, code: 'BLA' }, { x: 90 }]))).toEqual({ added: 2, duplicates: 0 });
    // The next frame is 25 um to the right: its cell at x = 10 px (5 um) is the first frame's x = 60 px (30 um).
    expect(slide.addFrame(frame(bm7, 25, [{ x: 10, code: 'BLA' }, { x: 80, code: 'MON' }]))).toEqual({ added: 1, duplicates: 1 });
    const report = slide.report();
    expect(report.cellsSeen).toBe(4);
    expect(report.differential.find((c) => c.code === 'BLA')?.count).toBe(1);
    expect(report.differential.find((c) => c.code === 'MON')?.count).toBe(1);
  });
});
