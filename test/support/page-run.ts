import { expect } from 'vitest';
import type { Frame } from '../../src/frame.js';
import type { FrameResult } from '../../src/api-types.js';

/** A cell as test/browser/pipeline-page.js returns it. */
export interface PageCell {
  x: number;
  y: number;
  class: string;
  probs: Record<string, number>;
}

/** What test/browser/pipeline-page.js's analyze() returns. */
export interface PageRun {
  backend: string;
  reason: string;
  notes: string[];
  events: string[];
  crossOriginIsolated: boolean;
  /** Where the stream cut its patches: 'gpu' (planned batches on the GPU) or 'cpu'. */
  patchesOn?: 'gpu' | 'cpu';
  /** How the pool handed frames to its workers: into their shared kernel memory, or copied. */
  frameHandoffs?: { inbox: number; copied: number; written: number };
  /** With the page option asWriters: each writePixels call's target, 'shared' (kernel memory) or 'plain'. */
  writerTargets?: Array<'shared' | 'plain'>;
  /** The scope's inference sessions, ONNX Runtime threads of each, and batches each answered. */
  inferenceLayout?: { sessions: number; threads: number; batchesDone: number[] };
  hardwareConcurrency?: number;
  progress?: Array<{ phase: string; loadedBytes?: number; totalBytes?: number }>;
  results: Array<{ label: string; error?: unknown; patchesMs?: number; cells: PageCell[] }>;
}

/** Frames as JSON-able page arguments (pixels base64). */
export function pageFrames(frames: Frame[]) {
  return frames.map((f) => ({
    width: f.width,
    height: f.height,
    label: f.label,
    micronsPerPixel: f.micronsPerPixel,
    pixels: Buffer.from(f.pixels).toString('base64'),
  }));
}

/** A page run finds the same cells as Node, same classes, probabilities within 1e-3. */
export function expectSameCells(run: PageRun, node: FrameResult[]): void {
  expect(run.results.map((r) => r.label)).toEqual(node.map((r) => r.label));
  expect(node.reduce((n, r) => n + r.cells.length, 0)).toBeGreaterThan(0);
  for (let f = 0; f < node.length; f++) {
    const expected = node[f].cells;
    const got = run.results[f].cells;
    expect(got.map((c) => [c.x, c.y])).toEqual(expected.map((c) => [c.x, c.y]));
    for (let c = 0; c < expected.length; c++) {
      expect(got[c].class).toBe(expected[c].decision?.class);
      for (const [code, p] of Object.entries(expected[c].decision!.probs)) expect(Math.abs(got[c].probs[code] - p)).toBeLessThan(1e-3);
    }
  }
}
