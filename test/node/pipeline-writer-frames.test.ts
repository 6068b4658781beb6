// Frames that write their own pixels (WriterFrame, src/frame.ts): the scope asks the source to
// write each frame where a free preprocess worker wants it, straight into that worker's kernel
// memory where it is shared (always in Node), so the scope makes no copy of its own. The results
// must be those of the same frames given as pixels, through a crash and retry, with the inbox off
// (a page without SharedArrayBuffer), and a writer that throws or hangs fails its frame only: a
// hung writer's late write must not reach another frame's pixels.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutAlpha } from '../../bench/inputs.js';
import { createScope, type Frame, type FrameResult, type Scope, type WriterFrame } from '../../dist/node/index.js';
import { testingHooks } from '../../src/testing.js';
import { withOwnPixels } from '../../src/ui/frame-image.js';
import { bccdFrames, copyFrame } from '../support/frames.js';
import { shippedModelCard } from '../support/test-model.js';

/** Where and how often each frame's writer was asked to write. */
interface WriterLog {
  targets: Uint8Array[];
}

/** `frame` as a WriterFrame that copies its pixels into the target it is given, logging each call. */
function writerOf(frame: Frame, log: WriterLog): WriterFrame {
  const { pixels, ...header } = frame;
  return {
    ...header,
    writePixels(target) {
      log.targets.push(target);
      target.set(pixels);
    },
  };
}

function summary(results: FrameResult[]) {
  return results.map((r) => ({
    label: r.label,
    error: r.error?.code,
    cells: r.cells.map((c) => [c.x, c.y, c.decision?.class, c.decision?.confidence.toFixed(4)]),
  }));
}

async function collect(scope: Scope, frames: Iterable<unknown>): Promise<FrameResult[]> {
  const results: FrameResult[] = [];
  for await (const r of scope.analyzeStream(frames as Iterable<Frame>)) results.push(r);
  return results;
}

