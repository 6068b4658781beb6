import { describe, expect, it } from 'vitest';
import { resolveScheme } from '../../src/clinical/schemes.js';
import type { FrameResult } from '../../src/index.js';
import { reviewedDifferential } from '../../src/ui/differential.js';
import { cellsCsv, reviewExport } from '../../src/ui/exports.js';
import { stationFrameInput } from '../../src/ui/frame-image.js';
import {
  UNIDENTIFIED,
  addFrameResult,
  emptyState,
  failPending,
  frameCount,
  queueFrame,
  reclassify,
  settleFrame,
  undo,
} from '../../src/ui/review-state.js';
import { foreignSessionReason } from '../../src/ui/session-model.js';
import { MIN_REASON_CHARS, signOffBlockers, signOffReview } from '../../src/ui/sign-off.js';
import { CameraFrame } from '../support/camera-frame.js';
import { BM7, testCard } from './clinical-card.js';

const scheme = resolveScheme(testCard('bone-marrow-21', BM7));
const at = new Date('2026-12-01T00:00:00Z');

/** A frame result with one cell per [class, abstained]. */
function frame(index: number, cells: Array<[string, boolean]>): FrameResult {
  return {
    index,
    label: `f${index}.jpg`,
    width: 640,
    height: 480,
    micronsPerPixel: 0.075,
    scaleSource: 'given',
    skippedAtBorder: [],
    timingsMs: { stainFit: 0, localize: 0, patches: 0, inference: 0, total: 0 },
    cells: cells.map(([code, abstained], n) => ({
      x: 100 + n,
      y: 100,
      box: [0, 0, 286, 286] as [number, number, number, number],
      ratio: 0.4,
      crossesBorder: false,
      decision: {
        class: code,
        classIndex: BM7.indexOf(code),
        confidence: abstained ? 0.4 : 0.9,
        abstained,
        ...(abstained ? { abstainReason: 'low-confidence' as const } : {}),
        pBlast: code === 'BLA' ? 0.9 : 0.05,
        pAtypical: 0,
        blastFlag: code === 'BLA',
        atypicalFlag: false,
        probs: Object.fromEntries(BM7.map((c) => [c, c === code ? 0.9 : 0.1 / 6])),
      },
    })),
  };
}

function session() {
  const state = emptyState();
  addFrameResult(
    state,
    0,
    frame(0, [
      ['NGS', false],
      ['LYT', false],
      ['PMO', true],
    ]),
  );
  addFrameResult(
    state,
    1,
    frame(1, [
      ['BLA', false],
      ['MON', true],
    ]),
  );
  return state;
}

const counts = (state: ReturnType<typeof session>) =>
  Object.fromEntries(reviewedDifferential(state, scheme, 200).differential.map((row) => [row.code, row.count]));

describe('review state', () => {
  it('shows abstentions as unidentified and counts only the decided cells', () => {
    const state = session();
    expect(state.cells.map((c) => c.currentClass)).toEqual(['NGS', 'LYT', UNIDENTIFIED, 'BLA', UNIDENTIFIED]);
    const report = reviewedDifferential(state, scheme, 200);
    expect(report.countedCells).toBe(3);
    expect(report.abstained.count).toBe(2);
    expect(counts(state)).toMatchObject({ NGS: 1, LYT: 1, BLA: 1, PMO: 0, MON: 0 });
  });

  it('moves counts with each reclassification, logs it, and undo restores the previous class', () => {
    const state = session();
    state.operator = 'A. Cytologist';
    expect(reclassify(state, '0:2', 'PMO', at)).toBe(true);
    expect(reclassify(state, '0:0', 'MON', at)).toBe(true);
    expect(reclassify(state, '0:0', 'MON', at)).toBe(false); // no change, nothing logged
    expect(counts(state)).toMatchObject({ NGS: 0, MON: 1, PMO: 1 });
    expect(state.log.map((e) => [e.cell, e.from, e.to, e.by])).toEqual([
      ['0:2', UNIDENTIFIED, 'PMO', 'A. Cytologist'],
      ['0:0', 'NGS', 'MON', 'A. Cytologist'],
    ]);
    expect(undo(state, at)).toBe('0:0');
    expect(counts(state)).toMatchObject({ NGS: 1, MON: 0, PMO: 1 });
    expect(undo(state, at)).toBe('0:2');
    expect(state.cells[2].currentClass).toBe(UNIDENTIFIED);
    expect(undo(state, at)).toBeNull();
    expect(state.log.map((e) => e.action)).toEqual(['reclassify', 'reclassify', 'undo', 'undo']);
  });

  it('carries each frame’s scale warning into the report’s scaleFlag, as analyze does; a failed frame is not part of the slide', () => {
    const state = session();
    expect(reviewedDifferential(state, scheme, 200).scaleFlag).toMatchObject({ raised: false, framesSeen: 2 });
    addFrameResult(state, 2, { ...frame(2, [['LYT', false]]), scaleWarning: 'the given scale 0.2 um/px disagrees' });
    addFrameResult(state, 3, { ...frame(3, []), error: { code: 'DECODE_FAILED', message: 'truncated' } });
    expect(state.frames[2].scaleWarning).toBe('the given scale 0.2 um/px disagrees');
    expect(reviewedDifferential(state, scheme, 200).scaleFlag).toMatchObject({
      raised: true,
      framesWithWarning: 1,
      framesSeen: 3,
      firstWarning: 'the given scale 0.2 um/px disagrees',
    });
  });

  it('a blast reclassified away stops counting as a blast in the group percentage', () => {
    const state = session();
    expect(reviewedDifferential(state, scheme, 200).blast!.count).toBe(1);
    reclassify(state, '1:0', 'LYT', at);
    expect(reviewedDifferential(state, scheme, 200).blast!.count).toBe(0);
  });
});

