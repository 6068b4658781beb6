import { describe, expect, it } from 'vitest';
import { createScope, type Frame } from '../../dist/node/index.js';
import { bccdFrames } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';

const gc = (globalThis as { gc?: () => void }).gc;

function memory() {
  gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

describe('a long stream in Node', () => {
  it('analyzes 1,000 frames with flat memory (heap and RSS grow < 10 % after warm-up)', async () => {
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
    let afterWarmUp = { heapUsed: 0, rss: 0 };
    let peak = { heapUsed: 0, rss: 0 };
    const trajectory: string[] = [];
    try {
      for await (const result of scope.analyzeStream(stream())) {
        expect(result.index).toBe(done);
        done++;
        cells += result.cells.length;
        if (result.error) errors++;
        if (done === warmUp) afterWarmUp = memory();
        if (done > warmUp && done % 100 === 0) {
          const now = memory();
          trajectory.push(`${done}: rss ${(now.rss / 2 ** 20).toFixed(0)} heap ${(now.heapUsed / 2 ** 20).toFixed(1)}`);
          peak = { heapUsed: Math.max(peak.heapUsed, now.heapUsed), rss: Math.max(peak.rss, now.rss) };
        }
      }
    } finally {
      await scope.dispose();
    }
    const end = memory();
    peak = { heapUsed: Math.max(peak.heapUsed, end.heapUsed), rss: Math.max(peak.rss, end.rss) };
    const growth = { heap: peak.heapUsed / afterWarmUp.heapUsed - 1, rss: peak.rss / afterWarmUp.rss - 1 };
    console.log(trajectory.join('\n'));
    console.log(`1000 frames, ${cells} cells; after warm-up heap ${(afterWarmUp.heapUsed / 2 ** 20).toFixed(0)} MiB, ` +
      `rss ${(afterWarmUp.rss / 2 ** 20).toFixed(0)} MiB; growth heap ${(100 * growth.heap).toFixed(1)} %, rss ${(100 * growth.rss).toFixed(1)} %`);
    expect(done).toBe(total);
    expect(errors).toBe(0);
    expect(cells).toBeGreaterThan(total / 2);
    expect(growth.heap).toBeLessThan(0.1);
    expect(growth.rss).toBeLessThan(0.1);
  }, 600_000);
});
