import { describe, expect, it } from 'vitest';
import { createScope, type Frame } from '../../dist/node/index.js';
import { bccdFrames } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';
import { leastSquaresSlope } from '../support/slope.js';

const gc = (globalThis as { gc?: () => void }).gc;

function memory() {
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

// Growth is the least-squares slope of memory over frames, sampled every 50 frames after a
// warm-up: a leak grows memory with every frame, while a busy machine only moves single readings
// (GC timing, a late worker collection; RSS readings vary by +-20 MiB), which a slope over 17
// samples averages out. The bounds are per frame: heap (after gc()) < 1 KiB/frame catches a
// retained FrameResult (~2.5 KiB each here: injected once, it measured 2.48 KiB/frame and failed);
// RSS (which includes the workers) < 64 KiB/frame catches a retained patch tensor (~110 KiB/cell).
const HEAP_BYTES_PER_FRAME = 1024;
const RSS_BYTES_PER_FRAME = 64 * 1024;

describe('a long stream in Node', () => {
  it('analyzes 1,000 frames with flat memory (slope of heap and RSS after warm-up)', async () => {
    expect(gc, 'run with --expose-gc (vitest.config.ts sets it)').toBeTypeOf('function');
    const sources = await bccdFrames(8);
    const scope = await createScope({ model: shippedModelCard(), backend: 'auto', workers: 1, batchSize: 8 });
    const total = 1000;
    const warmUp = 150;
    async function* stream(): AsyncGenerator<Frame> {
      for (let i = 0; i < total; i++) {
        const source = sources[i % sources.length];
        yield { ...source, pixels: source.pixels.slice(), label: `frame-${i}` };
      }
    }
    let done = 0;
    let cells = 0;
    let errors = 0;
    const samples: Array<{ frame: number; heapUsed: number; rss: number }> = [];
    try {
      for await (const result of scope.analyzeStream(stream())) {
        expect(result.index).toBe(done);
        done++;
        cells += result.cells.length;
        if (result.error) errors++;
        if (done >= warmUp && done % 50 === 0) samples.push({ frame: done, ...memory() });
      }
    } finally {
      await scope.dispose();
    }
    const heapSlope = leastSquaresSlope(samples.map((s) => [s.frame, s.heapUsed]));
    const rssSlope = leastSquaresSlope(samples.map((s) => [s.frame, s.rss]));
    console.log(
      samples.map((s) => `${s.frame}: rss ${(s.rss / 2 ** 20).toFixed(0)} MiB heap ${(s.heapUsed / 2 ** 20).toFixed(1)} MiB`).join('\n'),
    );
    console.log(
      `1000 frames, ${cells} cells; slope after warm-up: heap ${(heapSlope / 1024).toFixed(2)} KiB/frame, ` +
        `rss ${(rssSlope / 1024).toFixed(2)} KiB/frame`,
    );
    expect(done).toBe(total);
    expect(errors).toBe(0);
    expect(cells).toBeGreaterThan(total / 2);
    expect(samples.length).toBeGreaterThanOrEqual(17);
    expect(heapSlope).toBeLessThan(HEAP_BYTES_PER_FRAME);
    expect(rssSlope).toBeLessThan(RSS_BYTES_PER_FRAME);
  }, 600_000);
});
