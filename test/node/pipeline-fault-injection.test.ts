import { describe, expect, it } from 'vitest';
// The built library: real worker_threads from dist/node.
import { createScope, type BackendName, type FrameResult, type Scope } from '../../dist/node/index.js';
import { testingHooks } from '../../src/testing.js';
import { bccdFrames, copyFrame } from '../support/frames.js';
import { mulberry32 } from '../support/random.js';
import { shippedModelCard } from '../support/test-model.js';

// 50 streams in all: a restart costs ~1 s on native but ~9 s on wasm (ORT compiles its wasm in
// each new worker), so 40 native and 10 wasm keep the test to a few minutes.
const STREAMS: Record<string, number> = { native: 40, wasm: 10 };
const FRAMES_PER_STREAM = 4;
const frames = await bccdFrames(FRAMES_PER_STREAM);

async function run(scope: Scope): Promise<FrameResult[]> {
  const results: FrameResult[] = [];
  for await (const result of scope.analyzeStream(frames.map((f, i) => copyFrame(f, `f${i}`)))) results.push(result);
  return results;
}

/** The cells of a result as comparable values (positions, class, probabilities to 1e-4). */
function cellsOf(result: FrameResult) {
  return result.cells.map((c) => ({
    x: c.x,
    y: c.y,
    class: c.decision?.class,
    probs: Object.values(c.decision?.probs ?? {}).map((p) => Math.round(p * 1e4)),
  }));
}

// Kills an inference session's worker (either of two; as the OS would on out-of-memory) at random points in 50 streams:
// while frames are preprocessed, while batches run, and (a second kill in some streams) while the
// new worker is loading its model. Every frame must come back exactly once, without error, with
// the cells of an undisturbed run.
describe.each(['wasm', 'native'] as BackendName[])('inference worker killed at random points (%s)', (backend) => {
  it(`${STREAMS[backend]} streams of ${FRAMES_PER_STREAM} frames: 0 frames lost, 0 duplicated, results unchanged`, async () => {
    // Two sessions on any machine: kills land on either, while the other goes on.
    const scope = await createScope({ model: shippedModelCard(), backend, workers: 1, batchSize: 4, inferenceSessions: 2, numThreads: 1 });
    try {
      const reference = await run(scope);
      expect(reference.every((r) => !r.error)).toBe(true);
      const started = performance.now();
      await run(scope);
      const streamMs = performance.now() - started;
      const random = mulberry32(backend === 'wasm' ? 1601 : 1602);
      let lost = 0;
      let duplicated = 0;
      let failed = 0;
      let kills = 0;
      const killed = [0, 0];
      for (let stream = 0; stream < STREAMS[backend]; stream++) {
        const delays = [random() * streamMs * 0.5, ...(random() < 0.3 ? [random() * streamMs * 3] : [])];
        // Which session each kill hits, drawn now so the draws do not depend on which timers fire.
        const targets = delays.map(() => (random() < 0.5 ? 0 : 1));
        const timers = delays.map((delay, k) =>
          setTimeout(() => {
            kills++;
            killed[targets[k]]++;
            testingHooks(scope).killInferenceWorker(targets[k]);
          }, delay),
        );
        const results = await run(scope);
        timers.forEach(clearTimeout);
        const seen = new Map<number, number>();
        for (const r of results) seen.set(r.index, (seen.get(r.index) ?? 0) + 1);
        for (let i = 0; i < FRAMES_PER_STREAM; i++) if (!seen.has(i)) lost++;
        for (const count of seen.values()) if (count > 1) duplicated += count - 1;
        for (const r of results) {
          if (r.error) failed++;
          else expect(cellsOf(r), `stream ${stream} frame ${r.index}`).toEqual(cellsOf(reference[r.index]));
        }
      }
      const restarts = scope.events.filter((e) => /inference worker crashed/.test(e)).length;
      console.log(
        `${backend}: ${STREAMS[backend]} streams, ${kills} kills (session 0: ${killed[0]}, 1: ${killed[1]}), ${restarts} restarts; ` +
          `lost ${lost}, duplicated ${duplicated}, failed ${failed}`,
      );
      expect(kills).toBeGreaterThanOrEqual(STREAMS[backend] * 0.6);
      expect(Math.min(...killed)).toBeGreaterThan(0); // both sessions were killed at least once
      // A kill that lands on a session still restarting from the last one (a wasm restart takes
      // seconds, while the other session finishes the stream) joins that restart: fewer restarts
      // than kills. Recovery must still have been exercised.
      expect(restarts).toBeGreaterThanOrEqual(2);
      expect({ lost, duplicated, failed }).toEqual({ lost: 0, duplicated: 0, failed: 0 });
      // Both sessions came back: a clean stream of 16 frames afterwards (batches overlap) has each of them answer batches.
      const before = testingHooks(scope).inferenceLayout.batchesDone;
      const clean: FrameResult[] = [];
      const many = Array.from({ length: 4 }, () => frames).flat();
      for await (const r of scope.analyzeStream(many.map((f, i) => copyFrame(f, `c${i}`)))) clean.push(r);
      expect(clean.map((r) => r.error?.code)).toEqual(many.map(() => undefined));
      const answered = testingHooks(scope).inferenceLayout.batchesDone.map((done, i) => done - before[i]);
      expect(
        answered.every((count) => count > 0),
        `batches answered per session: ${answered.join(', ')}`,
      ).toBe(true);
    } finally {
      await scope.dispose();
    }
  }, 900_000);
});
