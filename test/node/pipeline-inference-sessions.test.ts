// Several inference sessions (src/pipeline/inference-sessions.ts): on a CPU backend the scope may
// run the model as N single-threaded ONNX Runtime sessions, each in its own worker, and hand each
// batch to whichever has room. The results must be those of one session, every session must get
// work, and a session that crashes is restarted while the others go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScope, type BackendName, type Frame, type FrameResult, type Scope } from '../../dist/node/index.js';
import { nextSession, sessionLayout } from '../../src/pipeline/inference-sessions.js';
import { testingHooks } from '../../src/testing.js';
import { bccdFrames, copyFrame } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';

describe('sessionLayout: how the inference threads are split into sessions', () => {
  type Host = { candidates: BackendName[]; threads: number; sessions: number };
  const platform = ({ candidates, threads, sessions }: Host) => ({
    candidateBackends: () => [...candidates],
    inferenceThreads: () => threads,
    inferenceSessions: () => sessions,
  });
  const node = platform({ candidates: ['native', 'wasm'], threads: 4, sessions: 4 });
  const browser = platform({ candidates: ['webgpu', 'wasm'], threads: 4, sessions: 4 });
  // No SharedArrayBuffer: one WASM thread per session, but still a session per core.
  const notIsolated = platform({ candidates: ['webgpu', 'wasm'], threads: 1, sessions: 4 });

  it('CPU backends: one single-threaded session per core by default, isolated page or not', () => {
    expect(sessionLayout(node, 'auto', {}, false)).toMatchObject({ sessions: 4, threadsPerSession: 1 });
    expect(sessionLayout(node, 'wasm', {}, false)).toMatchObject({ sessions: 4, threadsPerSession: 1 });
    expect(sessionLayout(browser, 'wasm', {}, false)).toMatchObject({ sessions: 4, threadsPerSession: 1 });
    expect(sessionLayout(notIsolated, 'wasm', {}, false)).toMatchObject({ sessions: 4, threadsPerSession: 1 });
    expect(sessionLayout(notIsolated, 'wasm', { inferenceSessions: 2 }, false)).toMatchObject({ sessions: 2, threadsPerSession: 1 });
  });

  it('only an asked-for count must open whole', () => {
    expect(sessionLayout(node, 'wasm', {}, false).asked).toBe(false);
    expect(sessionLayout(node, 'wasm', { inferenceSessions: 2 }, false).asked).toBe(true);
  });

  it('numThreads alone keeps one session of that many threads; inferenceSessions splits the threads', () => {
    expect(sessionLayout(node, 'native', { numThreads: 3 }, false)).toMatchObject({ sessions: 1, threadsPerSession: 3 });
    expect(sessionLayout(node, 'wasm', { inferenceSessions: 2 }, false)).toMatchObject({ sessions: 2, threadsPerSession: 2 });
    expect(sessionLayout(node, 'wasm', { inferenceSessions: 3 }, false)).toMatchObject({ sessions: 3, threadsPerSession: 1 });
    expect(sessionLayout(node, 'wasm', { inferenceSessions: 8 }, false)).toMatchObject({ sessions: 8, threadsPerSession: 1 });
    expect(sessionLayout(node, 'wasm', { inferenceSessions: 2, numThreads: 3 }, false)).toMatchObject({
      sessions: 2,
      threadsPerSession: 3,
    });
  });

  it('webgpu, or auto where webgpu is a candidate: one session with the platform’s threads', () => {
    expect(sessionLayout(browser, 'auto', {}, true)).toMatchObject({ sessions: 1, threadsPerSession: undefined });
    // auto without a hardware adapter (none, or a software one it passes over) lands on wasm: a session per core.
    expect(sessionLayout(browser, 'auto', {}, false)).toMatchObject({ sessions: 4, threadsPerSession: 1 });
    expect(sessionLayout(notIsolated, 'auto', {}, false)).toMatchObject({ sessions: 4, threadsPerSession: 1 });
    expect(sessionLayout(node, 'webgpu', {}, false)).toMatchObject({ sessions: 1, threadsPerSession: undefined });
    expect(sessionLayout(browser, 'webgpu', { numThreads: 2 }, false)).toMatchObject({ sessions: 1, threadsPerSession: 2 });
  });
});

