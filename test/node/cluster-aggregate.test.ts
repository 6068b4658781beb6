// The slide aggregation on its own (no Redis): what BullMQ hands the slide job, keyed by job key.
import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { decideCell, resolveScheme } from '../../src/clinical/index.js';
import { aggregateSlide, type SlideAggregateInput } from '../../src/cluster/aggregate.js';
import { frameJobId, type FrameJobResult } from '../../src/cluster/jobs.js';
import { readSlideStatus } from '../../src/cluster/slide-status.js';
import type { FrameResult } from '../../src/index.js';
import { BM7, testCard } from './clinical-card.js';

const card = testCard('bone-marrow-21', BM7);
const scheme = resolveScheme(card);
const scope = { card, scheme, batchSize: 8, workers: 1 };
const key = (index: number) => `bull:smearscope-frames:${frameJobId('s1', index)}`;

/** A frame whose cells the model calls `codes` (confidence 0.9), as a worker returns it. */
function frameValue(index: number, codes: string[], model = { id: card.id, version: card.version }): FrameJobResult {
  const cells = codes.map((code, k) => {
    const probs = new Array(scheme.classCount).fill(0.1 / (scheme.classCount - 1));
    probs[scheme.indexByCode.get(code)!] = 0.9;
    const byCode = Object.fromEntries(scheme.classes.map((c, i) => [c.code, probs[i]]));
    return {
      x: 10 * k,
      y: 5,
      box: [0, 0, 20, 20],
      ratio: 0.3,
      crossesBorder: false,
      decision: { ...decideCell(probs, scheme), probs: byCode },
    };
  });
  const result = {
    index: 0,
    label: `f${index}.jpg`,
    width: 64,
    height: 48,
    micronsPerPixel: 0.075,
    scaleSource: 'given',
    cells,
    skippedAtBorder: [],
    timingsMs: { stainFit: 1, localize: 1, patches: 1, inference: 1, total: 4 },
  } as unknown as FrameResult;
  return {
    index,
    result: JSON.parse(JSON.stringify(result)),
    model,
    worker: { host: 'h', pid: 1 + (index % 2), backend: 'native' },
    analyzeMs: 4,
  };
}

const input = (values: Record<string, FrameJobResult>, failures: Record<string, string> = {}, frameCount = 4): SlideAggregateInput => ({
  data: { slideId: 's1', frameCount, labels: Array.from({ length: frameCount }, (_, i) => `f${i}.jpg`), targetCount: 200 },
  values,
  failures,
  scope,
  cardName: 'default',
});

describe('aggregateSlide', () => {
  it('puts frames in input order whatever order the queue returns them in, each once', () => {
    const values = {
      [key(3)]: frameValue(3, ['NGS']),
      [key(0)]: frameValue(0, ['BLA', 'NGS']),
      [key(2)]: frameValue(2, []),
      [key(1)]: frameValue(1, ['LYT']),
    };
    const report = aggregateSlide(input(values));
    expect(report.frames.map((f) => f.label)).toEqual(['f0.jpg', 'f1.jpg', 'f2.jpg', 'f3.jpg']);
    expect(report.differential!.cellsSeen).toBe(4);
    expect(Object.fromEntries(report.differential!.differential.map((row) => [row.code, row.count]))).toMatchObject({
      BLA: 1,
      NGS: 2,
      LYT: 1,
    });
    expect(report.backend.reason).toMatch(/2 worker process\(es\)/);
  });

  it("ignores a value filed under another frame's key instead of counting it twice", () => {
    const values = { [key(0)]: frameValue(0, ['BLA']), [key(1)]: frameValue(0, ['BLA']) };
    const report = aggregateSlide(input(values, {}, 2));
    expect(report.differential!.cellsSeen).toBe(1);
    expect(report.frames[1].error?.code).toBe('WORKER_CRASHED');
  });

  it('reports failed, missing and foreign-model frames as typed errors and counts the rest', () => {
    const values = { [key(0)]: frameValue(0, ['BLA']), [key(2)]: frameValue(2, ['NGS'], { id: 'other', version: '9' }) };
    const failures = { [key(1)]: 'DECODE_FAILED: f1.jpg is not an image', [key(3)]: 'job stalled more than allowable limit' };
    const report = aggregateSlide(input(values, failures, 5));
    expect(report.frames.map((f) => f.error?.code)).toEqual([
      undefined,
      'DECODE_FAILED',
      'MODEL_MISMATCH',
      'WORKER_CRASHED',
      'WORKER_CRASHED',
    ]);
    expect(report.frames[1].error!.message).toBe('f1.jpg is not an image');
    expect(report.frames[3].error!.message).toBe('job stalled more than allowable limit');
    expect(report.frames[4].error!.message).toMatch(/no result/);
    expect(report.differential!.cellsSeen).toBe(1);
  });
});

/** The slides queue as readSlideStatus reads it: one slide job in `state`, the queue's counts of its frame jobs. */
function slidesQueue(state: string, slide: SlideAggregateInput, processed: number, returnvalue?: unknown): Queue {
  const job = { data: slide.data, returnvalue, getDependenciesCount: async () => ({ processed, ignored: 0, failed: 0, unprocessed: 0 }) };
  return { getJobState: async () => state, getJob: async () => job } as unknown as Queue;
}

describe('readSlideStatus', () => {
  it('counts the frames the aggregation refused as failed once the slide is done, as the report does', async () => {
    // Every frame ran on a worker (the queue counts 4 processed), two of them with another model.
    const foreign = { id: 'other', version: '9' };
    const values = {
      [key(0)]: frameValue(0, ['BLA']),
      [key(1)]: frameValue(1, ['NGS'], foreign),
      [key(2)]: frameValue(2, ['LYT']),
      [key(3)]: frameValue(3, [], foreign),
    };
    const slide = input(values);
    const report = aggregateSlide(slide);
    expect(report.frames.filter((f) => f.error?.code === 'MODEL_MISMATCH')).toHaveLength(2);
    const done = await readSlideStatus(slidesQueue('completed', slide, 4, report), 's1');
    expect(done).toMatchObject({ state: 'done', framesTotal: 4, framesDone: 2, framesFailed: 2, framesPending: 0 });
    // While aggregating, nothing has refused them yet: the queue's counts.
    const aggregating = await readSlideStatus(slidesQueue('active', slide, 4), 's1');
    expect(aggregating).toMatchObject({ state: 'aggregating', framesDone: 4, framesFailed: 0, framesPending: 0 });
  });
});
