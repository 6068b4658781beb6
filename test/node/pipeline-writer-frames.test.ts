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

  it('a writer that throws fails its own frame only (IO_FAILED, not retried), with its message', async () => {
    const log: WriterLog = { targets: [] };
    let calls = 0;
    const broken: WriterFrame = {
      ...writerOf(inputs[1], log),
      writePixels() {
        calls++;
        throw new Error('camera buffer underrun');
      },
    };
    const results = await collect(scope, [copyFrame(inputs[0]), broken, writerOf(inputs[2], log), copyFrame(inputs[3])]);
    expect(results[1].error?.code).toBe('IO_FAILED');
    expect(results[1].error?.message).toContain('writePixels threw: camera buffer underrun');
    expect(calls).toBe(1);
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
    // A camera written as a class: writePixels is called as its method (this bound).
    class Camera {
      constructor(private readonly frame: Frame) {}
      get width() {
        return this.frame.width;
      }
      readonly height = inputs[2].height;
      readonly channels = inputs[2].channels;
      writePixels(target: Uint8Array) {
        target.set(this.frame.pixels);
      }
    }
    const fromCamera = (await withOwnPixels(new Camera(inputs[2]) as unknown as WriterFrame)) as Frame;
    expect(fromCamera.width).toBe(inputs[2].width);
    expect(Buffer.from(fromCamera.pixels).equals(Buffer.from(inputs[2].pixels))).toBe(true);
    await expect(withOwnPixels({ ...writerOf(inputs[2], log), width: 0 })).rejects.toMatchObject({ code: 'INVALID_FRAME' });
    await expect(withOwnPixels(writerOf(inputs[2], log), 1000)).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' });
    const failing = { ...writerOf(inputs[2], log), writePixels: () => Promise.reject(new Error('lens cap on')) };
    await expect(withOwnPixels(failing)).rejects.toMatchObject({ code: 'IO_FAILED', message: expect.stringContaining('lens cap on') });
  });

  it("a writer's other fields and methods stay with the caller: only the header travels", async () => {
    const log: WriterLog = { targets: [] };
    // A function on the frame object could not be posted to a worker (DataCloneError).
    const withExtras = { ...writerOf(inputs[0], log), close: () => undefined, device: { id: 7 } };
    const results = await collect(scope, [withExtras]);
    expect(summary(results)).toEqual(summary([expected[0]]));
  });
});

// One worker, so the next frame would get the same kernel memory (or transfer buffer) if the
// failed writer's were reused; each next frame writes its own pixels and then has the failed
// writer "finally" scribble over the memory it was given.
describe('a writer that hangs, rejects or is aborted', () => {
  let scope: Scope;
  let bccd: Frame[];
  let expected: FrameResult[];

  beforeAll(async () => {
    bccd = await bccdFrames(3);
    scope = await createScope({ model: shippedModelCard(), backend: 'native', workers: 1, batchSize: 4, frameLimits: { decodeMs: 1500 } });
    expected = await collect(
      scope,
      bccd.slice(1).map((f) => copyFrame(f)),
    );
  });
  afterAll(async () => scope?.dispose());

  /** bccd[1] as a writer that, after writing its own pixels, overwrites `late()` with white. */
  function nextWithLateWrite(late: () => Uint8Array | undefined): WriterFrame {
    const next = writerOf(bccd[1], { targets: [] });
    return {
      ...next,
      writePixels(target) {
        next.writePixels(target);
        late()!.fill(255);
      },
    };
  }

  /** bccd[0]'s header with `writePixels`. */
  function failing(writePixels: WriterFrame['writePixels']): WriterFrame {
    const { pixels: _, ...header } = bccd[0];
    return { ...header, writePixels };
  }

  /** A writer that keeps its target and never settles; `kept()` is that target once it was called. */
  function hanging(): { frame: WriterFrame; kept: () => Uint8Array | undefined } {
    let kept: Uint8Array | undefined;
    const frame = failing((target) => {
      kept = target;
      return new Promise<void>(() => undefined);
    });
    return { frame, kept: () => kept };
  }

  it('one that hangs fails with FRAME_TIMEOUT, and its late write reaches no other frame', async () => {
    const hung = hanging();
    const results = await collect(scope, [hung.frame, nextWithLateWrite(hung.kept), copyFrame(bccd[2])]);
    expect(results[0].error?.code).toBe('FRAME_TIMEOUT');
    expect(results[0].error?.message).toContain('writePixels took longer than 1500 ms');
    expect(hung.kept()?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(summary(results.slice(1))).toEqual(summary(expected));
  });

  it('one that rejects while its reads are still in flight: the same', async () => {
    let kept: Uint8Array | undefined;
    const rejecting = failing((target) => {
      kept = target;
      return Promise.reject(new Error('one chunk failed'));
    });
    const results = await collect(scope, [rejecting, nextWithLateWrite(() => kept), copyFrame(bccd[2])]);
    expect(results[0].error?.code).toBe('IO_FAILED');
    expect(summary(results.slice(1))).toEqual(summary(expected));
  });

  it('without shared memory a hung writer’s transfer buffer is never lent again', async () => {
    const hooks = testingHooks(scope);
    hooks.frameInbox = false;
    try {
      const hung = hanging();
      const results = await collect(scope, [hung.frame, nextWithLateWrite(hung.kept), copyFrame(bccd[2])]);
      expect(results[0].error?.code).toBe('FRAME_TIMEOUT');
      expect(hung.kept()?.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      expect(summary(results.slice(1))).toEqual(summary(expected));
    } finally {
      hooks.frameInbox = true;
    }
  });

  it('aborting while a writer hangs settles the stream; the next stream’s frames are intact', async () => {
    let kept: Uint8Array | undefined;
    const controller = new AbortController();
    const hung = failing((target) => {
      kept = target;
      setTimeout(() => controller.abort(), 50);
      return new Promise<void>(() => undefined);
    });
    const startedAt = performance.now();
    const aborted: FrameResult[] = [];
    try {
      for await (const r of scope.analyzeStream([hung], { signal: controller.signal })) aborted.push(r);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ABORTED');
    }
    expect(performance.now() - startedAt).toBeLessThan(1500); // well before the writer's budget
    expect(aborted.every((r) => r.error)).toBe(true);
    const results = await collect(scope, [nextWithLateWrite(() => kept), copyFrame(bccd[2])]);
    expect(summary(results)).toEqual(summary(expected));
  });
});