describe('nextSession: which session takes the next batch', () => {
  let started = 0;
  const send = (session: { inFlight: number; lastBatch: number }) => {
    session.inFlight++;
    session.lastBatch = ++started;
  };

  it('hands batches out one at a time to the session with the fewest in flight, up to the limit', () => {
    const sessions = [
      { inFlight: 0, lastBatch: 0 },
      { inFlight: 0, lastBatch: 0 },
    ];
    const order: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const chosen = nextSession(sessions, 2);
      if (!chosen) break;
      send(chosen);
      order.push(sessions.indexOf(chosen));
    }
    // Two idle sessions and four batches: 0, 1, 0, 1; the fifth waits (both full).
    expect(order).toEqual([0, 1, 0, 1]);
    expect(nextSession(sessions, 2)).toBeUndefined();
    sessions[1].inFlight = 1; // session 1 answered a batch
    expect(nextSession(sessions, 2)).toBe(sessions[1]);
    expect(nextSession([], 2)).toBeUndefined();
  });

  it('a slow source whose batches each finish before the next: they still alternate', () => {
    const sessions = [
      { inFlight: 0, lastBatch: 0 },
      { inFlight: 0, lastBatch: 0 },
      { inFlight: 0, lastBatch: 0 },
    ];
    const order: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const chosen = nextSession(sessions, 2)!;
      send(chosen);
      order.push(sessions.indexOf(chosen));
      chosen.inFlight--; // answered before the next batch is ready
    }
    expect(order).toEqual([0, 1, 2, 0, 1, 2]);
  });
});

function cellsOf(results: FrameResult[]) {
  return results.map((r) => ({
    label: r.label,
    error: r.error?.code,
    cells: r.cells.map((c) => ({ x: c.x, y: c.y, class: c.decision?.class, probs: c.decision?.probs })),
  }));
}

describe.each(['wasm', 'native'] as const)('two inference sessions (%s)', (backend) => {
  let one: Scope;
  let two: Scope;
  let frames: Frame[];
  let reference: FrameResult[];

  const run = async (scope: Scope) => {
    const results: FrameResult[] = [];
    for await (const result of scope.analyzeStream(frames.map((f, i) => copyFrame(f, `f${i}`)))) results.push(result);
    return results;
  };

  beforeAll(async () => {
    frames = await bccdFrames(12);
    [one, two] = await Promise.all([
      createScope({ model: shippedModelCard(), backend, workers: 1, batchSize: 2, inferenceSessions: 1, numThreads: 1 }),
      createScope({ model: shippedModelCard(), backend, workers: 1, batchSize: 2, inferenceSessions: 2, numThreads: 1 }),
    ]);
    reference = await run(one);
  });
  afterAll(async () => {
    await Promise.all([one?.dispose(), two?.dispose()]);
  });

  it('gives the results of one session, and both sessions answer batches', async () => {
    expect(one.inferenceSessions).toBe(1);
    expect(two.inferenceSessions).toBe(2);
    expect(two.notes.join('; ')).toMatch(new RegExp(`2 ${backend} sessions of 1 thread`));
    const got = await run(two);
    const a = cellsOf(got);
    const b = cellsOf(reference);
    expect(a.map((r) => [r.label, r.error, r.cells.length])).toEqual(b.map((r) => [r.label, r.error, r.cells.length]));
    expect(a.reduce((n, r) => n + r.cells.length, 0)).toBeGreaterThan(8);
    for (let f = 0; f < a.length; f++) {
      expect(a[f].cells.map((c) => [c.x, c.y, c.class])).toEqual(b[f].cells.map((c) => [c.x, c.y, c.class]));
      for (let c = 0; c < a[f].cells.length; c++) {
        for (const [code, p] of Object.entries(b[f].cells[c].probs!)) expect(Math.abs(a[f].cells[c].probs![code] - p)).toBeLessThan(1e-5);
      }
    }
    const layout = testingHooks(two).inferenceLayout;
    expect(layout.sessions).toBe(2);
    expect(layout.threads).toBe(1);
    // Each batch goes to the session with fewer in flight: neither can be left idle for a whole stream.
    expect(layout.batchesDone.every((batches) => batches > 0)).toBe(true);
  });

  it('a crash of the first session is recovered while the other goes on: no frame lost, results unchanged', async () => {
    const hooks = testingHooks(two);
    const before = hooks.inferenceLayout.batchesDone;
    await hooks.crashInferenceOnNextRun();
    const got = await run(two);
    expect(got.map((r) => r.error?.code)).toEqual(reference.map(() => undefined));
    expect(cellsOf(got).map((r) => r.cells.map((c) => c.class))).toEqual(cellsOf(reference).map((r) => r.cells.map((c) => c.class)));
    expect(two.events.join('; ')).toMatch(/inference worker crashed/);
    const after = hooks.inferenceLayout.batchesDone;
    expect(after[1]).toBeGreaterThan(before[1]);
  });
});
