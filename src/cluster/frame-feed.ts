import type { EncodedFrame } from '../frame.js';
import type { FrameResult, Scope } from '../index.js';

/**
 * Frames of concurrent jobs go through scope streams, one per slide: a slide's frames share its
 * stream's scale calibration (a frame that cannot measure its own scale takes that of the slide's
 * frames before it, never another slide's), and their cells share inference batches.
 */
export interface FrameFeed {
  /** Analyzes one frame of slide `slideId` among those in flight; resolves with its result (failed
   * frames carry `error`), rejects only when the stream itself broke (the frame's job should then be retried). */
  analyze(frame: EncodedFrame, slideId: string): Promise<FrameResult>;
  /** How many slides have a stream open (each ends IDLE_STREAM_MS after its last frame). */
  readonly openStreams: number;
  /** Lets the frames in flight finish, then ends every stream. */
  close(): Promise<void>;
}

/** A slide's stream ends this long after its last frame was answered (its calibration with it): the
 * frames of a slide come back to back off the queue, and a worker serves many slides in a day. */
export const IDLE_STREAM_MS = 60_000;

interface Waiter {
  resolve(result: FrameResult): void;
  reject(error: unknown): void;
}

interface Stream {
  queue: EncodedFrame[];
  waiters: Map<number, Waiter>;
  pushed: number;
  closed: boolean;
  idle?: ReturnType<typeof setTimeout>;
  wake(): void;
  done: Promise<void>;
}

/**
 * Long-lived `scope.analyzeStream`s fed as jobs arrive (the scheduler sends a partial batch when
 * the source is slow, so a lone frame is not held back), one per slide. If a stream throws, the
 * frames in it are rejected and the slide's next frame starts a new stream. The caller keeps the
 * scope; close() does not dispose it.
 */
export function createFrameFeed(scope: Scope, idleStreamMs = IDLE_STREAM_MS): FrameFeed {
  const streams = new Map<string, Stream>();

  const end = (stream: Stream) => {
    clearTimeout(stream.idle);
    stream.closed = true;
    stream.wake();
  };

  const open = (slideId: string): Stream => {
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
          if (stream.waiters.size === 0 && !stream.closed) {
            stream.idle = setTimeout(() => end(stream), idleStreamMs);
            stream.idle.unref?.();
          }
        }
      } catch (error) {
        for (const waiter of stream.waiters.values()) waiter.reject(error);
        stream.waiters.clear();
      } finally {
        clearTimeout(stream.idle);
        if (streams.get(slideId) === stream) streams.delete(slideId);
      }
    })();
    streams.set(slideId, stream);
    return stream;
  };

  return {
    analyze(frame, slideId) {
      let stream = streams.get(slideId);
      if (!stream || stream.closed) stream = open(slideId);
      clearTimeout(stream.idle);
      const index = stream.pushed++;
      const result = new Promise<FrameResult>((resolve, reject) => stream.waiters.set(index, { resolve, reject }));
      stream.queue.push(frame);
      stream.wake();
      return result;
    },
    get openStreams() {
      return streams.size;
    },
    async close() {
      const open = [...streams.values()];
      for (const stream of open) end(stream);
      await Promise.all(open.map((stream) => stream.done));
    },
  };
}