describe('writer frames: the source writes each frame straight where the scope wants it', () => {
  let scope: Scope;
  let inputs: Frame[];
  let expected: FrameResult[];

  beforeAll(async () => {
    const bccd = await bccdFrames(4);
    inputs = [bccd[0], bccd[1], { ...withoutAlpha(bccd[2]), label: `${bccd[2].label} rgb` }, bccd[3]];
    scope = await createScope({ model: shippedModelCard(), backend: 'native', workers: 2, batchSize: 4 });
    expected = await collect(
      scope,
      inputs.map((f) => copyFrame(f)),
    );
  });
  afterAll(async () => scope?.dispose());

  it('gives the results of the same frames as pixels, each written once into shared kernel memory', async () => {
    const hooks = testingHooks(scope);
    expect(expected.map((r) => [r.error, r.cells.length > 0])).toEqual(inputs.map(() => [undefined, true]));
    const before = hooks.frameHandoffs;
    const logs = inputs.map((): WriterLog => ({ targets: [] }));
    const results = await collect(
      scope,
      inputs.map((f, i) => writerOf(f, logs[i])),
    );
    expect(summary(results)).toEqual(summary(expected));
    expect(hooks.frameHandoffs).toEqual({ ...before, written: before.written + inputs.length });
    for (let i = 0; i < inputs.length; i++) {
      expect(logs[i].targets.length).toBe(1);
      expect(logs[i].targets[0].byteLength).toBe(inputs[i].pixels.byteLength);
      expect(logs[i].targets[0].buffer).toBeInstanceOf(SharedArrayBuffer); // the worker's kernel memory itself
    }
  });

  it('a raw file read with fs.readSync straight into the target (shared memory) gives the same results', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'smearscope-writer-test-'));
    try {
      const frames = inputs.map((frame, k): WriterFrame => {
        const path = join(folder, `${k}.raw`);
        writeFileSync(path, frame.pixels);
        const { pixels: _, ...header } = frame;
        return {
          ...header,
          writePixels(target) {
            const fd = openSync(path, 'r');
            try {
              expect(readSync(fd, target, 0, target.byteLength, 0)).toBe(target.byteLength);
            } finally {
              closeSync(fd);
            }
          },
        };
      });
      expect(summary(await collect(scope, frames))).toEqual(summary(expected));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('without shared memory the source writes into a transfer buffer, with the same results', async () => {
    const hooks = testingHooks(scope);
    hooks.frameInbox = false;
    try {
      const logs = inputs.map((): WriterLog => ({ targets: [] }));
      const results = await collect(
        scope,
        inputs.map((f, i) => writerOf(f, logs[i])),
      );
      expect(summary(results)).toEqual(summary(expected));
      for (const log of logs) expect(log.targets.map((t) => t.buffer instanceof SharedArrayBuffer)).toEqual([false]);
    } finally {
      hooks.frameInbox = true;
    }
  });

  it('a crash mid-frame asks the source to write the frame again, for the fresh worker', async () => {
    const hooks = testingHooks(scope);
    hooks.crashPreprocess = (i) => (i === 1 || i === 3 ? 1 : undefined);
    const logs = inputs.map((): WriterLog => ({ targets: [] }));
    try {
      const results = await collect(
        scope,
        inputs.map((f, i) => writerOf(f, logs[i])),
      );
      expect(summary(results)).toEqual(summary(expected));
    } finally {
      hooks.crashPreprocess = undefined;
    }
    expect(logs.map((log) => log.targets.length)).toEqual([1, 2, 1, 2]);
  });

  it('a writer that throws fails its own frame only, with its message', async () => {
    const log: WriterLog = { targets: [] };
    const broken: WriterFrame = {
      ...writerOf(inputs[1], log),
      writePixels() {
        throw new Error('camera buffer underrun');
      },
    };
    const results = await collect(scope, [copyFrame(inputs[0]), broken, writerOf(inputs[2], log), copyFrame(inputs[3])]);
    expect(results[1].error?.code).toBe('INVALID_FRAME');
    expect(results[1].error?.message).toContain('writePixels threw: camera buffer underrun');
    expect(summary([results[0], results[2], results[3]])).toEqual(summary([expected[0], expected[2], expected[3]]));
  });

  it('malformed writer frames are refused with INVALID_FRAME', async () => {
    const { pixels, ...header } = inputs[0];
    const results = await collect(scope, [
      { ...header, writePixels: 'not a function' },
      { ...header, pixels, writePixels: () => undefined },
      { ...header, channels: 2, writePixels: () => undefined },
    ]);
    expect(results.map((r) => r.error?.code)).toEqual(['INVALID_FRAME', 'INVALID_FRAME', 'INVALID_FRAME']);
    expect(results[0].error?.message).toContain('writePixels must be a function');
    expect(results[1].error?.message).toContain('not two');
    expect(results[2].error?.message).toContain('channels');
  });

  it('the review station gives a writer frame pixels of its own before showing it', async () => {
    const log: WriterLog = { targets: [] };
    const own = (await withOwnPixels(writerOf(inputs[2], log))) as Frame;
    expect(log.targets.length).toBe(1);
    expect(Buffer.from(own.pixels).equals(Buffer.from(inputs[2].pixels))).toBe(true);
    expect('writePixels' in own).toBe(false);
  });
});

describe('a writer that hangs', () => {
  it('fails its frame with FRAME_TIMEOUT, and its late write reaches no other frame', async () => {
    const bccd = await bccdFrames(3);
    // One worker: the next frame would get the same kernel memory if the hung one's were reused.
    const scope = await createScope({
      model: shippedModelCard(),
      backend: 'native',
      workers: 1,
      batchSize: 4,
      frameLimits: { decodeMs: 1500 },
    });
    try {
      const expected = await collect(
        scope,
        bccd.slice(1).map((f) => copyFrame(f)),
      );
      let hungTarget: Uint8Array | undefined;
      const { pixels: _, ...header } = bccd[0];
      const hung: WriterFrame = {
        ...header,
        writePixels: (target) => {
          hungTarget = target;
          return new Promise<void>(() => undefined);
        },
      };
      const log: WriterLog = { targets: [] };
      const next = writerOf(bccd[1], log);
      const lateWriter: WriterFrame = {
        ...next,
        // Writes its own pixels, then the hung writer finally scribbles over the memory it was given.
        writePixels(target) {
          next.writePixels(target);
          hungTarget!.fill(255);
        },
      };
      const results = await collect(scope, [hung, lateWriter, copyFrame(bccd[2])]);
      expect(results[0].error?.code).toBe('FRAME_TIMEOUT');
      expect(results[0].error?.message).toContain('writePixels took longer than 1500 ms');
      expect(hungTarget).toBeDefined();
      expect(summary(results.slice(1))).toEqual(summary(expected));
    } finally {
      await scope.dispose();
    }
  });
});