describe('a stored session under the model loaded now', () => {
  const model = { id: 'bm7', version: '1.0.0' };
  it('opens when it was made with this model', () => {
    const state = { ...session(), model };
    expect(foreignSessionReason(state, model, scheme)).toBeNull();
  });
  it('does not open when it was made with another model or another version of it, and says which', () => {
    expect(foreignSessionReason({ ...session(), model: { id: 'pb8', version: '1.0.0' } }, model, scheme)).toBe(
      'it was made with model pb8 1.0.0, and bm7 1.0.0 is loaded now',
    );
    expect(foreignSessionReason({ ...session(), model: { id: 'bm7', version: '0.9.0' } }, model, scheme)).toMatch(/bm7 0\.9\.0/);
  });
  it('without a recorded model (saved before it was recorded) opens only when its classes are this model’s', () => {
    const state = session();
    expect(foreignSessionReason(state, model, scheme)).toBeNull();
    state.cells[0].currentClass = 'PLT';
    expect(foreignSessionReason(state, model, scheme)).toBe('its classes PLT are not classes of model bm7 1.0.0, loaded now');
  });
});

describe('sign-off', () => {
  it('is refused while cells are unidentified or the count is short, names both, and needs an operator', () => {
    const state = session();
    const report = reviewedDifferential(state, scheme, 3);
    expect(signOffReview(state, report, '', at)).toMatchObject({ accepted: false, reason: /operator name/ });
    state.operator = 'A. Cytologist';
    expect(signOffBlockers(state, reviewedDifferential(state, scheme, 200))).toEqual([
      '2 cells still unidentified',
      '3 of 200 cells counted',
    ]);
    const refused = signOffReview(state, report, 'too short', at);
    expect(refused).toMatchObject({ accepted: false, reason: /2 cells still unidentified/ });
    expect(state.signOff).toBeNull();
  });

  it('waits for frames still being analyzed, whatever the reason typed (they would change the signed review)', () => {
    const state = session();
    state.operator = 'A. Cytologist';
    queueFrame(state, 7, 'late.jpg');
    const answer = signOffReview(state, reviewedDifferential(state, scheme, 5), 'a reason long enough', at);
    expect(answer).toMatchObject({ accepted: false, reason: '1 frame still being analyzed: wait for them, then sign off' });
    expect(state.signOff).toBeNull();
    settleFrame(state, 7);
    expect(signOffReview(state, reviewedDifferential(state, scheme, 5), 'a reason long enough', at)).toMatchObject({ accepted: true });
  });

  it('is accepted without a reason once complete, and locks the review', () => {
    const state = session();
    state.operator = 'A. Cytologist';
    reclassify(state, '0:2', 'PMO', at);
    reclassify(state, '1:1', 'MON', at);
    const answer = signOffReview(state, reviewedDifferential(state, scheme, 5), '', at);
    expect(answer).toMatchObject({ accepted: true, signOff: { by: 'A. Cytologist', at: at.toISOString(), overridden: [] } });
    expect(() => reclassify(state, '0:0', 'LYT', at)).toThrow(/signed off/);
    expect(undo(state, at)).toBeNull();
    expect(state.log.at(-1)).toMatchObject({ action: 'sign-off', by: 'A. Cytologist' });
  });

  it('is accepted over blockers with a typed reason, which is recorded', () => {
    const state = session();
    state.operator = 'B';
    const reason = 'leukopenic sample'.padEnd(MIN_REASON_CHARS, '.');
    const answer = signOffReview(state, reviewedDifferential(state, scheme, 200), reason, at);
    expect(answer).toMatchObject({
      accepted: true,
      signOff: { overrideReason: reason, overridden: ['2 cells still unidentified', '3 of 200 cells counted'] },
    });
    expect(state.log.at(-1)).toMatchObject({ action: 'sign-off', reason });
  });
});

