import type { EncodedFrame } from '../frame.js';
import type { FrameResult, Scope } from '../index.js';

/** Frames of concurrent jobs go through one scope stream, so their cells share inference batches. */
export interface FrameFeed {
  /** Analyzes one frame among those in flight; resolves with its result (failed frames carry `error`),
   * rejects only when the stream itself broke (the frame's job should then be retried). */
  analyze(frame: EncodedFrame): Promise<FrameResult>;
  /** Lets the frames in flight finish, then ends the stream. */
  close(): Promise<void>;
}

interface Waiter {
  resolve(result: FrameResult): void;
  reject(error: unknown): void;
}

interface Stream {
  queue: EncodedFrame[];
  waiters: Map<number, Waiter>;
  pushed: number;
  closed: boolean;
  wake(): void;
  done: Promise<void>;
}

/**
 * One long-lived `scope.analyzeStream` fed as jobs arrive (the scheduler sends a partial batch when
 * the source is slow, so a lone frame is not held back). If the stream throws, the frames in it are
 * rejected and the next frame starts a new stream. The caller keeps the scope; close() does not dispose it.
 */
export function createFrameFeed(scope: Scope): FrameFeed {
  let current: Stream | undefined;

  const open = (): Stream => {
    const stream: Stream = { queue: [], waiters: new Map(), pushed: 0, closed: false, wake: () => undefined, done: Promise.resolve() };
    async function* source(): AsyncGenerator<EncodedFrame> {
      for (;;) {
        const next = stream.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (stream.closed) return;
        await new Promise<void>((resolve) => (stream.wake = resolve));
      }
    }
    stream.done = (async () => {
      try {
        for await (const result of scope.analyzeStream(source())) {
          stream.waiters.get(result.index)?.resolve(result);
          stream.waiters.delete(result.index);
        }
      } catch (error) {
        for (const waiter of stream.waiters.values()) waiter.reject(error);
        stream.waiters.clear();
      } finally {
        if (current === stream) current = undefined;
      }
    })();
    return stream;
  };

  return {
    analyze(frame) {
      const stream = (current ??= open());
      const index = stream.pushed++;
      const result = new Promise<FrameResult>((resolve, reject) => stream.waiters.set(index, { resolve, reject }));
      stream.queue.push(frame);
      stream.wake();
      return result;
    },
    async close() {
      const stream = current;
      if (!stream) return;
      stream.closed = true;
      stream.wake();
      await stream.done;
    },
  };
}
