// A push-fed frame source for one long analyzeStream: frames arrive whenever the operator drops
// them or the host sends them, and the SDK batches cells across them as if they were one stream.
import type { FrameInput } from '../index.js';

export class FrameQueue implements AsyncIterable<FrameInput> {
  private readonly items: FrameInput[] = [];
  private waiting: ((result: IteratorResult<FrameInput>) => void) | undefined;
  private closed = false;

  /** Queues a frame; the queue owns it from here (its pixels may be transferred to a worker). */
  push(frame: FrameInput): void {
    if (this.closed) throw new Error('the frame queue is closed');
    if (this.waiting) {
      const wake = this.waiting;
      this.waiting = undefined;
      wake({ value: frame, done: false });
    } else {
      this.items.push(frame);
    }
  }

  /** Ends the stream after the frames already queued. */
  close(): void {
    this.closed = true;
    if (this.waiting && this.items.length === 0) this.waiting({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<FrameInput> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.closed = true;
        this.items.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
