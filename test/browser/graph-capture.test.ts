// Graph capture on the webgpu backend (src/inference/ort-session.ts, webgpu-io.ts,
// webgpu-registration.ts) in real Chromium on SwiftShader, on the runtime the SDK loads for webgpu
// (onnxruntime-web's native WebGPU EP build, from dist/ort): the shipped model captured against the
// same model uncaptured, on the same real cell patches, several replays with a different batch each.
// Without an adapter the tests skip.
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';
import { shippedModelsPlugin } from '../../scripts/shipped-models.mjs';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { callInPage, openBrowser, type BrowserSession } from '../support/chromium.js';
import type { CaptureComparison, RunOutputs } from './graph-capture-entry.js';

const ENTRY = '/build/test-browser/graph-capture-entry.js';
const CARD = '/models/pb8-resnet10gc.json';
const PBC = '../shared/data/pbc-8';
const BATCH_SIZE = 2;
/** Replays compared (the first of them is the first replay after the capturing warm-up runs). */
const RUNS = 3;
const STALE_RUNS = 2;
/**
 * Captured and uncaptured runs execute the same shaders on the same data, so they should agree to
 * float32 rounding; the bound allows reordering: 1e-4 of the larger of 1 and the largest |value|.
 * A stale input moves logits by whole units.
 */
const RELATIVE_BOUND = 1e-4;

/** The first two images of each PBC class folder, as page URLs: 16 different cells, more than the runs use. */
function cellImages(): string[] {
  return readdirSync(PBC)
    .sort()
    .flatMap((folder) =>
      readdirSync(`${PBC}/${folder}`)
        .sort()
        .slice(0, 2)
        .map((file) => `/shared/data/pbc-8/${folder}/${file}`),
    );
}

/** Largest |a - b| over logits and features, relative to max(1, largest |a|). */
function relativeDifference(a: RunOutputs, b: RunOutputs): number {
  const values = (o: RunOutputs) => [...o.logits, ...o.features];
  const [x, y] = [values(a), values(b)];
  if (x.length !== y.length || x.length === 0) return Infinity;
  const scale = Math.max(1, ...x.map(Math.abs));
  return Math.max(...x.map((v, i) => Math.abs(v - y[i]))) / scale;
}

describe('webgpu graph capture vs no capture (Chromium, SwiftShader, native WebGPU EP build)', () => {
  let session: BrowserSession;
  let result: CaptureComparison;
  beforeAll(async () => {
    await build({
      entryPoints: ['test/browser/graph-capture-entry.ts'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      loader: { '.wasm': 'binary' },
      conditions: ['onnxruntime-web-use-extern-wasm'],
      plugins: [shippedModelsPlugin],
      outfile: 'build/test-browser/graph-capture-entry.js',
      logLevel: 'warning',
    });
    expect(cellImages().length).toBeGreaterThanOrEqual(BATCH_SIZE * (RUNS + STALE_RUNS)); // no batch repeats another
    session = await openBrowser({ webgpu: true, protocolTimeoutMs: 900_000 });
    // Three sessions of the shipped model: SwiftShader compiles each one's pipelines (minutes under load).
    result = await callInPage<CaptureComparison>(session.page, ENTRY, 'compareCapture', [
      CARD,
      cellImages(),
      BATCH_SIZE,
      RUNS,
      STALE_RUNS,
    ]).catch((error: Error) => {
      throw new Error(`${error.message}\n${session.console.join('\n')}`);
    });
  }, 900_000);
  afterAll(async () => session?.close());

  it('runs on the native WebGPU EP build, and the captured session keeps capture', (context) => {
    if (result.adapter === null) context.skip();
    expect(result.runtime).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ \(webgpu build, native WebGPU EP\)$/);
    expect(result.notes.captured.join('; ')).toMatch(/graph capture on/);
    expect(result.notes.uncaptured.join('; ')).not.toMatch(/graph capture/);
  });

  it('replays give the uncaptured outputs on every batch, and the batches differ', (context) => {
    if (result.adapter === null) context.skip();
    expect(result.runs).toHaveLength(RUNS);
    for (const run of result.runs) {
      expect(run.captured.logits).toHaveLength(BATCH_SIZE * 8);
      expect(relativeDifference(run.uncaptured, run.captured)).toBeLessThanOrEqual(RELATIVE_BOUND);
    }
    // Different inputs give different outputs: a replay of one stale batch could not pass the above.
    for (let run = 1; run < RUNS; run++) {
      expect(relativeDifference(result.runs[run].uncaptured, result.runs[run - 1].uncaptured)).toBeGreaterThan(0.01);
    }
  });

  it('a replay of a stale input (upload dropped) is caught by the same comparison', (context) => {
    if (result.adapter === null) context.skip();
    expect(result.staleRuns).toHaveLength(STALE_RUNS);
    for (const run of result.staleRuns) expect(relativeDifference(run.uncaptured, run.captured)).toBeGreaterThan(RELATIVE_BOUND);
  });

  it('falls back when replays fail: capture dropped with a note, outputs still the uncaptured ones', (context) => {
    if (result.adapter === null) context.skip();
    const notes = result.notes.fallback.join('; ');
    expect(notes).toMatch(/graph capture dropped \(.+\)/);
    expect(notes).toMatch(/input bound to a GPU buffer, outputs read back per batch/);
    for (const run of result.runs) expect(relativeDifference(run.uncaptured, run.fallback)).toBeLessThanOrEqual(RELATIVE_BOUND);
    console.log(`fallback notes: ${notes}`);
  });
});