describe('sign-off with failed frames', () => {
  it('is a blocker naming them; signing over it with a reason records them', () => {
    const state = session();
    state.operator = 'A. Cytologist';
    reclassify(state, '0:2', 'PMO', at);
    reclassify(state, '1:1', 'MON', at);
    addFrameResult(state, 2, { ...frame(2, []), label: 'bad.jpg', error: { code: 'DECODE_FAILED', message: 'truncated' } });
    const report = reviewedDifferential(state, scheme, 5);
    expect(signOffBlockers(state, report)).toEqual(['1 of 3 frames not analyzed (bad.jpg)']);
    expect(signOffReview(state, report, '', at)).toMatchObject({ accepted: false, reason: /1 of 3 frames not analyzed/ });
    const answer = signOffReview(state, report, 'bad.jpg rescanned as a separate slide', at);
    expect(answer).toMatchObject({
      accepted: true,
      signOff: { failedFrames: ['bad.jpg'], overridden: ['1 of 3 frames not analyzed (bad.jpg)'] },
    });
  });
});

describe('frames queued for analysis', () => {
  it('are kept in the state until their result is back; those left when the page went away become failed frames', () => {
    const state = session();
    queueFrame(state, 2, 'c.jpg');
    queueFrame(state, 3, 'd.jpg');
    expect(settleFrame(state, 2)).toEqual({ id: 2, label: 'c.jpg' });
    const lost = failPending(state, 'INTERRUPTED: reloaded');
    expect(lost).toEqual([{ id: 3, label: 'd.jpg', width: 0, height: 0, error: 'INTERRUPTED: reloaded' }]);
    expect(state.pending).toBeUndefined();
    expect(frameCount(state)).toBe('3 frames (1 failed)');
  });
});

describe('exports', () => {
  it('JSON carries the reviewed classes, the report and the log; CSV one quoted row per cell', () => {
    const state = session();
    state.frames[0].label = 'slide 1, "a".jpg';
    reclassify(state, '0:2', 'PMO', at);
    const report = reviewedDifferential(state, scheme, 200);
    const record = reviewExport(state, report, { id: 'bm7', version: '1' }, at);
    expect(record.cells.map((c) => [c.id, c.reviewedClass, c.changed])).toEqual([
      ['0:0', 'NGS', false],
      ['0:1', 'LYT', false],
      ['0:2', 'PMO', true],
      ['1:0', 'BLA', false],
      ['1:1', UNIDENTIFIED, false],
    ]);
    expect(record.report).toEqual(report);
    expect(record.log).toEqual(state.log);
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    const rows = cellsCsv(record).trim().split('\r\n');
    expect(rows).toHaveLength(6);
    expect(rows[3]).toBe('0:2,"slide 1, ""a"".jpg",102.0,100.0,PMO,0.4000,true,0.0500,0.0000,PMO,true');
  });
});

describe('the frames the station queues', () => {
  it('are plain objects of the frame’s fields (a class with getters read through them), labelled and scaled when they were not', () => {
    const camera = new CameraFrame({ width: 1, height: 1, channels: 3, pixels: new Uint8Array(3).fill(9) });
    const queued = stationFrameInput(camera, 'frame 3', 0.1);
    expect(queued).toEqual({ width: 1, height: 1, channels: 3, pixels: camera.pixels, label: 'frame 3', micronsPerPixel: 0.1 });
    expect(() => structuredClone(queued)).not.toThrow();
    const own = { width: 1, height: 1, channels: 3 as const, pixels: camera.pixels, label: 'a', micronsPerPixel: 0.2, close() {} };
    expect(stationFrameInput(own, 'frame 4', 0.1)).toEqual({
      width: 1,
      height: 1,
      channels: 3,
      pixels: camera.pixels,
      label: 'a',
      micronsPerPixel: 0.2,
    });
    const encoded = { encoded: new Uint8Array([1]), label: 'x.png' };
    expect(stationFrameInput(encoded, 'x.png')).toEqual(encoded);
  });
});
